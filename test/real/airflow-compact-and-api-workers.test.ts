import { Duration, Testing } from 'cdk8s';
import { beforeAll, expect, it } from 'vitest';
import { airflowContainers, expectEmpty, runChecks, STAND_INS } from './support';
import { AirflowDeployment, AirflowDeploymentProps, AirflowExecutor, AirflowTopology, AirflowVersion, ApiServerType } from '../../src';
import { AIRFLOW_VENV_VERSIONS, canEmulatePods, PodProcess, podProcess } from '../support/real-airflow';
import { describeWith } from '../support/real-components';
import { airflowCfg, testChart } from '../support/synth';

/**
 * Issue #15, read by Airflow 3.2.2 itself (test/real/airflow_checks.py `config`, in the pod's filesystem):
 * - the compact topology with the LocalExecutor: every container of the one pod loads our airflow.cfg with its own env,
 *   knows every key, reads each back typed and without warnings; in the scheduler container Airflow's ExecutorLoader
 *   (airflow-core 3.2.2 executors/executor_loader.py `import_default_executor_cls`) loads the LocalExecutor, whose
 *   `serve_logs` makes `airflow scheduler` start the log server (cli/commands/scheduler_command.py `_serve_logs`);
 * - `apiServer.workers`: the `airflow api-server` command takes its workers from `[api] workers`
 *   (cli/cli_config.py ARG_API_SERVER_WORKERS default `conf.get("api", "workers")`), the server type and the worker
 *   refresh are read as `_run_api_server` and `gunicorn_app.py` read them, and Airflow's own config description says
 *   which release added them (`version_added`), as our settings data does.
 */

const VERSION = '3.2.2';

function synth(props: AirflowDeploymentProps): any[] {
  const chart = testChart();
  new AirflowDeployment(chart, 'Airflow', { airflowVersion: AirflowVersion.V3_2_2, ...props });
  return Testing.synth(chart);
}

const EXECUTOR_PY = `
from airflow.executors.executor_loader import ExecutorLoader
cls, _ = ExecutorLoader.import_default_executor_cls()
RESULT = {"executor": cls.__name__, "serve_logs": bool(getattr(cls, "serve_logs", False)), "is_local": bool(cls.is_local)}
`;

const API_PY = `
from airflow.cli.cli_config import ARG_API_SERVER_WORKERS
from airflow.utils.providers_configuration_loader import providers_configuration_loaded
description = providers_configuration_loaded(lambda: conf.configuration_description)()
api = description["api"]["options"]
RESULT = {
    "cli_workers_default": ARG_API_SERVER_WORKERS.kwargs["default"],
    "server_type": conf.get("api", "server_type", fallback="uvicorn").lower(),
    "worker_refresh_interval": conf.getint("api", "worker_refresh_interval", fallback=0),
    "worker_refresh_batch_size": conf.getint("api", "worker_refresh_batch_size", fallback=1),
    "worker_timeout": conf.getint("api", "worker_timeout"),
    "version_added": {k: api[k].get("version_added") for k in ("server_type", "worker_refresh_interval", "worker_refresh_batch_size", "workers")},
}
`;

/** Runs the config check over the given containers of `manifests` (python snippets by container id), in the first one's filesystem. */
async function check(manifests: any[], python: Record<string, string>, mutate?: (cfg: string) => string): Promise<any> {
  const containers = airflowContainers(manifests);
  const first = containers.find(c => python[c.id] !== undefined) ?? containers[0];
  const pod = podProcess(manifests, first.object, first.containerName, STAND_INS);
  const process: PodProcess = { ...pod, files: pod.files.map(f => f.path === '/opt/airflow/airflow.cfg' && mutate ? { ...f, content: mutate(f.content) } : f) };
  const components = containers.map(a => ({
    name: a.id, env: podProcess(manifests, a.object, a.containerName, STAND_INS).env, env_keys: [], python: python[a.id],
  }));
  const results = await runChecks(VERSION, process, {
    checks: ['config'], config: { keys: Object.keys(airflowCfg(manifests)), components, process_env_keys: Object.keys(pod.env) },
  });
  return { result: results.config, containers };
}

