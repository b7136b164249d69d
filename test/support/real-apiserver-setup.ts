import { createServer, Server } from 'http';
import { join } from 'path';
import { RunningApiserver, startRealApiserver } from './real-apiserver';
import { realComponent } from './real-components';

/**
 * vitest `globalSetup`: one real API server for the whole run, started lazily. The main vitest process listens on a
 * loopback port (handed to test files with `provide`/`inject`); the first test file that asks starts etcd and
 * kube-apiserver (about 5-20 s), later ones reuse them, and the teardown stops them. A run that has no test asking
 * (e.g. `vitest run test/pod`) starts nothing.
 */
/** The part of vitest's TestProject the setup uses (vitest/node is ESM-only; the tests compile as CommonJS). */
interface GlobalSetupProject {
  readonly config: { readonly root: string };
  provide(key: 'realApiserverLauncher', value: string): void;
}

export default async function setup(project: GlobalSetupProject): Promise<() => Promise<void>> {
  let started: Promise<RunningApiserver> | undefined;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/ensure') {
      res.writeHead(404).end();
      return;
    }
    const status = realComponent('kube-apiserver');
    if (!status.available) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end(status.reason);
      return;
    }
    started ??= startRealApiserver({ crdDir: join(project.config.root, 'test', 'fixtures', 'crds') });
    started.then(
      api => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ url: api.url, token: api.token, ca: api.ca })),
      (e: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(e.message),
    );
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  project.provide('realApiserverLauncher', `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  return async () => {
    server.close();
    if (started) await started.then(api => api.stop(), () => undefined);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the launcher that starts (once) and describes the run's real API server. */
    realApiserverLauncher: string;
  }
}
