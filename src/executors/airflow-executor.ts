import { CeleryExecutorOptions } from './celery-executor';
import { EdgeExecutorOptions } from './edge-executor';
import { EDGE_EXECUTOR_CLASS } from './edge-worker-pool';
import { KubernetesExecutorOptions } from './kubernetes-executor';
import { WorkerAutoscaling } from './worker-autoscaling';
import { expectArray, expectBoolean, expectDuration, expectInstance, expectNumber, expectObject, expectSize, expectString, expectStringMap } from '../utils/props-check';

/**
 * Which executor runs the tasks: the KubernetesExecutor, the CeleryExecutor, or both.
 */
export class AirflowExecutor {
  /** A pod per task (`KubernetesExecutor`). */
  public static kubernetes(options: KubernetesExecutorOptions = {}): AirflowExecutor {
    checkKubernetesOptions(options, 'AirflowExecutor.kubernetes options');
    return new AirflowExecutor('KubernetesExecutor', undefined, options);
  }

  /**
   * Tasks run as processes of the scheduler (`LocalExecutor`, at most `parallelism` at once): only with
   * `topology: AirflowTopology.compact()`, whose one pod shares the DAGs and the task logs of the scheduler with the
   * other components. Airflow runs a LocalExecutor in each scheduler ("Local Executor", Airflow 3.2 docs
   * core-concepts/executor/local.rst): with a pod per scheduler the UI could not read the logs of running tasks.
   */
  public static local(): AirflowExecutor {
    return new AirflowExecutor('LocalExecutor');
  }

  /** Celery workers pulling tasks from a broker (`CeleryExecutor`). */
  public static celery(options: CeleryExecutorOptions = {}): AirflowExecutor {
    checkCeleryOptions(options, 'AirflowExecutor.celery options');
    return new AirflowExecutor('CeleryExecutor', options);
  }

  /**
   * Both executors at once (`CeleryExecutor,KubernetesExecutor`, Airflow 2.10+ and 3): Celery runs tasks by
   * default, a task with `executor="KubernetesExecutor"` gets a pod of its own.
   */
  public static celeryAndKubernetes(celery: CeleryExecutorOptions = {}, kubernetes: KubernetesExecutorOptions = {}): AirflowExecutor {
    checkCeleryOptions(celery, 'AirflowExecutor.celeryAndKubernetes celery');
    checkKubernetesOptions(kubernetes, 'AirflowExecutor.celeryAndKubernetes kubernetes');
    return new AirflowExecutor('CeleryExecutor,KubernetesExecutor', celery, kubernetes);
  }

  /**
   * The Airflow 2 `CeleryKubernetesExecutor`: tasks in the `kubernetes` queue get a pod of their own, the
   * others go to Celery. Prefer `celeryAndKubernetes` (it also works on Airflow 3).
   *
   * @param kubernetesQueue the queue whose tasks run as pods.
   */
  public static celeryKubernetes(celery: CeleryExecutorOptions = {}, kubernetes: KubernetesExecutorOptions = {}, kubernetesQueue: string = 'kubernetes'): AirflowExecutor {
    checkCeleryOptions(celery, 'AirflowExecutor.celeryKubernetes celery');
    checkKubernetesOptions(kubernetes, 'AirflowExecutor.celeryKubernetes kubernetes');
    expectString(kubernetesQueue, 'AirflowExecutor.celeryKubernetes kubernetesQueue');
    return new AirflowExecutor('CeleryKubernetesExecutor', celery, kubernetes, kubernetesQueue);
  }

  /**
   * The EdgeExecutor alone (`airflow.providers.edge3.executors.EdgeExecutor`, Airflow 3.0+): every task runs on an
   * edge worker, in the cluster (`pools`) or elsewhere. The image needs `apache-airflow-providers-edge3`.
   */
  public static edge(options: EdgeExecutorOptions = {}): AirflowExecutor {
    checkEdgeOptions(options, 'AirflowExecutor.edge options');
    return new AirflowExecutor(EDGE_EXECUTOR_CLASS, undefined, undefined, undefined, options);
  }

