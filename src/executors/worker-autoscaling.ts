import { Duration } from 'cdk8s';
import { resolveHpa, resolveKeda, ResolvedHpaAutoscaling } from './autoscaling-internals';

/**
 * Options for `WorkerAutoscaling.keda`.
 */
export interface KedaAutoscalingOptions {
  /**
   * The fewest pods. With 0 an idle pool costs nothing: KEDA starts the first worker once a task of the
   * pool's queues is queued (it takes a poll plus the pod's start-up, usually under a minute).
   *
   * @default 0 (for the triggerer: 1)
   */
  readonly minReplicas?: number;
  /**
   * The most pods.
   *
   * @default 10
   */
  readonly maxReplicas?: number;
  /**
   * How often KEDA runs the query against the metadata database.
   *
   * @default Duration.seconds(5)
   */
  readonly pollingInterval?: Duration;
  /**
   * How long the query must return 0 before KEDA scales to `minReplicas` 0 (no effect with `minReplicas` >= 1;
   * scaling between 1 and `maxReplicas` follows the HorizontalPodAutoscaler's own stabilization).
   *
   * @default Duration.seconds(30)
   */
  readonly cooldownPeriod?: Duration;
}

/**
 * Options for `WorkerAutoscaling.hpa`.
 */
export interface HpaAutoscalingOptions {
  /**
   * The fewest pods (a HorizontalPodAutoscaler cannot scale to zero).
   *
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * The most pods.
   *
   * @default 5
   */
  readonly maxReplicas?: number;
  /**
   * Target average CPU use, in percent of the pods' CPU requests.
   *
   * @default 80
   */
  readonly cpuUtilization?: number;
  /**
   * Target average memory use, in percent of the pods' memory requests.
   *
   * @default - memory is not a metric.
   */
  readonly memoryUtilization?: number;
}

/**
 * Which autoscaler a `WorkerAutoscaling` creates.
 */
export enum WorkerAutoscalerKind {
  /** A KEDA `ScaledObject` scaling on a query against the metadata database. */
  KEDA = 'KEDA',
  /** A Kubernetes `HorizontalPodAutoscaler` scaling on CPU (and memory) utilization. */
  HPA = 'HPA',
}

/**
 * How a Celery worker pool (or the triggerer) is autoscaled: KEDA or a HorizontalPodAutoscaler, never both.
 * A pool takes one `WorkerAutoscaling`, built by one of the two factories, so the two can never be set
 * together (KEDA drives an HPA of its own, and two HPAs on one workload fight over its replicas).
 *
 * Either one removes the fixed `replicas` from the workload (giving `replicas` as well is an error), since
 * the autoscaler owns the number of pods. A scaled-down worker gets SIGTERM and shuts down warm: it takes
 * no new task and finishes its running ones within the pool's grace period.
 */
export class WorkerAutoscaling {
  /**
   * KEDA scales on the work waiting in the metadata database: for a worker pool, the running and queued task
   * instances of its queues divided by its `workerConcurrency` (rounded up); for the triggerer, the triggers
   * divided by its capacity. Pods go to zero when idle (`minReplicas` 0, the default for pools).
   *
   * Needs KEDA 2.x in the cluster, and a connection string KEDA can read
   * (`MetadataDatabase.external({ kedaConnection })`; the embedded PostgreSQL generates its own).
   */
  public static keda(options: KedaAutoscalingOptions = {}): WorkerAutoscaling {
    resolveKeda(options, 0, 'WorkerAutoscaling.keda');
    return new WorkerAutoscaling(WorkerAutoscalerKind.KEDA, { ...options }, undefined);
  }

  /**
   * A HorizontalPodAutoscaler on CPU (and, optionally, memory) utilization. Every container of the pool
   * needs a request of the resource it scales on. CPU lags the queue: prefer KEDA, which sees queued
   * tasks before any worker is busy.
   */
  public static hpa(options: HpaAutoscalingOptions = {}): WorkerAutoscaling {
    return new WorkerAutoscaling(WorkerAutoscalerKind.HPA, undefined, resolveHpa(options));
  }

  private constructor(
    /** KEDA or HPA. */
    public readonly kind: WorkerAutoscalerKind,
    /** @internal */ public readonly _keda?: KedaAutoscalingOptions,
    /** @internal */ public readonly _hpa?: ResolvedHpaAutoscaling) {
  }
}
