import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GcsCredentials } from './gcs-credentials';
import { LogGroomerOptions, resolveLogGroomer } from './log-groomer';
import { LogsBindOptions, LogsBinding, ResolvedLogGroomer } from './logs-binding';
import { annotateLogsServiceAccount } from './service-account-annotation';
import { AirflowConfig } from '../config/airflow-config';
import { DagPodMode } from '../dags/dag-source';
import { S3Credentials } from '../dags/s3-sync-sidecar';
import { AirflowNames } from '../naming/airflow-names';
import { checkStorageSize } from '../utils/k8s-values';
import { assertNoUrlCredentials } from '../utils/url-credentials';

/** The Airflow connection the library defines for remote logs (`[logging] remote_log_conn_id`). */
const CONNECTION_ID = 'airflow_remote_logs';
const CONNECTION_ENV = `AIRFLOW_CONN_${CONNECTION_ID.toUpperCase()}`;
const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';
const WORKLOAD_IDENTITY_ANNOTATION = 'iam.gke.io/gcp-service-account';
/** Where the Airflow containers see a GCS key file. */
const KEY_FILE_DIR = '/opt/airflow/secrets/remote-logs';
const KEY_FILE_NAME = 'key.json';
/**
 * Components whose pods read or write task logs: they get the remote logs connection and credentials. Edge workers
 * write task logs under the logs folder and push them to the API server; their tasks' supervisor also uploads them
 * to remote logging when the task ends, as a Celery worker's does.
 */
const LOG_USERS = new Set(['compact', 'scheduler', 'api-server', 'webserver', 'triggerer', 'dag-processor', 'worker', 'edge-worker', 'task']);
/** Long-running components that write logs of their own (and, for workers, of tasks): they get the groomer. */
const LOG_WRITERS = new Set(['compact', 'scheduler', 'dag-processor', 'triggerer', 'worker', 'edge-worker', 'task']);

/**
 * Where task logs are kept.
 */
export enum AirflowLogsKind {
  /** An emptyDir per pod. */
  LOCAL = 'Local',
  /** One ReadWriteMany claim shared by every Airflow pod. */
  PERSISTENT_VOLUME = 'PersistentVolume',
  /** Amazon S3 or an S3-compatible store (remote logging). */
  S3 = 'S3',
  /** Google Cloud Storage (remote logging). */
  GCS = 'GCS',
}

/**
 * Options every log store accepts.
 */
export interface AirflowLogsOptions {
  /**
   * The log groomer: a sidecar deleting old files under `/opt/airflow/logs` in the scheduler, dag-processor,
   * triggerer and Celery workers (with a persistent volume, only in the scheduler: the volume is shared).
   *
   * @default - where logs outlive the pod (the persistent volume, StatefulSet workers' claims): 15 days,
   * every 15 minutes; see `LogGroomerOptions.enabled`.
   */
  readonly groomer?: LogGroomerOptions;
}

/**
 * Props for `AirflowLogs.local`.
 */
export interface LocalLogsProps extends AirflowLogsOptions {}

/**
 * Props for `AirflowLogs.persistentVolume`.
 */
export interface PersistentVolumeLogsProps extends AirflowLogsOptions {
  /**
   * Your claim: it must be `ReadWriteMany` (EFS, Filestore, Azure Files, NFS, CephFS), since every Airflow
   * pod, task pods included, mounts it at the same time.
   *
   * @default - a ReadWriteMany claim of `storage` in `storageClassName`.
   */
  readonly claim?: kplus.IPersistentVolumeClaim;
  /**
   * Size of the claim the library creates (not with `claim`).
   *
   * @default Size.gibibytes(100)
   */
  readonly storage?: Size;
  /**
   * StorageClass of the claim the library creates (not with `claim`); it must support ReadWriteMany.
   *
   * @default - the cluster's default StorageClass.
   */
  readonly storageClassName?: string;
}

/**
 * Options of the remote log stores.
 */
