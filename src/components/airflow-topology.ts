import { Duration } from 'cdk8s';
import { PodPlacement } from '../pod/placement';

/**
 * Options of `AirflowTopology.compact()`: what belongs to the one pod rather than to a component.
 */
export interface CompactTopologyOptions extends PodPlacement {
  /**
   * Labels added to the pod (not to the selector).
   *
   * @default - only the library's labels.
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Annotations added to the pod.
   *
   * @default - only the library's annotations.
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * Annotations of the pod's ServiceAccount (IRSA, Workload Identity).
   *
   * @default - none.
   */
  readonly serviceAccountAnnotations?: { [key: string]: string };
  /**
   * How long Kubernetes waits after SIGTERM before killing the pod (every component stops at once).
   *
   * @default Duration.seconds(60)
   */
  readonly terminationGracePeriod?: Duration;
}

/**
 * How the long-running Airflow components are laid out in pods.
 */
export class AirflowTopology {
  /** A Deployment per component (scheduler, API server or webserver, triggerer, dag-processor), each scaled on its own. */
  public static standard(): AirflowTopology {
    return new AirflowTopology(false, {});
  }

  /**
   * Every long-running Airflow component as a container of ONE pod (one Deployment, one replica, `Recreate`), for dev
   * and CI clusters where a pod per component costs too much: one DAG source bound once, one `logs` volume the
   * components share, the same image, `airflow.cfg`, security context and per-component secrets. Works with the
   * KubernetesExecutor and the LocalExecutor (`AirflowExecutor.local()`, tasks run in the scheduler container).
   *
   * It gives up high availability (one replica, no PodDisruptionBudget), separate scaling, resources per pod and
   * placement per component, and a restart of any reason restarts every component. Refused with Celery, replicas
   * other than 1, KEDA for the triggerer, NetworkPolicies, and per-component pod settings (set them here).
   */
  public static compact(options: CompactTopologyOptions = {}): AirflowTopology {
    return new AirflowTopology(true, options);
  }

  private constructor(
    /** Whether every component runs in one pod. */
    public readonly isCompact: boolean,
    /** @internal */ public readonly _options: CompactTopologyOptions) {
  }
}
