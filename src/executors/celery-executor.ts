import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CeleryBroker, CeleryBrokerBinding } from './celery-broker';
import { CeleryFlower, FlowerOptions } from './celery-flower';
import { CeleryWorkerPool, CeleryWorkerPoolOptions } from './celery-worker-pool';
import { KedaDatabaseAuthentication } from './keda-database-authentication';
import { WorkerAutoscalerKind } from './worker-autoscaling';
import { MetadataDatabaseBinding } from '../database/metadata-database';
import { AIRFLOW_HOME, AirflowPodRecipe } from '../pod/airflow-pod-recipe';

/** The environment variable holding the Redis password when Airflow containers build the broker URL. */
const BROKER_PASSWORD_ENV = 'AIRFLOW_CELERY_BROKER_PASSWORD';
/** The Python module (on Airflow's path through `$AIRFLOW_HOME/config`) holding the Celery settings. */
const CELERY_CONFIG_MODULE = 'airflow_celery_config';

/**
 * Options for the CeleryExecutor.
 */
export interface CeleryExecutorOptions {
  /**
   * The message broker.
   *
   * @default CeleryBroker.embeddedRedis()
   */
  readonly broker?: CeleryBroker;
  /**
   * The worker pools; each serves its own queues.
   *
   * @default - one pool named `default` serving the `default` queue.
   */
  readonly pools?: CeleryWorkerPoolOptions[];
  /**
   * The Secret key holding the Celery result backend URL (`db+postgresql://...`).
   *
   * @default - the metadata database (Airflow derives it from the database connection).
   */
  readonly resultBackend?: kplus.SecretValue;
  /**
   * Run Flower, the Celery monitoring UI (`airflow celery flower`, port 5555). Give it `basicAuth`: without
   * it anyone reaching its Service can control the workers.
   *
   * @default - no Flower.
   */
  readonly flower?: FlowerOptions;
}

/**
 * Props for `CeleryExecutorConfig`.
 */
export interface CeleryExecutorConfigProps extends CeleryExecutorOptions {
  /** The Airflow pod recipe. */
  readonly recipe: AirflowPodRecipe;
  /**
   * The metadata database, which KEDA queries; required when a pool uses `WorkerAutoscaling.keda()`.
   *
   * @default - none.
   */
  readonly database?: MetadataDatabaseBinding;
  /**
   * Whether Celery is the default of several executors (`CeleryExecutor,KubernetesExecutor`): KEDA queries
   * then skip task instances of the KubernetesExecutor.
   *
   * @default false
   */
  readonly multiExecutor?: boolean;
}

/**
 * The CeleryExecutor: a broker, the `[celery]` settings and one or more worker pools.
 *
 * The broker URL (and a result backend, when given) reach every Airflow container from Secrets. Per-pool
 * memory hygiene (`worker_max_tasks_per_child`, `worker_max_memory_per_child`) goes through a generated
 * Celery config module that Airflow loads with `[celery] celery_config_options`.
 *
 * Pools with `WorkerAutoscaling.keda()` share one `KedaDatabaseAuthentication` (created here, which needs
 * `database`); each gets a `ScaledObject` counting its queues' running and queued task instances. Flower,
 * when asked for, is a Deployment of its own.
 *
 * Create it before any component: it adds settings every Airflow container needs.
 */
export class CeleryExecutorConfig extends Construct {
  /** The broker. */
  public readonly broker: CeleryBrokerBinding;
  /** The worker pools. */
  public readonly pools: CeleryWorkerPool[];
  /** KEDA's access to the metadata database, when a pool scales with KEDA. */
  public readonly kedaAuthentication?: KedaDatabaseAuthentication;
  /** Flower, when enabled. */
  public readonly flower?: CeleryFlower;