export interface RemoteLogsOptions extends AirflowLogsOptions {
  /**
   * `[logging] delete_local_logs`: delete a task's local log files once they are uploaded.
   *
   * @default true
   */
  readonly deleteLocalLogs?: boolean;
}

/**
 * Props for `AirflowLogs.s3`. Give `credentials` or `connection`.
 */
export interface S3LogsProps extends RemoteLogsOptions {
  /** The bucket, e.g. `my-airflow-logs`. */
  readonly bucket: string;
  /**
   * A key prefix (folder) inside the bucket, without a leading `/`, e.g. `airflow/logs`.
   *
   * @default '' (the bucket's root)
   */
  readonly prefix?: string;
  /**
   * The AWS region of the bucket, e.g. `eu-west-1` (`region_name` of the connection). Not with `connection`.
   *
   * @default - the region boto3 finds (`AWS_REGION`, `AWS_DEFAULT_REGION`, the instance metadata).
   */
  readonly region?: string;
  /**
   * The endpoint of an S3-compatible store (MinIO, Ceph, ...), e.g. `http://minio.minio:9000`; requests then
   * use path-style addressing (`http://minio.minio:9000/<bucket>/...`). Not with `connection`.
   *
   * @default - Amazon S3.
   */
  readonly endpointUrl?: string;
  /**
   * How Airflow authenticates: `S3Credentials.fromServiceAccountRole()` (IRSA: the ServiceAccounts of every
   * pod that reads or writes logs get the role annotation), `.fromAccessKeys()` (the keys reach those
   * containers as `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` from `secretKeyRef`) or `.fromEnvironment()`
   * (EKS Pod Identity, an identity you manage). Not with `connection`.
   *
   * The library defines the Airflow connection itself, as the environment variable
   * `AIRFLOW_CONN_AIRFLOW_REMOTE_LOGS` = `{"conn_type": "aws", "extra": {"region_name": ..., "endpoint_url": ...}}`.
   * That value is a literal in the pod spec because it holds no secret: with no keys in the connection, the
   * Amazon provider creates a plain boto3 session, whose default credential chain reads the access keys
   * from the environment, or the IRSA web identity token, or the Pod Identity endpoint.
   *
   * Note that the access keys are then the default AWS credentials of everything in those containers,
   * your tasks included; give them a policy limited to the log bucket, or use `connection`.
   *
   * @default - use `connection`.
   */
  readonly credentials?: S3Credentials;
  /**
   * The whole Airflow connection (URI or JSON, e.g. `aws://KEY:SECRET@/?region_name=eu-west-1`) from a Secret,
   * given to the containers that read or write logs as `AIRFLOW_CONN_AIRFLOW_REMOTE_LOGS`. Not with
   * `credentials`, `region` or `endpointUrl` (they go into the connection).
   *
   * @default - use `credentials`.
   */
  readonly connection?: kplus.SecretValue;
  /**
   * `[logging] encrypt_s3_logs`: ask S3 for server-side encryption (SSE-S3) of every log object. Amazon S3
   * encrypts new objects anyway; S3-compatible stores may not support it.
   *
   * @default false
   */
  readonly encrypt?: boolean;
}

/**
 * Props for `AirflowLogs.gcs`.
 */
export interface GcsLogsProps extends RemoteLogsOptions {
  /** The bucket, e.g. `my-airflow-logs`. */
  readonly bucket: string;
  /**
   * A folder inside the bucket, without a leading `/`, e.g. `airflow/logs`.
   *
   * @default '' (the bucket's root)
   */
  readonly prefix?: string;
  /** How Airflow authenticates: Workload Identity, a key file from a Secret, or the pods' own identity. */
  readonly credentials: GcsCredentials;
}