  private constructor(
    /** The value of `[core] executor`. */
    public readonly setting: string,
    /** @internal */ public readonly _celery?: CeleryExecutorOptions,
    /** @internal */ public readonly _kubernetes?: KubernetesExecutorOptions,
    /** @internal */ public readonly _kubernetesQueue?: string,
    /** @internal */ public readonly _edge?: EdgeExecutorOptions) {
  }

  /**
   * This executor plus the EdgeExecutor (Airflow 3.0+, `[core] executor` `<this>,airflow.providers.edge3.executors.EdgeExecutor`):
   * this one stays the default, a task with `executor="EdgeExecutor"` runs on an edge worker. The image needs
   * `apache-airflow-providers-edge3`.
   */
  public withEdge(options: EdgeExecutorOptions = {}): AirflowExecutor {
    checkEdgeOptions(options, 'AirflowExecutor.withEdge options');
    if (this._edge !== undefined) {
      throw new Error(`AirflowExecutor.withEdge: the executor '${this.setting}' already has the EdgeExecutor: call withEdge once, with every pool`);
    }
    if (this._kubernetesQueue !== undefined) {
      throw new Error('AirflowExecutor.withEdge: CeleryKubernetesExecutor (Airflow 2) cannot be one of several executors: '
        + 'use AirflowExecutor.celeryAndKubernetes().withEdge(...) on Airflow 3');
    }
    return new AirflowExecutor(`${this.setting},${EDGE_EXECUTOR_CLASS}`, this._celery, this._kubernetes, undefined, options);
  }
}

/**
 * Run-time types of an executor's worker `pools` (JavaScript callers): the fields Celery and Edge pools share, then
 * `checkPool`'s own.
 */
function checkPools(options: unknown, prop: string, checkPool: (p: Record<string, any>, poolProp: string) => void): void {
  expectObject(options, prop);
  const o = (options ?? {}) as Record<string, any>;
  expectArray(o.pools, `${prop}.pools`, (pool, poolProp) => {
    expectObject(pool, poolProp);
    const p = (pool ?? {}) as Record<string, any>;
    expectString(p.name, `${poolProp}.name`);
    expectArray(p.queues, `${poolProp}.queues`, expectString);
    expectNumber(p.replicas, `${poolProp}.replicas`, true);
    expectDuration(p.terminationGracePeriod, `${poolProp}.terminationGracePeriod`);
    checkPool(p, poolProp);
  });
}

/** Run-time types of the EdgeExecutor options (JavaScript callers). */
function checkEdgeOptions(options: unknown, prop: string): void {
  checkPools(options, prop, (p, poolProp) => {
    expectNumber(p.concurrency, `${poolProp}.concurrency`, true);
    expectStringMap(p.serviceAccountAnnotations, `${poolProp}.serviceAccountAnnotations`);
  });
}

/** Run-time types of the Celery options (JavaScript callers). */
function checkCeleryOptions(options: unknown, prop: string): void {
  checkPools(options, prop, (p, poolProp) => {
    expectString(p.image, `${poolProp}.image`);
    expectNumber(p.workerConcurrency, `${poolProp}.workerConcurrency`, true);
    expectInstance(p.autoscaling, WorkerAutoscaling, `${poolProp}.autoscaling`, 'a WorkerAutoscaling (WorkerAutoscaling.keda() or .hpa())');
    expectDuration(p.longestTask, `${poolProp}.longestTask`);
    expectSize(p.logsStorage, `${poolProp}.logsStorage`);
  });
}

/** Run-time types of the KubernetesExecutor options (JavaScript callers). */
function checkKubernetesOptions(options: unknown, prop: string): void {
  expectObject(options, prop);
  const o = (options ?? {}) as Record<string, any>;
  expectBoolean(o.deleteWorkerPodsOnFailure, `${prop}.deleteWorkerPodsOnFailure`);
  expectDuration(o.terminationGracePeriod, `${prop}.terminationGracePeriod`);
  expectObject(o.podTemplates, `${prop}.podTemplates`);
  for (const [name, template] of Object.entries((o.podTemplates ?? {}) as Record<string, any>)) {
    expectObject(template, `${prop}.podTemplates.${name}`);
    expectString(template?.image, `${prop}.podTemplates.${name}.image`);
  }
}
