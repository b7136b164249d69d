import { afterAll, beforeAll, expect, it } from 'vitest';
import { AirflowExecutor, AirflowVersion } from '../../src';
import { STAND_INS } from '../real/support';
import { canEmulatePods, httpGet, imageEnv, initContainers, runPodToEnd, PodFilesystem, podProcess, PodProcess, PodServer, podSpecOf, startPodServer, workload } from '../support/real-airflow';
import { describeWith } from '../support/real-components';
import { PostgresService, startPostgres } from '../support/real-services';
import { synthDeployment } from '../support/synth';

/**
 * Edge workers against real Airflow 3.2.2 with apache-airflow-providers-edge3 3.7.0 (scripts/setup/airflow/
 * requirements-3.2.2.txt): the migrations Job creates the edge3 tables (3.2 discovers the provider's DB manager), the
 * API server of our manifests serves the Edge API (`[edge] api_enabled`), and the edge worker container (its args,
 * env, read-only root filesystem: test/support/real-airflow.ts) registers through `[edge] api_url` (the API server's
 * Service name, resolved to 127.0.0.1 as the cluster DNS would), signing with the JWT secret both pods get from the
 * same Secret. The preStop command drains it and it signs off (`offline`). Oracles: the API server without the
 * EdgeExecutor serves no Edge API; a worker with another JWT secret is refused; a worker without `--pid` fails on the
 * read-only root filesystem (its default PID file is `$AIRFLOW_HOME/airflow-edge-worker.pid`). The scheduler container
 * loads both executors of `[core] executor` (a wrong class path fails).
 */
const VERSION = AirflowVersion.V3_2_2;
/** The JWT secret both pods read from the generated Secret (a stand-in of 64 characters, as the generator makes). */
const JWT = 'j'.repeat(64);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, output: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000} s\n${output()}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

