import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { settingAddedAfter } from '../config/airflow-settings-check';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { cpuAndMemory } from '../pod/security';
import { expectDuration, expectEnum, expectNumber, expectObject } from '../utils/props-check';

/**
 * The server running the Airflow 3 API server's workers (`[api] server_type`, Airflow 3.2+).
 */
export enum ApiServerType {
  /** uvicorn (Airflow's default): each worker loads the whole application; no rolling worker refresh. */
  UVICORN = 'uvicorn',
  /**
   * gunicorn with uvicorn workers: the application is loaded once and shared by the workers (fork, copy-on-write),
   * and `refreshInterval` restarts them one batch at a time. Needs gunicorn in the image (`apache-airflow-core[gunicorn]`).
   */
  GUNICORN = 'gunicorn',
}

/**
 * The worker processes of each API server replica: `[api] workers`, `worker_timeout`, and on Airflow 3.2+
 * `server_type` with rolling worker refresh (`worker_refresh_interval`, `worker_refresh_batch_size`).
 *
 * Memory is per replica: every worker holds its own copy of what it loaded (with uvicorn the whole application), so
 * the default resources grow with `count` (512Mi plus 512Mi per worker requested, twice that as the limit; 250m CPU per
 * worker). The official chart's users report API servers killed for memory (apache/airflow#61804): give a limit
 * above what `count` workers use, and refresh workers with gunicorn when memory grows over days. Each worker also
 * keeps its own database connection pool: connections grow as replicas × workers (apache/airflow#58510).
 */
export interface ApiServerWorkers {
  /**
   * `[api] workers`: worker processes per replica. Airflow's advice: about the CPU cores of a replica; scale out with
   * `replicas` rather than with workers (apache/airflow#52270).
   *
   * @default 1
   */
  readonly count?: number;
  /**
   * `[api] server_type` (Airflow 3.2+): uvicorn, or gunicorn, which shares memory between workers and can refresh them.
   *
   * @default ApiServerType.UVICORN
   */
  readonly serverType?: ApiServerType;
  /**
   * `[api] worker_refresh_interval` (Airflow 3.2+, gunicorn only): restart every worker this often, a batch at a time
   * (new workers start before old ones stop), so that memory a worker accumulates is given back. Whole seconds.
   *
   * @default - no refresh.
   */
  readonly refreshInterval?: Duration;
  /**
   * `[api] worker_refresh_batch_size` (Airflow 3.2+, with `refreshInterval`): workers restarted at once, at most
   * `count`. A batch briefly runs on top of `count` workers: leave memory for it.
   *
   * @default 1
   */
  readonly refreshBatchSize?: number;
  /**
   * `[api] worker_timeout`: how long the server waits for a worker (its keep-alive, graceful-shutdown and
   * health-check timeouts with uvicorn). Whole seconds.
   *
   * @default Duration.seconds(120)
   */
  readonly timeout?: Duration;
}

/** MiB every worker of an API server replica is given by default, on top of the same again for the replica. */
const MIB_PER_WORKER = 512;

/**
 * Writes `workers` into `airflow.cfg` after checking it against the Airflow release; returns the default resources of
 * an API server replica with that many workers, and the warnings to give.
 * Sources: airflow-core 3.2.2 `cli/commands/api_server_command.py` (`_run_api_server`: `server_type` picks uvicorn or
 * gunicorn, gunicorn missing raises "Gunicorn is not installed"), `api_fastapi/gunicorn_app.py` (`worker_refresh_interval`
 * > 0 starts rolling refreshes, a batch above `num_workers` is reduced to it), `config_templates/config.yml` `[api]`
 * (`server_type`, `worker_refresh_interval` and `worker_refresh_batch_size` added in 3.2.0; refresh ignored with uvicorn).
 *
 * @internal
 */
