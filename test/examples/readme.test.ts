import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { expectValidManifests } from '../support/manifests';

const root = join(__dirname, '..', '..');

describe('README example', () => {
  test('is examples/readme.ts, word for word (but the import path)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf-8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    const example = readFileSync(join(root, 'examples', 'readme.ts'), 'utf-8').replace("from '../src'", "from 'cdk8s-airflow'");
    expect(block).toBe(example);
  });

  test('"Use it in your cdk8s app" comes before "Getting started" and shows examples/cdk8s-app.ts word for word', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf-8');
    const section = readme.indexOf('## Use it in your cdk8s app');
    expect(section).toBeGreaterThan(0);
    expect(section).toBeLessThan(readme.indexOf('## Getting started'));
    const block = /```typescript\n([\s\S]*?)```/.exec(readme.slice(section))![1];
    // the pack-and-install check (test/packaging/install-check.test.ts) runs this file as main.ts of a fresh app
    expect(block).toBe(readFileSync(join(root, 'examples', 'cdk8s-app.ts'), 'utf-8').replace("from '../src'", "from 'cdk8s-airflow'"));
  });

  test('synthesizes valid manifests (the database Secret is the user\'s own)', () => {
    // run it as users do: a separate process, writing YAML files.
    const outdir = Testing.app().outdir;
    execFileSync(join(root, 'node_modules', '.bin', 'ts-node'), ['-P', 'examples/tsconfig.json', 'examples/readme.ts'], {
      cwd: root, env: { ...process.env, CDK8S_OUTDIR: outdir }, stdio: 'pipe',
    });
    const manifests = parseAllDocuments(readFileSync(join(outdir, 'airflow.k8s.yaml'), 'utf-8')).map(d => d.toJSON());
    expect(manifests.filter(m => m.kind === 'Deployment')).toHaveLength(4);
    expectValidManifests(manifests, { external: { secrets: ['airflow-db'] } });
    // AirflowApp wrote the report next to it (issue #17), naming the user's Secret in its preflight list.
    const report = readFileSync(join(outdir, 'airflow.airflow.md'), 'utf-8');
    expect(report).toContain('- [ ] Secret `airflow-db` key `url`: the SQLAlchemy URL of the metadata database');
  });
});
