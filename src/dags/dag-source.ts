import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CombinedDagSource, DagFolder } from './combined-dag-source';
import { DagBundle, DagBundlesSource } from './dag-bundles';
import { AirflowConfig } from '../config/airflow-config';

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
  /** The folder where Airflow containers see this source's files, e.g. `/opt/airflow/dags`. */
  readonly mountPath: string;
  /**
   * A name for this source's volumes and containers, unique in the pod: `dags` for a single source,
   * `dags-<subfolder>` when several sources are combined.
   */
  readonly name: string;
  /**
   * The position of this source among combined sources, for anything that must differ between sources in
   * one pod (such as a port).
   *
   * @default 0
   */
  readonly index?: number;
  /** A scope owned by the pod, for per-pod constructs (volumes). */
  readonly podScope: Construct;
  /**
   * A scope shared by every pod of the deployment for this source, for objects that must exist once
   * (a ConfigMap, a PersistentVolumeClaim, a writer Deployment): create them on the first bind only.
   */
  readonly sharedScope: Construct;
  /** The Airflow configuration, for settings the source implies. */
  readonly config: AirflowConfig;
  /**
   * Write into this volume instead of a volume of the source's own (a single writer filling a shared volume).
   *
   * @default - the source uses a volume of its own (an emptyDir for sync sources).
   */
  readonly targetVolume?: kplus.Volume;
}

/**
 * A volume Airflow containers mount read-only to reach DAG files.
 */
export interface DagVolumeMount {
  /** Where Airflow containers mount it. */
  readonly path: string;
  /** The volume. */
  readonly volume: kplus.Volume;
  /**
   * Mount a sub-path of the volume instead of its root (only for plain folders, never for a folder that is
   * replaced through a symlink switch: such a mount freezes at the first revision).
   *
   * @default - the volume's root.
   */
  readonly subPath?: string;
}

/**
 * What a DAG source added to a pod: how Airflow containers reach the DAG files.
 */
export interface DagSourceBinding {
  /** The value of `[core] dags_folder` for this source: `mountPath` or a folder below it. */
  readonly dagsFolder: string;
  /**
   * Volumes Airflow containers mount read-only.
   *
   * @default - nothing to mount (the files are in the image, or come through Airflow 3 DAG bundles).
   */
  readonly mounts?: DagVolumeMount[];
  /**
   * Environment variables every Airflow container of the pod needs (e.g. a connection for DAG bundles).
   *
   * @default - none.
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };
}

/**
 * A way DAG files reach the pods that parse or run them (git, object storage, a shared volume, the image).
 *
 * `bind` adds what the source needs to one pod (volumes, an init container, a sidecar) and returns how
 * Airflow containers reach the files. It is called once for every pod that needs DAG files, including the
 * KubernetesExecutor pod template; Airflow containers mount the returned volume read-only.
 */
export interface IDagSource {
  /**
   * Attaches the source to one pod.
   *
   * @param pod the pod (or workload) receiving DAG files.
   */
  bind(pod: kplus.AbstractPod, options: DagSourceBindOptions): DagSourceBinding;
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

  /**
   * Several sources at once, each in its own subfolder of one `dags_folder`.
   */
  public static combine(folders: DagFolder[]): IDagSource {
    return new CombinedDagSource(folders);
  }

  /**
   * Airflow 3 DAG bundles (git or S3) instead of a sync sidecar: Airflow fetches and versions the DAGs itself.
   */
  public static fromBundles(bundles: DagBundle[]): IDagSource {
    return new DagBundlesSource(bundles);
  }

  private constructor() {}
}
