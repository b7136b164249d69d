import { CeleryExecutorOptions } from './celery-executor';
import { KubernetesExecutorOptions } from './kubernetes-executor';

/**
 * Which executor runs the tasks: the KubernetesExecutor, the CeleryExecutor, or both.
 */
export class AirflowExecutor {
  /** A pod per task (`KubernetesExecutor`). */
  public static kubernetes(options: KubernetesExecutorOptions = {}): AirflowExecutor {
    return new AirflowExecutor('KubernetesExecutor', undefined, options);
  }

  /** Celery workers pulling tasks from a broker (`CeleryExecutor`). */
  public static celery(options: CeleryExecutorOptions = {}): AirflowExecutor {
    return new AirflowExecutor('CeleryExecutor', options);
  }

  /**
   * Both executors at once (`CeleryExecutor,KubernetesExecutor`, Airflow 2.10+ and 3): Celery runs tasks by
   * default, a task with `executor="KubernetesExecutor"` gets a pod of its own.
   */
  public static celeryAndKubernetes(celery: CeleryExecutorOptions = {}, kubernetes: KubernetesExecutorOptions = {}): AirflowExecutor {
    return new AirflowExecutor('CeleryExecutor,KubernetesExecutor', celery, kubernetes);
  }

  /**
   * The Airflow 2 `CeleryKubernetesExecutor`: tasks in the `kubernetes` queue get a pod of their own, the
   * others go to Celery. Prefer `celeryAndKubernetes` (it also works on Airflow 3).
   *
   * @param kubernetesQueue the queue whose tasks run as pods.
   */
  public static celeryKubernetes(celery: CeleryExecutorOptions = {}, kubernetes: KubernetesExecutorOptions = {}, kubernetesQueue: string = 'kubernetes'): AirflowExecutor {
    return new AirflowExecutor('CeleryKubernetesExecutor', celery, kubernetes, kubernetesQueue);
  }

  private constructor(
    /** The value of `[core] executor`. */
    public readonly setting: string,
    /** @internal */ public readonly _celery?: CeleryExecutorOptions,
    /** @internal */ public readonly _kubernetes?: KubernetesExecutorOptions,
    /** @internal */ public readonly _kubernetesQueue?: string) {
  }
}