describeWith(['airflow', 'apt'], 'edge workers against real Airflow 3.2.2 and edge3 3.7.0 (issue #15)', () => {
  let pg: PostgresService;
  let url: string;
  const manifests = synthDeployment({ airflowVersion: VERSION, executor: AirflowExecutor.kubernetes().withEdge() }).manifests;
  const standIns = () => ({
    ...STAND_INS, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN': url, 'AIRFLOW__API_AUTH__JWT_SECRET': JWT, 'file:airflow-simple-auth/passwords.json': '{"admin": "pw"}',
  });
  const processOf = (component: string, container: string, all = manifests, extra: Record<string, string> = {}) =>
    podProcess(all, workload(all, component), container, { ...standIns(), ...extra });
  const edgeRows = async () => (await pg.sql('SELECT worker_name, state FROM edge_worker ORDER BY worker_name', 'edge')).trim();

  beforeAll(async () => {
    if (!canEmulatePods()) throw new Error('needs root with unshare/nsenter to lay out the pod filesystem');
    pg = await startPostgres();
    await pg.sql("CREATE ROLE edge LOGIN PASSWORD 'edge-pw'; CREATE DATABASE edge OWNER edge;");
    url = `postgresql://edge:edge-pw@127.0.0.1:${pg.port}/edge`;
    const job = workload(manifests, 'migrate');
    await runPodToEnd(podProcess(manifests, job, podSpecOf(job).containers[0].name, standIns()), VERSION.version, 900_000);
  }, 1_000_000);
  afterAll(async () => { await pg?.stop(); });

  /** Starts the UI's API server of `all` on port 8080 (after its init containers: the passwords file copy). */
  const startApiServer = async (all: any[]) => {
    const pod = processOf('api-server', 'api-server', all);
    const inits = initContainers(all, workload(all, 'api-server'), standIns());
    return (await startPodServer(pod, VERSION.version, 8080, '/api/v2/version', inits)).stop;
  };

  /** Starts the edge worker container of the manifests, its API server's Service name resolving to 127.0.0.1. */
  const startWorker = (pod: PodProcess): { fs: PodFilesystem; worker: PodServer; stop: () => Promise<void> } => {
    const fs = new PodFilesystem(pod, [], ['airflow-api-server']);
    const worker = fs.start(pod.args, { ...imageEnv(VERSION.version), ...pod.env });
    return { fs, worker, stop: async () => { await worker.stop(); fs.remove(); } };
  };

  it('the migrations Job created the edge3 tables (Airflow 3.2 finds the provider\'s DB manager without external_db_managers)', async () => {
    expect(await pg.sql("SELECT to_regclass('public.edge_worker') IS NOT NULL, to_regclass('public.edge_job') IS NOT NULL", 'edge')).toBe('t|t\n');
  });

  /** The executors the scheduler container of `all` loads from its `[core] executor` (class names, in order). */
  const schedulerExecutors = async (all: any[]) => {
    const pod = processOf('scheduler', 'scheduler', all);
    const fs = new PodFilesystem(pod);
    try {
      const script = 'from airflow.executors.executor_loader import ExecutorLoader\n'
        + 'print(",".join(type(e).__name__ for e in ExecutorLoader.init_executors()))';
      return await fs.run(['python', '-c', script], { ...imageEnv(VERSION.version), ...pod.env });
    } finally {
      fs.remove();
    }
  };

  it('the scheduler loads the KubernetesExecutor and the EdgeExecutor from [core] executor; the oracle fails on a wrong class path', async () => {
    const r = await schedulerExecutors(manifests);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe('KubernetesExecutor,EdgeExecutor');
    const wrong = synthDeployment({ airflowVersion: VERSION }).manifests
      .map(m => m.kind === 'ConfigMap' && m.data?.['airflow.cfg']
        ? { ...m, data: { ...m.data, 'airflow.cfg': m.data['airflow.cfg'].replace(/^executor = .*$/m, 'executor = KubernetesExecutor,airflow.providers.edge.executors.EdgeExecutor') } }
        : m);
    const bad = await schedulerExecutors(wrong);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/airflow\.providers\.edge\.executors/);
  }, 300_000);

  it('the API server serves the Edge API; an edge worker registers through api_url, drains on its preStop command and signs off', async () => {
    const stopApi = await startApiServer(manifests);
    try {
      expect(await httpGet(8080, '/edge_worker/v1/health')).toEqual({ status: 200, body: '{"status":"healthy"}' });
      const pod = processOf('edge-worker', 'worker');
      expect(pod.readOnlyRoot).toBe(true);
      expect(pod.env.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN).toBeUndefined();
      const { fs, worker, stop } = startWorker(pod);
      try {
        const row = await waitFor('edge worker registered', async () => {
          const rows = await edgeRows();
          return /\|(idle|running)$/m.test(rows) ? rows : undefined;
        }, 240_000, () => `${worker.output()}\nrows: ${'see edge_worker'}`);
        expect(row.split('\n')).toHaveLength(1);
        expect(worker.exited()).toBe(false);
        // the pod's preStop hook, run in the worker's mount namespace (PID file in /tmp).
        const preStop = pod.container.lifecycle.preStop.exec.command as string[];
        const r = await fs.execIn(worker.child.pid!, preStop, { ...imageEnv(VERSION.version), ...pod.env }, 120_000);
        expect(r.code, `${r.stdout}${r.stderr}\n${worker.output()}`).toBe(0);
        await waitFor('worker exit', async () => worker.exited() || undefined, 60_000, worker.output);
        expect(await edgeRows()).toMatch(/\|offline$/);
      } finally {
        await stop();
      }
    } finally {
      await stopApi();
    }
  }, 900_000);

  it('with executionApiServer, the UI\'s API server (--apps core, where api_url points) serves the Edge API', async () => {
    const split = synthDeployment({ airflowVersion: VERSION, executor: AirflowExecutor.kubernetes().withEdge(), executionApiServer: {} }).manifests;
    const stopApi = await startApiServer(split);
    try {
      expect(processOf('api-server', 'api-server', split).args).toEqual(['airflow', 'api-server', '--apps', 'core']);
      expect(await httpGet(8080, '/edge_worker/v1/health')).toEqual({ status: 200, body: '{"status":"healthy"}' });
    } finally {
      await stopApi();
    }
  }, 900_000);

  it('the oracle fails: an edge worker signing with another JWT secret is refused (403) and exits', async () => {
    const stopApi = await startApiServer(manifests);
    try {
      const pod = processOf('edge-worker', 'worker', manifests, { AIRFLOW__API_AUTH__JWT_SECRET: 'x'.repeat(64) });
      const { worker, stop } = startWorker(pod);
      try {
        await waitFor('worker exit', async () => worker.exited() || undefined, 240_000, worker.output);
        expect(worker.output()).toMatch(/403|Forbidden/);
      } finally {
        await stop();
      }
    } finally {
      await stopApi();
    }
  }, 900_000);

  it('the oracle fails: without --pid the worker writes its PID file to $AIRFLOW_HOME, read-only in the pod, and exits', async () => {
    const stopApi = await startApiServer(manifests);
    try {
      const pod = processOf('edge-worker', 'worker');
      const at = pod.args.indexOf('--pid');
      expect(at).toBeGreaterThan(0);
      const { worker, stop } = startWorker({ ...pod, args: [...pod.args.slice(0, at), ...pod.args.slice(at + 2)] });
      try {
        await waitFor('worker exit', async () => worker.exited() || undefined, 240_000, worker.output);
        expect(worker.output()).toMatch(/Read-only file system: '\/opt\/airflow\/airflow-edge-worker\.pid'/);
      } finally {
        await stop();
      }
    } finally {
      await stopApi();
    }
  }, 900_000);

  it('the oracle fails: an API server without the EdgeExecutor serves no Edge API', async () => {
    const stopApi = await startApiServer(synthDeployment({ airflowVersion: VERSION }).manifests);
    try {
      expect((await httpGet(8080, '/edge_worker/v1/health')).body).not.toBe('{"status":"healthy"}');
    } finally {
      await stopApi();
    }
  }, 900_000);
});
