import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/**
 * How long a pod that receives DAG files lives, which decides how a DAG source attaches to it.
 */
export enum DagPodMode {
  /** A long-running component (scheduler, dag-processor, triggerer, worker): sync once before start, then keep syncing. */
  LONG_RUNNING = 'LongRunning',
  /** A KubernetesExecutor task pod: sync once before start and add nothing that keeps the pod alive. */
  TASK = 'Task',
}

/**
 * Options for `IDagSource.bind`.
 */
export interface DagSourceBindOptions {
  /** How long the pod lives. */
  readonly mode: DagPodMode;
  /** The folder under which Airflow containers see the DAG files, e.g. `/opt/airflow/dags`. */
  readonly mountPath: string;
}

/**
 * What a DAG source added to a pod: how Airflow containers reach the DAG files.
 */
export interface DagSourceBinding {
  /** The value of `[core] dags_folder`. */
  readonly dagsFolder: string;
  /**
   * The volume Airflow containers mount at the mount path.
   *
   * @default - nothing to mount (the files are in the image).
   */
  readonly volume?: kplus.Volume;
  /**
   * Whether Airflow containers mount the volume read-only.
   *
   * @default true
   */
  readonly readOnly?: boolean;
}

/**
 * A way DAG files reach the pods that parse or run them (git, object storage, a shared volume, the image).
 *
 * `bind` adds what the source needs to one pod (volumes, an init container, a sidecar) and returns how
 * Airflow containers reach the files. It is called once for every pod that needs DAG files, including the
 * KubernetesExecutor pod template.
 */
export interface IDagSource {
  /**
   * Attaches the source to one pod.
   *
   * @param scope a construct scope owned by that pod, for any volumes the source creates.
   * @param pod the pod (or workload) receiving DAG files.
   */
  bind(scope: Construct, pod: kplus.AbstractPod, options: DagSourceBindOptions): DagSourceBinding;
}

/**
 * Factories for the simplest DAG sources.
 */
export class DagSource {
  /**
   * DAG files baked into the Airflow image: nothing is synced or mounted.
   *
   * @param path the folder inside the image.
   * @default '/opt/airflow/dags'
   */
  public static fromImage(path: string = '/opt/airflow/dags'): IDagSource {
    if (!path.startsWith('/')) {
      throw new Error(`DagSource.fromImage: 'path' must be absolute, got '${path}'`);
    }
    return { bind: () => ({ dagsFolder: path }) };
  }

  private constructor() {}
}
