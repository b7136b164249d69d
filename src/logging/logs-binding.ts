// Internal contract between AirflowLogs and the pod recipe; not exported from the package index.
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DagPodMode } from '../dags/dag-source';

/**
 * Where every Airflow container sees the logs folder (`[logging] base_log_folder` of the official image).
 *
 * @internal
 */
export const LOGS_MOUNT_PATH = '/opt/airflow/logs';

/**
 * The log groomer after validation.
 *
 * @internal
 */
export interface ResolvedLogGroomer {
  /** `enabled` as given; undefined for the store's default. */
  readonly enabled?: boolean;
  readonly retentionMinutes: number;
  readonly intervalSeconds: number;
  readonly resources: kplus.ContainerResources;
}

/**
 * What `AirflowLogs._bind` needs to know about one pod.
 *
 * @internal
 */
export interface LogsBindOptions {
  /** The component label of the pod, e.g. `scheduler`, `worker`, `migrations`. */
  readonly component: string;
  /** Whether the pod lives long or runs one task. */
  readonly mode: DagPodMode;
  /** The construct scope owned by the pod, for its volumes. */
  readonly podScope: Construct;
  /** The scope of objects shared by every pod (the parent of the config), e.g. for a logs claim. */
  readonly sharedScope: Construct;
}

/**
 * What one pod gets from the log store.
 *
 * @internal
 */
export interface LogsBinding {
  /** The volume named `logs`, mounted at `/opt/airflow/logs` in every Airflow container. */
  readonly volume: kplus.Volume;
  /** Other read-only mounts of the Airflow containers (e.g. a key file). */
  readonly mounts: Array<{ readonly path: string; readonly volume: kplus.Volume; readonly subPath?: string }>;
  /** Environment of the Airflow containers (the remote logs connection, credentials from Secrets). */
  readonly env: { [name: string]: kplus.EnvValue };
  /** The groomer sidecar to add after the main container, if the pod gets one. */
  readonly groomer?: ResolvedLogGroomer;
}