/**
 * Where Airflow keeps task logs: on each pod (`local`, the default), on one shared volume
 * (`persistentVolume`), or in a bucket (`s3`, `gcs`: Airflow's remote logging).
 *
 * Every Airflow pod writes its logs under `/opt/airflow/logs` (a volume named `logs`). Whatever the store,
 * workers (port 8793) and the triggerer (port 8794) serve the logs of running and deferred tasks, which the
 * API server (or webserver) fetches by the IP address of the pod (`[core] hostname_callable =
 * airflow.utils.net.get_host_ip_address` unless set): pods of a Deployment have no DNS name of their own.
 * `[logging] worker_log_server_port` and `trigger_log_server_port` follow the containers' ports.
 *
 * @example
 * new AirflowDeployment(chart, 'Airflow', {
 *   logs: AirflowLogs.s3({
 *     bucket: 'my-airflow-logs', region: 'eu-west-1',
 *     credentials: S3Credentials.fromServiceAccountRole('arn:aws:iam::123456789012:role/airflow-logs'),
 *   }),
 * });
 */
export class AirflowLogs {
  /**
   * Logs on an emptyDir of each pod (the default).
   *
   * The API server reads the logs of running tasks from
   * the workers and the triggerer; once a pod is gone, so are its logs: the task logs of a finished
   * KubernetesExecutor pod are lost when the pod is deleted (`deleteWorkerPods`). Use remote logging or
   * a persistent volume to keep them. Other remote stores (Elasticsearch, OpenSearch, CloudWatch, ...)
   * can still be configured through `settings`.
   *
   * The groomer runs by default only in Celery workers of `WorkerWorkloadKind.STATEFUL_SET`, whose logs
   * claims outlive the pods; `groomer: { enabled: true }` adds it to every long-running pod that writes logs.
   */
  public static local(props: LocalLogsProps = {}): AirflowLogs {
    return new AirflowLogs(AirflowLogsKind.LOCAL, resolveLogGroomer(props.groomer, 'AirflowLogs.local'));
  }

  /**
   * One ReadWriteMany claim (created, or yours) mounted at `/opt/airflow/logs` in every Airflow pod.
   *
   * Task pods included: the API server reads finished task logs straight from it. One groomer (in the
   * scheduler) keeps it from filling up. Not together with Celery worker pools of `WorkerWorkloadKind.STATEFUL_SET`,
   * which keep logs on a claim per worker.
   */
  public static persistentVolume(props: PersistentVolumeLogsProps = {}): AirflowLogs {
    const where = 'AirflowLogs.persistentVolume';
    if (props.claim !== undefined) {
      const given = (['storage', 'storageClassName'] as const).filter(p => props[p] !== undefined);
      if (given.length > 0) {
        const names = given.map(p => `'${p}'`).join(' and ');
        const pronoun = given.length > 1 ? 'them' : 'it';
        throw new Error(`${where}: ${names} only apply to the claim the library creates: remove ${pronoun} (claim '${props.claim.name}' is yours)`);
      }
      const modes = props.claim instanceof kplus.PersistentVolumeClaim ? props.claim.accessModes ?? [] : undefined;
      if (modes !== undefined && !modes.includes(kplus.PersistentVolumeAccessMode.READ_WRITE_MANY)) {
        throw new Error(`'logs': claim '${props.claim.name}' of ${where} is ${modes.join(', ') || 'without access modes'}, but every Airflow pod, `
          + 'task pods included, mounts it at the same time: give a ReadWriteMany claim (EFS, Filestore, Azure Files, NFS, CephFS), '
          + "or leave 'claim' out to create one");
      }
    }
    if (props.storageClassName !== undefined && props.storageClassName.trim() === '') {
      throw new Error(`${where}: 'storageClassName' must not be empty: leave it out to use the cluster's default StorageClass`);
    }
    const logs = new AirflowLogs(AirflowLogsKind.PERSISTENT_VOLUME, resolveLogGroomer(props.groomer, where));
    checkStorageSize(props.storage, 'AirflowLogs.persistentVolume storage');
    logs.claimProps = { claim: props.claim, storage: props.storage ?? Size.gibibytes(100), storageClassName: props.storageClassName };
    return logs;
  }