  constructor(scope: Construct, id: string, props: CeleryExecutorConfigProps) {
    super(scope, id);
    const config = props.recipe.config;
    const executor = config.get('core', 'executor');
    if (executor !== undefined && !executor.includes('Celery')) {
      throw new Error('CeleryExecutorConfig needs a deployment whose executor is the CeleryExecutor (or CeleryKubernetesExecutor, or a list '
        + `with CeleryExecutor), but this one runs '${executor}': set 'executor: AirflowExecutor.celery(...)' on the AirflowDeployment instead`);
    }
    const pools = props.pools ?? [{ name: 'default' }];
    if (pools.length === 0) {
      throw new Error("Celery 'pools' is empty, so no worker would run the tasks: give at least one pool, e.g. { name: 'default' }");
    }
    pools.forEach((p, i) => {
      if (typeof p.name !== 'string' || p.name === '') {
        throw new Error(`Celery 'pools[${i}]' has no 'name': give every pool a name, e.g. { name: 'default' } (the first pool is usually 'default')`);
      }
    });
    const names = pools.map(p => p.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) {
      throw new Error(`Celery 'pools' has two pools named '${duplicate}': give each pool its own name`);
    }
    const queueOwners = new Map<string, string>();
    for (const pool of pools) {
      for (const queue of pool.queues ?? [pool.name]) {
        if (queueOwners.has(queue)) {
          throw new Error(`Celery queue '${queue}' is served by pools '${queueOwners.get(queue)}' and '${pool.name}': `
            + 'a queue belongs to one pool, or autoscaling counts its tasks twice');
        }
        queueOwners.set(queue, pool.name);
      }
    }

    this.broker = (props.broker ?? CeleryBroker.embeddedRedis()).bind(this);
    if (this.broker.url) {
      config.setSecret('celery', 'broker_url', this.broker.url, 'celery.broker');
    } else {
      // the password stays in the user's Secret: each container assembles the URL (URL-encoding the password).
      props.recipe._addSecretEnv(BROKER_PASSWORD_ENV, kplus.EnvValue.fromSecretValue(this.broker.redisPassword!), 'broker');
      config.reserve('celery', 'broker_url', 'celery.broker');
      const build = `print('redis://:' + urllib.parse.quote(os.environ['${BROKER_PASSWORD_ENV}'], safe='') + '@${this.broker.redisHost}/0')`;
      config.setOwned('celery', 'broker_url_cmd', `python -c "import os, urllib.parse; ${build}"`, 'celery.broker');
    }
    if (props.resultBackend) config.setSecret('celery', 'result_backend', props.resultBackend, 'celery.resultBackend');
    config.addFile(`${CELERY_CONFIG_MODULE}.py`, `${AIRFLOW_HOME}/config/${CELERY_CONFIG_MODULE}.py`, CELERY_CONFIG_PY);
    config.setOwned('celery', 'celery_config_options', `${CELERY_CONFIG_MODULE}.CELERY_CONFIG`, 'celery.pools[].maxTasksPerChild / maxMemoryPerChild');

    // the credentials reach only the Flower container, never airflow.cfg.
    config.reserve('celery', 'flower_basic_auth', 'celery.flower.basicAuth');

    const keda = pools.find(p => p.autoscaling?.kind === WorkerAutoscalerKind.KEDA);
    if (keda) {
      if (!props.database) {
        throw new Error(`CeleryExecutorConfig: pool '${keda.name}' uses WorkerAutoscaling.keda(), which counts tasks in the metadata database: `
          + "pass 'database' (the MetadataDatabaseBinding; AirflowDeployment does)");
      }
      this.kedaAuthentication = new KedaDatabaseAuthentication(this, 'KedaAuthentication', { database: props.database });
    }
    this.pools = pools.map(pool => new CeleryWorkerPool(this, pool.name, {
      ...pool, recipe: props.recipe, kedaAuthentication: this.kedaAuthentication, multiExecutor: props.multiExecutor,
    }));
    if (props.flower) {
      this.flower = new CeleryFlower(this, 'Flower', { ...props.flower, recipe: props.recipe });
    }
  }
}

const CELERY_CONFIG_PY = `# Generated by cdk8s-airflow: Airflow's default Celery settings plus per-pool worker recycling.
import os

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

CELERY_CONFIG = dict(DEFAULT_CELERY_CONFIG)
if os.environ.get("AIRFLOW_CELERY_WORKER_MAX_TASKS_PER_CHILD"):
    CELERY_CONFIG["worker_max_tasks_per_child"] = int(os.environ["AIRFLOW_CELERY_WORKER_MAX_TASKS_PER_CHILD"])
if os.environ.get("AIRFLOW_CELERY_WORKER_MAX_MEMORY_PER_CHILD"):
    CELERY_CONFIG["worker_max_memory_per_child"] = int(os.environ["AIRFLOW_CELERY_WORKER_MAX_MEMORY_PER_CHILD"])
`;
