import { cpSync } from 'fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AirflowVersion } from '../../src';
import { STAND_INS } from '../real/support';
import { canEmulatePods, imageEnv, PodFilesystem, podProcess, PodProcess, podSpecOf, workload } from '../support/real-airflow';
import { describeWith } from '../support/real-components';
import { PostgresService, startPostgres, tcpOpen } from '../support/real-services';
import { synthDeployment } from '../support/synth';

/**
 * The split API server's two containers (args, env, files, read-only root: test/support/real-airflow.ts) run as real
 * Airflow 3.2.2 API servers against a migrated PostgreSQL: the Execution API server answers its probes and serves no
 * UI/REST API (404); the core API server answers `/api/v2/version` and serves no Execution API (its UI catch-all answers
 * `/execution/health` with HTML). One server serving every app would answer both: that is the oracle.
 */
const VERSION = AirflowVersion.V3_2_2;

async function fetchText(port: number, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual', signal: AbortSignal.timeout(20_000) });
  return { status: r.status, body: await r.text() };
}

async function get(port: number, path: string): Promise<number> {
  return (await fetchText(port, path)).status;
}

/** What the Execution API's health route answers (airflow-core 3.2.2 `api_fastapi/execution_api/routes/health.py`). */
const EXECUTION_HEALTHY = '{"status":"healthy"}';

/** Starts a container's own args in its pod filesystem and waits until `readyPath` answers 200 on port 8080. */
async function start(pod: PodProcess, readyPath: string, prepare: (fs: PodFilesystem) => Promise<void> = async () => {}) {
  if (await tcpOpen(8080)) throw new Error('port 8080 is taken on this machine: the container\'s exact port is needed');
  const fs = new PodFilesystem(pod);
  await prepare(fs);
  const server = fs.start(pod.args, { ...imageEnv(VERSION.version), ...pod.env });
  const stop = async () => { await server.stop(); fs.remove(); };
  try {
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (server.exited()) throw new Error(`${pod.args.join(' ')} exited\n${server.output()}`);
      if ((await get(8080, readyPath).catch(() => 0)) === 200) break;
      if (Date.now() > deadline) throw new Error(`${pod.args.join(' ')}: ${readyPath} not ready after 300 s\n${server.output()}`);
      await new Promise(r => setTimeout(r, 500));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return stop;
}

describeWith(['airflow', 'apt'], 'the split API server against real Airflow 3.2.2 (issue #15)', () => {
  let pg: PostgresService;
  let url: string;
  const manifests = synthDeployment({ airflowVersion: VERSION, executionApiServer: {} }).manifests;
  const processOf = (component: string, container = component, all = manifests) => podProcess(all, workload(all, component), container,
    { ...STAND_INS, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN': url, 'file:airflow-simple-auth/passwords.json': '{"admin": "stand-in-pw"}' });
  beforeAll(async () => {
    if (!canEmulatePods()) throw new Error('needs root with unshare/nsenter to lay out the pod filesystem');
    pg = await startPostgres();
    await pg.sql("CREATE ROLE split LOGIN PASSWORD 'split-pw'; CREATE DATABASE split OWNER split;");
    url = `postgresql://split:split-pw@127.0.0.1:${pg.port}/split`;
    const job = workload(manifests, 'migrate');
    const migrate = podProcess(manifests, job, podSpecOf(job).containers[0].name, { ...STAND_INS, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: url });
    const fs = new PodFilesystem(migrate);
    try {
      const r = await fs.run(migrate.args, { ...imageEnv(VERSION.version), ...migrate.env }, { timeoutMs: 900_000 });
      if (r.code !== 0) throw new Error(`airflow db migrate exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    } finally {
      fs.remove();
    }
  }, 1_000_000);
  afterAll(async () => { await pg?.stop(); });

  it('the Execution API server answers its probes and serves no UI or REST API', async () => {
    const pod = processOf('execution-api-server');
    expect(pod.args).toEqual(['airflow', 'api-server', '--apps', 'execution']);
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map(k => pod.container[k].httpGet);
    const stop = await start(pod, probes[0].path);
    try {
      for (const p of probes) expect(await fetchText(p.port, p.path), p.path).toEqual({ status: 200, body: EXECUTION_HEALTHY });
      expect(await get(8080, '/api/v2/version')).toBe(404);
    } finally {
      await stop();
    }
  }, 600_000);

  /** Starts the UI's API server of `all`; its init container runs first (see below). */
  const startUi = async (all: any[]) => {
    const pod = processOf('api-server', 'api-server', all);
    // its init container copies the SimpleAuthManager's passwords file into the pod's /tmp (an emptyDir both share):
    // run it, then hand what it wrote to the main container's /tmp.
    const init = processOf('api-server', 'copy-simple-auth-passwords', all);
    return {
      pod,
      stop: await start(pod, pod.container.readinessProbe.httpGet.path, async (main) => {
        const initFs = new PodFilesystem(init);
        try {
          const r = await initFs.run(init.args, { ...imageEnv(VERSION.version), ...init.env });
          if (r.code !== 0) throw new Error(`${init.args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
          cpSync(initFs.hostPath('/tmp/simple-auth'), main.hostPath('/tmp/simple-auth'), { recursive: true });
        } finally {
          initFs.remove();
        }
      }),
    };
  };

  it('the core API server answers /api/v2/version and serves no Execution API', async () => {
    const { pod, stop } = await startUi(manifests);
    expect(pod.args).toEqual(['airflow', 'api-server', '--apps', 'core']);
    try {
      const version = await fetchText(8080, '/api/v2/version');
      expect(version.status).toBe(200);
      expect(JSON.parse(version.body).version).toBe(VERSION.version);
      // the UI's catch-all route answers any other path with its HTML page (`init_views` comes last in
      // `api_fastapi/app.py` `create_app`): the Execution API's health answer is not there.
      const health = await fetchText(8080, '/execution/health');
      expect(health.body).not.toBe(EXECUTION_HEALTHY);
      expect(health.body).toMatch(/<html/i);
    } finally {
      await stop();
    }
  }, 600_000);

  it('the oracle fails: one API server with every app (no executionApiServer) answers the Execution API\'s health', async () => {
    const { pod, stop } = await startUi(synthDeployment({ airflowVersion: VERSION }).manifests);
    expect(pod.args).toEqual(['airflow', 'api-server']);
    try {
      expect((await fetchText(8080, '/execution/health')).body).toBe(EXECUTION_HEALTHY);
    } finally {
      await stop();
    }
  }, 600_000);
});
