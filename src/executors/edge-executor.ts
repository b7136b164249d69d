import { Construct } from 'constructs';
import { EDGE_EXECUTOR_CLASS, EdgeWorkerPool, EdgeWorkerPoolOptions } from './edge-worker-pool';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { AirflowWarnings } from '../warnings';

/**
 * Options of the EdgeExecutor (provider `apache-airflow-providers-edge3`, Airflow 3.0+).
 */
export interface EdgeExecutorOptions {
  /**
   * The edge worker pools run in the cluster; each serves its own queues. Workers elsewhere (another cluster, a
   * machine behind a firewall) join with the same settings, see the README ("Edge workers"); `[]` runs none in the
   * cluster (every edge worker runs elsewhere).
   *
   * @default - one pool named `default` serving the `default` queue.
   */
  readonly pools?: EdgeWorkerPoolOptions[];
}

/**
 * The first Airflow release the edge3 provider supports: edge3 3.7.0 requires `apache-airflow>=3.0.0,!=3.1.0` (its
 * wheel's METADATA); on Airflow 2 only the experimental `apache-airflow-providers-edge` existed, which this library
 * does not configure.
 *
 * @internal
 */
export const EDGE_EXECUTOR_SINCE: readonly [number, number] = [3, 0];

/**
 * The first release whose migrations find the edge3 tables' DB manager by themselves: airflow-core 3.2.2
 * `utils/db_manager.py` `RunDBManager` starts from `ProvidersManager().db_managers` (providers' `db-managers`);
 * before 3.2 only `[database] external_db_managers` named them (edge3 3.7.0 `models/db.py` `check_db_manager_config`).
 *
 * @internal
 */
export const DB_MANAGER_DISCOVERY_SINCE: readonly [number, number] = [3, 2];

/** The edge3 DB manager (edge3 3.7.0 `get_provider_info.py` "db-managers"). */
const EDGE_DB_MANAGER = 'airflow.providers.edge3.models.db.EdgeDBManager';

/**
 * Props for `EdgeExecutorConfig`.
 */
export interface EdgeExecutorConfigProps extends EdgeExecutorOptions {
  /** The Airflow pod recipe. */
  readonly recipe: AirflowPodRecipe;
  /**
   * The URL of the Edge API workers in the cluster call (`[edge] api_url`): the API server that serves the UI (the
   * Edge API is a plugin of its core app), ending in `/edge_worker/v1/rpcapi`, e.g.
   * `http://airflow-api-server:8080/edge_worker/v1/rpcapi`.
   */
  readonly apiUrl: string;
}

/**
 * The EdgeExecutor's side of the deployment: `[edge] api_enabled` (the API server then serves the Edge API under
 * `/edge_worker/v1`, edge3 3.7.0 `plugins/edge_executor_plugin.py`), `[edge] api_url` for the workers, the DB manager
 * of the edge3 tables before Airflow 3.2, and the worker pools.
 *
 * The image must hold `apache-airflow-providers-edge3` (the official image does not): the API server loads the plugin
 * from it and the scheduler the executor.
 */
export class EdgeExecutorConfig extends Construct {
  /** The worker pools. */
  public readonly pools: EdgeWorkerPool[];

  constructor(scope: Construct, id: string, props: EdgeExecutorConfigProps) {
    super(scope, id);
    const config = props.recipe.config;
    const version = config.version;
    if (!version.atLeast(...EDGE_EXECUTOR_SINCE)) {
      throw new Error(`The EdgeExecutor needs Airflow ${EDGE_EXECUTOR_SINCE.join('.')} or later (provider apache-airflow-providers-edge3), `
        + `but 'airflowVersion' is ${version.version}: upgrade Airflow or remove the EdgeExecutor`);
    }
    const executor = config.get('core', 'executor');
    if (executor !== undefined && !executor.split(',').some(e => e.trim() === EDGE_EXECUTOR_CLASS)) {
      throw new Error(`EdgeExecutorConfig needs a deployment whose executor list has the EdgeExecutor, but this one runs '${executor}': `
        + "set 'executor: AirflowExecutor.edge(...)' or '.withEdge(...)' on the AirflowDeployment instead");
    }
    const pools = props.pools ?? [{ name: 'default' }];
    pools.forEach((p, i) => {
      if (typeof p.name !== 'string' || p.name === '') {
        throw new Error(`Edge 'pools[${i}]' has no 'name': give every pool a name, e.g. { name: 'default' }`);
      }
    });
    const names = pools.map(p => p.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) {
      throw new Error(`Edge 'pools' has two pools named '${duplicate}': give each pool its own name`);
    }
    // the official image's extras leave edge3 out (apache/airflow Dockerfile `ARG AIRFLOW_EXTRAS`, 3.1.5: amazon,
    // celery, cncf-kubernetes, fab, ... no edge3).
    const image = props.recipe.image;
    if (image.startsWith('apache/airflow:')) {
      AirflowWarnings.of(this).add(`the EdgeExecutor needs apache-airflow-providers-edge3 in the image, which the official image ${image} does not hold: `
        + "the scheduler could not load the executor, nor the API server serve the Edge API; build an image with it and set 'image'");
    }
    config.setOwned('edge', 'api_enabled', 'True', 'executor (EdgeExecutor)');
    config.setDefault('edge', 'api_url', props.apiUrl);
    if (!version.atLeast(...DB_MANAGER_DISCOVERY_SINCE)) {
      config.setDefault('database', 'external_db_managers', EDGE_DB_MANAGER);
    }
    this.pools = pools.map(pool => new EdgeWorkerPool(this, pool.name, { ...pool, recipe: props.recipe }));
  }
}