describeWith(['airflow'], 'Airflow 3.2.2 reads the compact topology and the API server workers', () => {
  const usable = canEmulatePods() && AIRFLOW_VENV_VERSIONS.includes(VERSION);
  const compact = () => synth({ topology: AirflowTopology.compact(), executor: AirflowExecutor.local() });
  const workers = () => synth({
    apiServer: {
      workers: {
        count: 4, serverType: ApiServerType.GUNICORN, refreshInterval: Duration.hours(12), refreshBatchSize: 2, timeout: Duration.seconds(90),
      },
    },
  });
  let compactResult: any;
  let compactKubernetes: any;
  let workersResult: any;
  let workersUnset: any;
  beforeAll(async () => {
    if (!usable) return;
    // one Airflow process at a time (the machine has 2 cores)
    compactResult = await check(compact(), { 'Deployment/airflow-compact:scheduler': EXECUTOR_PY });
    compactKubernetes = await check(synth({ topology: AirflowTopology.compact() }), { 'Deployment/airflow-compact:scheduler': EXECUTOR_PY });
    workersResult = await check(workers(), { 'Deployment/airflow-api-server:api-server': API_PY });
    // the oracle can fail: without our [api] lines Airflow falls back to one uvicorn worker
    workersUnset = await check(workers(), { 'Deployment/airflow-api-server:api-server': API_PY },
      cfg => cfg.replace(/^(workers|server_type|worker_refresh_interval|worker_refresh_batch_size|worker_timeout) = .*\n/gm, ''));
  }, 600_000);

  it('this machine can run the pod filesystem (root, unshare) with Airflow 3.2.2', () => {
    expect(usable, 'needs root with unshare/nsenter and the airflow-3.2.2 venv').toBe(true);
  });

  it('compact + LocalExecutor: every container of the one pod reads our config cleanly; the scheduler loads the LocalExecutor, which serves logs', () => {
    const { result, containers } = compactResult;
    expect(result.fatal).toBeUndefined();
    expectEmpty('keys Airflow does not know', result.unknown_keys);
    const ids: string[] = containers.map((c: any) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['Deployment/airflow-compact:api-server', 'Deployment/airflow-compact:scheduler',
      'Deployment/airflow-compact:triggerer', 'Deployment/airflow-compact:dag-processor']));
    for (const id of ids) {
      const got = result.components[id];
      expectEmpty(`${id}: conf.get errors`, got.errors);
      expectEmpty(`${id}: typed reads`, got.typed_errors);
      expectEmpty(`${id}: warnings`, got.warnings);
      expect(got.values['core.executor'], id).toBe('LocalExecutor');
    }
    const scheduler = result.components['Deployment/airflow-compact:scheduler'];
    expect(scheduler.python_error).toBeUndefined();
    expect(scheduler.python).toEqual({ executor: 'LocalExecutor', serve_logs: true, is_local: true });
  });

  it('compact + KubernetesExecutor: the pod\'s containers and the task pod template read our config cleanly; the scheduler loads the KubernetesExecutor', () => {
    const { result, containers } = compactKubernetes;
    expect(result.fatal).toBeUndefined();
    expectEmpty('keys Airflow does not know', result.unknown_keys);
    const ids: string[] = containers.map((c: any) => c.id);
    expect(ids).toContain('pod_template_file:base');
    for (const id of ids) {
      const got = result.components[id];
      expectEmpty(`${id}: conf.get errors`, got.errors);
      expectEmpty(`${id}: typed reads`, got.typed_errors);
      expectEmpty(`${id}: warnings`, got.warnings);
    }
    expect(result.components['Deployment/airflow-compact:scheduler'].python).toEqual({ executor: 'KubernetesExecutor', serve_logs: false, is_local: false });
  });

  it('apiServer.workers: the api-server command gets 4 workers, gunicorn, refresh every 43200 s by 2, timeout 90; Airflow dates the settings as our data does', () => {
    const { result } = workersResult;
    expect(result.fatal).toBeUndefined();
    expectEmpty('keys Airflow does not know', result.unknown_keys);
    const api = result.components['Deployment/airflow-api-server:api-server'];
    expect(api.python_error).toBeUndefined();
    expectEmpty('api-server warnings', api.warnings);
    expect(api.python).toEqual({
      cli_workers_default: '4',
      server_type: 'gunicorn',
      worker_refresh_interval: 43200,
      worker_refresh_batch_size: 2,
      worker_timeout: 90,
      version_added: { server_type: '3.2.0', worker_refresh_interval: '3.2.0', worker_refresh_batch_size: '3.2.0', workers: null },
    });
  });

  it('the oracle fails without our [api] lines: one uvicorn worker, no refresh', () => {
    const api = workersUnset.result.components['Deployment/airflow-api-server:api-server'];
    expect(api.python).toMatchObject({ cli_workers_default: '1', server_type: 'uvicorn', worker_refresh_interval: 0 });
  });
});
