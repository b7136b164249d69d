import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // one real kube-apiserver for the run, started when a test first asks for it (test/support/real-apiserver.ts)
    globalSetup: ['test/support/real-apiserver-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
  },
});
