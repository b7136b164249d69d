import { afterAll, beforeAll, expect, it } from 'vitest';
import { AirflowVersion } from '../../src';
import { STAND_INS } from '../real/support';
import { canEmulatePods, httpGet, initContainers, runPodToEnd, podProcess, PodProcess, podSpecOf, startPodServer, workload } from '../support/real-airflow';
import { describeWith } from '../support/real-components';
import { PostgresService, startPostgres } from '../support/real-services';
import { synthDeployment } from '../support/synth';

/**
 * The split API server's two containers (args, env, files, read-only root: test/support/real-airflow.ts) run as real
 * Airflow 3.2.2 API servers against a migrated PostgreSQL: the Execution API server answers its probes and serves no
 * UI/REST API (404); the core API server answers `/api/v2/version` and serves no Execution API (its UI catch-all answers
 * `/execution/health` with HTML). One server serving every app would answer both: that is the oracle.
 */
const VERSION = AirflowVersion.V3_2_2;

async function get(port: number, path: string): Promise<number> {
  return (await httpGet(port, path)).status;
}

/** What the Execution API's health route answers (airflow-core 3.2.2 `api_fastapi/execution_api/routes/health.py`). */
const EXECUTION_HEALTHY = '{"status":"healthy"}';

/** Starts a container's own args in its pod filesystem (init containers first) until `readyPath` answers on 8080. */
async function start(pod: PodProcess, readyPath: string, inits: PodProcess[] = []): Promise<() => Promise<void>> {
  return (await startPodServer(pod, VERSION.version, 8080, readyPath, inits)).stop;
}

describeWith(['airflow', 'apt'], 'the split API server against real Airflow 3.2.2 (issue #15)', () => {
  let pg: PostgresService;
  let url: string;
  const manifests = synthDeployment({ airflowVersion: VERSION, executionApiServer: {} }).manifests;
  const standIns = () => ({ ...STAND_INS, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN': url, 'file:airflow-simple-auth/passwords.json': '{"admin": "stand-in-pw"}' });
  const processOf = (component: string, container = component, all = manifests) => podProcess(all, workload(all, component), container, standIns());
  beforeAll(async () => {
    if (!canEmulatePods()) throw new Error('needs root with unshare/nsenter to lay out the pod filesystem');
    pg = await startPostgres();
    await pg.sql("CREATE ROLE split LOGIN PASSWORD 'split-pw'; CREATE DATABASE split OWNER split;");
    url = `postgresql://split:split-pw@127.0.0.1:${pg.port}/split`;
    const job = workload(manifests, 'migrate');
    const migrate = podProcess(manifests, job, podSpecOf(job).containers[0].name, { ...STAND_INS, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: url });
    await runPodToEnd(migrate, VERSION.version, 900_000);
  }, 1_000_000);
  afterAll(async () => { await pg?.stop(); });

  it('the Execution API server answers its probes and serves no UI or REST API', async () => {
    const pod = processOf('execution-api-server');
    expect(pod.args).toEqual(['airflow', 'api-server', '--apps', 'execution']);
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map(k => pod.container[k].httpGet);
    const stop = await start(pod, probes[0].path);
    try {
      for (const p of probes) expect(await httpGet(p.port, p.path), p.path).toEqual({ status: 200, body: EXECUTION_HEALTHY });
      expect(await get(8080, '/api/v2/version')).toBe(404);
    } finally {
      await stop();
    }
  }, 600_000);

  /** Starts the UI's API server of `all`; its init containers (the passwords file copy) run first. */
  const startUi = async (all: any[]) => {
    const pod = processOf('api-server', 'api-server', all);
    const object = workload(all, 'api-server');
    return { pod, stop: await start(pod, pod.container.readinessProbe.httpGet.path, initContainers(all, object, standIns())) };
  };

  it('the core API server answers /api/v2/version and serves no Execution API', async () => {
    const { pod, stop } = await startUi(manifests);
    expect(pod.args).toEqual(['airflow', 'api-server', '--apps', 'core']);
    try {
      const version = await httpGet(8080, '/api/v2/version');
      expect(version.status).toBe(200);
      expect(JSON.parse(version.body).version).toBe(VERSION.version);
      // the UI's catch-all route answers any other path with its HTML page (`init_views` comes last in
      // `api_fastapi/app.py` `create_app`): the Execution API's health answer is not there.
      const health = await httpGet(8080, '/execution/health');
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
      expect((await httpGet(8080, '/execution/health')).body).toBe(EXECUTION_HEALTHY);
    } finally {
      await stop();
    }
  }, 600_000);
});