export function applyApiServerWorkers(
  recipe: AirflowPodRecipe, workers: ApiServerWorkers | undefined, resources: kplus.ContainerResources | undefined,
): { resources: kplus.ContainerResources; warnings: string[] } {
  const version = recipe.version;
  const warnings: string[] = [];
  if (workers === undefined) return { resources: resources ?? cpuAndMemory(250, 1024, 2048), warnings };
  const prop = 'apiServer.workers';
  expectObject(workers, prop);
  expectNumber(workers.count, `${prop}.count`);
  expectEnum(workers.serverType, ApiServerType, `${prop}.serverType`, 'ApiServerType');
  expectDuration(workers.refreshInterval, `${prop}.refreshInterval`);
  expectNumber(workers.refreshBatchSize, `${prop}.refreshBatchSize`);
  expectDuration(workers.timeout, `${prop}.timeout`);
  const count = workers.count ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`'${prop}.count' must be a whole number >= 1, got ${count}`);
  }
  const config = recipe.config;
  const need = (key: string, given: string) => {
    const since = settingAddedAfter(version, 'api', key);
    if (since !== undefined) {
      throw new Error(`'${prop}.${given}' sets [api] ${key}, which Airflow added in ${since}, but 'airflowVersion' is ${version.version}: `
        + `remove it, or use Airflow ${since} or later`);
    }
  };
  const seconds = (value: Duration, given: string) => {
    const s = value.toMilliseconds() / 1000;
    if (!Number.isInteger(s) || s < 1) throw new Error(`'${prop}.${given}' must be a whole number of seconds >= 1, got ${value.toMilliseconds()} ms`);
    return String(s);
  };
  config.setOwned('api', 'workers', String(count), `${prop}.count`);
  if (workers.timeout !== undefined) config.setOwned('api', 'worker_timeout', seconds(workers.timeout, 'timeout'), `${prop}.timeout`);
  if (workers.serverType !== undefined) {
    need('server_type', 'serverType');
    config.setOwned('api', 'server_type', workers.serverType, `${prop}.serverType`);
  }
  if (workers.refreshInterval !== undefined) {
    need('worker_refresh_interval', 'refreshInterval');
    if (workers.serverType !== ApiServerType.GUNICORN) {
      throw new Error(`'${prop}.refreshInterval' needs 'serverType: ApiServerType.GUNICORN': Airflow ignores [api] worker_refresh_interval with uvicorn, `
        + 'whose workers cannot be restarted oldest first');
    }
    config.setOwned('api', 'worker_refresh_interval', seconds(workers.refreshInterval, 'refreshInterval'), `${prop}.refreshInterval`);
  }
  if (workers.refreshBatchSize !== undefined) {
    need('worker_refresh_batch_size', 'refreshBatchSize');
    const batch = workers.refreshBatchSize;
    if (workers.refreshInterval === undefined) {
      throw new Error(`'${prop}.refreshBatchSize' has no effect without 'refreshInterval': set both, or remove refreshBatchSize`);
    }
    if (!Number.isInteger(batch) || batch < 1 || batch > count) {
      throw new Error(`'${prop}.refreshBatchSize' must be a whole number from 1 to 'count' (${count}), got ${batch}`);
    }
    config.setOwned('api', 'worker_refresh_batch_size', String(batch), `${prop}.refreshBatchSize`);
  }
  // per replica: the replica's own share plus one share per worker (and one per worker of a refresh batch).
  const batch = workers.refreshInterval !== undefined ? workers.refreshBatchSize ?? 1 : 0;
  const needed = MIB_PER_WORKER * (1 + count + batch);
  const limit = resources?.memory?.limit?.toMebibytes();
  if (resources !== undefined && limit !== undefined && limit < needed) {
    warnings.push(`'apiServer.resources' limits memory to ${limit}Mi, but ${count} API server worker(s)${batch > 0 ? ` plus a refresh batch of ${batch}` : ''} `
      + `are sized at ${needed}Mi (${MIB_PER_WORKER}Mi for the replica and each worker): the replica may be killed for memory (apache/airflow#61804)`);
  }
  return { resources: resources ?? cpuAndMemory(250 * count, needed, 2 * needed), warnings };
}