  /**
   * Remote logging to Amazon S3 or an S3-compatible store (MinIO).
   *
   * `[logging] remote_logging = True`,
   * `remote_base_log_folder = s3://<bucket>/<prefix>`, `remote_log_conn_id` = a connection the library
   * defines from `credentials` (or yours, from `connection`). Task logs are uploaded when a task (or a
   * trigger) ends and read from the bucket afterwards; running tasks are read from the workers.
   */
  public static s3(props: S3LogsProps): AirflowLogs {
    const where = 'AirflowLogs.s3';
    checkBucket(where, props.bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-')");
    const prefix = checkPrefix(where, props.prefix);
    if (props.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(props.region)) {
      throw new Error(`${where}: 'region' must be an AWS region like 'eu-west-1', got '${props.region}'`);
    }
    if (props.endpointUrl !== undefined) {
      assertNoUrlCredentials(props.endpointUrl, where, 'endpointUrl', 'the literal AIRFLOW_CONN_AIRFLOW_REMOTE_LOGS value of the pod spec',
        "give the keys with 'credentials: S3Credentials.fromAccessKeys(...)' (from a Secret), or the whole connection with 'connection'");
    }
    if (props.endpointUrl !== undefined && !/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/.test(props.endpointUrl)) {
      throw new Error(`${where}: 'endpointUrl' must be an http:// or https:// URL like 'http://minio.minio:9000', got '${props.endpointUrl}'`);
    }
    if (props.connection !== undefined) {
      const given = (['credentials', 'region', 'endpointUrl'] as const).filter(p => props[p] !== undefined);
      if (given.length > 0) {
        const names = given.map(p => `'${p}'`).join(', ');
        throw new Error(`${where}: 'connection' holds the whole Airflow connection, so ${names} must not be given: `
          + "put the region and endpoint into the connection's extra (region_name, endpoint_url), or leave 'connection' out");
      }
      if (!props.connection.key) {
        throw new Error(`${where}: 'connection.key' must name the Secret key that holds the Airflow connection (URI or JSON)`);
      }
    } else if (props.credentials === undefined) {
      throw new Error(`${where}: give 'credentials' (S3Credentials.fromServiceAccountRole(), .fromAccessKeys() or .fromEnvironment()) `
        + "or 'connection' (a Secret holding the whole Airflow connection)");
    }
    const extra: { [key: string]: unknown } = {};
    if (props.region !== undefined) extra.region_name = props.region;
    if (props.endpointUrl !== undefined) {
      extra.endpoint_url = props.endpointUrl;
      extra.config_kwargs = { s3: { addressing_style: 'path' } };
    }
    const logs = new AirflowLogs(AirflowLogsKind.S3, resolveLogGroomer(props.groomer, where), `s3://${props.bucket}${prefix}`);
    logs.remoteSettings = [
      ['delete_local_logs', pyBool(props.deleteLocalLogs ?? true), 'logs (deleteLocalLogs)'],
      ['encrypt_s3_logs', pyBool(props.encrypt ?? false), 'logs (encrypt)'],
    ];
    const credentials = props.credentials;
    logs.podCredentials = (pod: kplus.AbstractPod) => {
      if (props.connection !== undefined) return { [CONNECTION_ENV]: kplus.EnvValue.fromSecretValue(props.connection) };
      const connection = kplus.EnvValue.fromValue(JSON.stringify({ conn_type: 'aws', extra }));
      if (credentials!.roleArn !== undefined) {
        annotateLogsServiceAccount(pod, IRSA_ANNOTATION, credentials!.roleArn, 'S3Credentials.fromServiceAccountRole',
          'annotate the ServiceAccount yourself and use S3Credentials.fromEnvironment(), or use S3Credentials.fromAccessKeys()');
        return { [CONNECTION_ENV]: connection };
      }
      // access keys (from secretKeyRef) or nothing: boto3's default credential chain finds them.
      return { [CONNECTION_ENV]: connection, ...credentials!._bind(pod) };
    };
    return logs;
  }

  /**
   * Remote logging to Google Cloud Storage.
   *
   * `[logging] remote_logging = True`, `remote_base_log_folder =
   * gs://<bucket>/<prefix>`, `remote_log_conn_id` = a `google_cloud_platform` connection the library
   * defines as `AIRFLOW_CONN_AIRFLOW_REMOTE_LOGS` (a literal: it holds no secret, at most the path of the
   * mounted key file). Without a key file the connection uses Application Default Credentials (Workload
   * Identity).
   */
  public static gcs(props: GcsLogsProps): AirflowLogs {
    const where = 'AirflowLogs.gcs';
    checkBucket(where, props.bucket, /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, "a valid GCS bucket name (3-222 lower-case letters, digits, '.', '_' and '-')");
    const prefix = checkPrefix(where, props.prefix);
    const logs = new AirflowLogs(AirflowLogsKind.GCS, resolveLogGroomer(props.groomer, where), `gs://${props.bucket}${prefix}`);
    logs.remoteSettings = [['delete_local_logs', pyBool(props.deleteLocalLogs ?? true), 'logs (deleteLocalLogs)']];
    const credentials = props.credentials;
    const keyFile = credentials._keyFile;
    const extra = keyFile ? { key_path: `${KEY_FILE_DIR}/${KEY_FILE_NAME}` } : {};
    const connection = kplus.EnvValue.fromValue(JSON.stringify({ conn_type: 'google_cloud_platform', extra }));
    logs.podCredentials = (pod: kplus.AbstractPod) => {
      if (credentials.serviceAccountEmail !== undefined) {
        annotateLogsServiceAccount(pod, WORKLOAD_IDENTITY_ANNOTATION, credentials.serviceAccountEmail, 'GcsCredentials.fromWorkloadIdentity',
          'annotate the ServiceAccount yourself and use GcsCredentials.fromEnvironment(), or use GcsCredentials.fromKeyFile()');
      }
      return { [CONNECTION_ENV]: connection };
    };
    if (keyFile) {
      logs.podMounts = (scope: Construct) => [{
        path: KEY_FILE_DIR,
        volume: kplus.Volume.fromSecret(scope, 'RemoteLogsKeyVolume', keyFile.secret, {
          name: 'remote-logs-key', items: { [keyFile.key]: { path: KEY_FILE_NAME } }, defaultMode: 0o440,
        }),
      }];
    }
    return logs;
  }

  /** Where the logs are kept. */
  public readonly kind: AirflowLogsKind;
  /** `[logging] remote_base_log_folder`, with remote logging (e.g. `s3://my-airflow-logs/airflow`). */
  public readonly remoteBaseLogFolder?: string;

  private claimProps?: { claim?: kplus.IPersistentVolumeClaim; storage: Size; storageClassName?: string };
  private remoteSettings: Array<[string, string, string]> = [];
  private podCredentials?: (pod: kplus.AbstractPod) => { [name: string]: kplus.EnvValue };
  private podMounts?: (scope: Construct) => Array<{ path: string; volume: kplus.Volume }>;

  private constructor(kind: AirflowLogsKind, private readonly groomer: ResolvedLogGroomer, remoteBaseLogFolder?: string) {
    this.kind = kind;
    this.remoteBaseLogFolder = remoteBaseLogFolder;
  }

  /**
   * Whether Airflow uploads task logs to a bucket.
   */
  public get remote(): boolean {
    return this.remoteBaseLogFolder !== undefined;
  }

  /**
   * Writes the settings of the store into a configuration (once per configuration).
   *
   * @internal
   */
  public _configure(config: AirflowConfig): void {
    // the UI fetches logs of running tasks by the pod's address: a Deployment's pods have no DNS name.
    config.setDefault('core', 'hostname_callable', 'airflow.utils.net.get_host_ip_address');
    if (this.remoteBaseLogFolder === undefined) return;
    config.setOwned('logging', 'remote_logging', 'True', 'logs');
    config.setOwned('logging', 'remote_base_log_folder', this.remoteBaseLogFolder, 'logs');
    config.setOwned('logging', 'remote_log_conn_id', CONNECTION_ID, 'logs');
    for (const [key, value, prop] of this.remoteSettings) config.setOwned('logging', key, value, prop);
  }

  /**
   * The logs volume, credentials and groomer of one pod.
   *
   * @internal
   */
  public _bind(pod: kplus.AbstractPod, options: LogsBindOptions): LogsBinding {
    const usesLogs = LOG_USERS.has(options.component);
    const longRunningWriter = options.mode === DagPodMode.LONG_RUNNING && LOG_WRITERS.has(options.component);
    const explicit = this.groomer.enabled;
    let volume: kplus.Volume;
    let groomed: boolean;
    if (this.claimProps) {
      if (pod instanceof kplus.StatefulSet) {
        throw new Error(`'logs' is AirflowLogs.persistentVolume(), one claim every pod shares, but '${pod.node.path}' is a StatefulSet `
          + 'that keeps logs on a claim per pod: use WorkerWorkloadKind.DEPLOYMENT for its Celery pool, or another AirflowLogs');
      }
      // one Volume construct for every pod (a cdk8s-plus Volume only names what each pod spec lists)
      volume = (options.sharedScope.node.tryFindChild('LogsClaimVolume') as kplus.Volume | undefined)
        ?? kplus.Volume.fromPersistentVolumeClaim(options.sharedScope, 'LogsClaimVolume', this.claim(options.sharedScope), { name: 'logs' });
      // the volume is shared: one groomer (in the scheduler) is enough.
      groomed = (options.component === 'scheduler' || options.component === 'compact') && (explicit ?? true);
    } else {
      // a StatefulSet swaps the emptyDir for a claim per pod (CeleryWorkerPool), whose logs outlive the pod.
      // one Volume construct for every pod; each pod still gets an emptyDir of its own
      volume = (options.sharedScope.node.tryFindChild('LogsVolume') as kplus.Volume | undefined)
        ?? kplus.Volume.fromEmptyDir(options.sharedScope, 'LogsVolume', 'logs');
      groomed = explicit ?? (!this.remote && pod instanceof kplus.StatefulSet);
    }
    return {
      volume,
      mounts: usesLogs && this.podMounts ? this.podMounts(options.podScope) : [],
      env: usesLogs && this.podCredentials ? this.podCredentials(pod) : {},
      groomer: longRunningWriter && groomed ? this.groomer : undefined,
    };
  }

  /** The shared claim, created once per scope unless given. */
  private claim(sharedScope: Construct): kplus.IPersistentVolumeClaim {
    const props = this.claimProps!;
    if (props.claim) return props.claim;
    const scope = sharedScope.node.tryFindChild('Logs') as Construct | undefined ?? new Construct(sharedScope, 'Logs');
    return scope.node.tryFindChild('Claim') as kplus.PersistentVolumeClaim | undefined ?? new kplus.PersistentVolumeClaim(scope, 'Claim', {
      metadata: AirflowNames.of(sharedScope).metadata(scope, 'PersistentVolumeClaim', 'logs'),
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_MANY],
      storage: props.storage,
      storageClassName: props.storageClassName,
      volumeMode: kplus.PersistentVolumeMode.FILE_SYSTEM,
    });
  }
}

function checkBucket(where: string, bucket: string, pattern: RegExp, what: string): void {
  if (!pattern.test(bucket ?? '')) {
    throw new Error(`${where}: 'bucket' must be ${what}, got '${bucket}'`);
  }
}

/** `/<prefix>` without a trailing `/`, or '' for the bucket's root. */
function checkPrefix(where: string, prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  if (prefix.startsWith('/')) {
    throw new Error(`${where}: 'prefix' must not start with '/', got '${prefix}': use '${prefix.replace(/^\/+/, '')}'`);
  }
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

function pyBool(value: boolean): string {
  return value ? 'True' : 'False';
}
