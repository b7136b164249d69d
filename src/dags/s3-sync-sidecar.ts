import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { DagPodMode, DagSourceBinding, DagSourceBindOptions, IDagSource } from './dag-source';
import { setRefreshInterval } from './refresh-interval';
import { syncContainerName, syncTmpVolume, syncVolume } from './sync-volume';
import { cpuAndMemory, restrictedContainerSecurityContext } from '../pod/security';
import { annotateServiceAccount } from '../pod/service-account-identity';
import { checkPinnedImage } from '../utils/image';
import { assertNoUrlCredentials } from '../utils/url-credentials';

/** The annotation IRSA (IAM roles for service accounts) reads on a ServiceAccount. */
const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';
/** Where the sync containers mount the DAG volume (the symlink is relative, so Airflow may mount it anywhere). */
const SYNC_ROOT = '/dags';
/** The uid of the `airflow` user of the official image: files written by the sync are owned like Airflow's own. */
const SYNC_UID = 50000;
const DEFAULT_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.27.0';

/**
 * The sync script of `S3SyncSidecar`: a constant, configured through environment variables only.
 *
 * - `S3_BUCKET`, `S3_PREFIX` (empty or ending with `/`): what to sync.
 * - `DAGS_ROOT` (default `/dags`): the volume root; it holds `.versions/<n>` and the relative symlink
 *   `current` → `.versions/<n>`.
 * - `SYNC_MODE`: `once` (init container: sync, retry `SYNC_ATTEMPTS` times `SYNC_RETRY_DELAY` s apart,
 *   then fail) or `loop` (sidecar: every `SYNC_INTERVAL` s, log and retry on failure, exit 0 on TERM/INT).
 *
 * Every cycle first lists the changes (`--dryrun` against the published version: nothing to do, nothing
 * copied), then copies the published version into a new one, syncs S3 into the copy and, when something
 * changed, switches `current` atomically (`ln -sfn` + `mv -T`). The version published before stays
 * until the next switch (readers that resolved `current` a moment ago keep working); older ones are
 * removed. Only POSIX sh and coreutils (`date`, `cp`, `mv`, `ln`, `rm`, `mkdir`, `sleep`) besides `aws`.
 *
 * @internal
 */
export const S3_SYNC_SCRIPT = `set -u
root="\${DAGS_ROOT:-/dags}"
versions="$root/.versions"
source="s3://$S3_BUCKET/$S3_PREFIX"

log() {
  echo "$(date -u '+%Y-%m-%dT%H:%M:%SZ') s3-sync: $*"
}

# the number of the published version; empty before the first publish.
current_version() {
  if [ -d "$root/current" ]; then
    target=$(cd "$root/current" && pwd -P) || return 0
    case "\${target##*/}" in
      ''|*[!0-9]*) ;;
      *) echo "\${target##*/}" ;;
    esac
  fi
}

# whether folder $1 holds a file anywhere below it (POSIX sh: no find in every AWS CLI image).
has_files() {
  for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -f "$f" ] && return 0
    if [ -d "$f" ] && [ ! -L "$f" ]; then has_files "$f" && return 0; fi
  done
  return 1
}

sync_files() {
  aws s3 sync "$source" "$@" --delete --exact-timestamps --no-progress --exclude '*__pycache__*' --exclude '*.pyc'
}

sync_once() {
  cur=$(current_version)
  new=$(( \${cur:-0} + 1 ))
  stage="$versions/$new"
  # leftovers of an interrupted cycle
  rm -rf "$stage" "$root/current.tmp" || return 1
  if [ -n "$cur" ]; then
    # a dry run against the published version lists the changes: none, nothing to copy
    if ! out=$(sync_files "$versions/$cur" --dryrun); then
      log "aws s3 sync from $source failed"
      return 1
    fi
    [ -n "$out" ] || return 0
  fi
  mkdir -p "$stage" || return 1
  if [ -n "$cur" ]; then
    cp -a "$versions/$cur/." "$stage/" || { log "copying version $cur failed"; rm -rf "$stage"; return 1; }
  fi
  if ! out=$(sync_files "$stage"); then
    log "aws s3 sync from $source failed"
    rm -rf "$stage"
    return 1
  fi
  if [ -n "$cur" ] && [ -z "$out" ]; then
    rm -rf "$stage"
    return 0
  fi
  if ! has_files "$stage"; then
    if [ "\${SYNC_ALLOW_EMPTY:-false}" != true ]; then
      log "ERROR: $source holds no files: not publishing an empty DAG folder\${cur:+ (version $cur stays)}. Check the bucket and 'prefix' of S3SyncSidecar; set 'allowEmpty: true' to publish an empty folder"
      rm -rf "$stage"
      return 1
    fi
    log "WARNING: $source holds no files: publishing an empty DAG folder ('allowEmpty' is true)"
  fi
  [ -z "$out" ] || echo "$out"
  if ! { ln -sfn ".versions/$new" "$root/current.tmp" && mv -T "$root/current.tmp" "$root/current"; }; then
    log "switching to version $new failed"
    rm -rf "$stage" "$root/current.tmp"
    return 1
  fi
  for old in "$versions"/*; do
    case "\${old##*/}" in
      "$new"|"$cur") ;;
      *) rm -rf "$old" ;;
    esac
  done
  log "published version $new of $source"
}

case "\${SYNC_MODE:-once}" in
  once)
    attempt=1
    until sync_once; do
      if [ "$attempt" -ge "\${SYNC_ATTEMPTS:-3}" ]; then
        log "giving up after $attempt attempts"
        exit 1
      fi
      attempt=$((attempt + 1))
      sleep "\${SYNC_RETRY_DELAY:-5}"
    done
    ;;
  loop)
    trap 'exit 0' TERM INT
    while :; do
      sleep "$SYNC_INTERVAL" &
      wait $!
      sync_once || log "sync failed, retrying in $SYNC_INTERVAL s"
    done
    ;;
  *)
    log "unknown SYNC_MODE '$SYNC_MODE'"
    exit 2
    ;;
esac
`;

/**
 * How the S3 sync containers authenticate to AWS.
 *
 * Use `fromEnvironment()` with EKS Pod Identity (or any identity the pod already has),
 * `fromServiceAccountRole()` for IRSA, or `fromAccessKeys()` for static keys (e.g. MinIO).
 */
export class S3Credentials {
  /**
   * The pod's ambient identity (EKS Pod Identity, an IRSA annotation you manage, ...): nothing is added.
   */
  public static fromEnvironment(): S3Credentials {
    return new S3Credentials();
  }

  /**
   * IRSA (IAM roles for service accounts): every pod that receives the DAGs gets its ServiceAccount
   * annotated with `eks.amazonaws.com/role-arn`.
   *
   * The pods' ServiceAccounts must be `kplus.ServiceAccount` constructs of this app (the library's
   * own are); for imported ones, annotate them yourself and use `fromEnvironment()`.
   *
   * @param roleArn the IAM role, e.g. `arn:aws:iam::123456789012:role/airflow-dags`.
   */
  public static fromServiceAccountRole(roleArn: string): S3Credentials {
    if (!/^arn:aws[-a-z]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(roleArn)) {
      throw new Error(`S3Credentials.fromServiceAccountRole: 'roleArn' must be an IAM role ARN like 'arn:aws:iam::123456789012:role/airflow-dags', got '${roleArn}'`);
    }
    return new S3Credentials(roleArn);
  }

  /**
   * Static access keys read from Secrets by the sync containers only (`AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY` from `secretKeyRef`; never literal values).
   *
   * @param accessKeyId the Secret key holding the access key id.
   * @param secretAccessKey the Secret key holding the secret access key.
   */
  public static fromAccessKeys(accessKeyId: kplus.SecretValue, secretAccessKey: kplus.SecretValue): S3Credentials {
    return new S3Credentials(undefined, accessKeyId, secretAccessKey);
  }

  /**
   * The IAM role set on the pods' ServiceAccounts (IRSA), if any.
   */
  public readonly roleArn?: string;

  /** @internal */
  public get _hasAccessKeys(): boolean {
    return this.accessKeyId !== undefined;
  }

  private constructor(roleArn?: string, private readonly accessKeyId?: kplus.SecretValue, private readonly secretAccessKey?: kplus.SecretValue) {
    this.roleArn = roleArn;
  }

  /**
   * Applies the credentials to one pod and returns the environment of its sync containers.
   *
   * @internal
   */
  public _bind(pod: kplus.AbstractPod): { [name: string]: kplus.EnvValue } {
    if (this.roleArn !== undefined) annotateWithRole(pod, this.roleArn);
    if (this.accessKeyId && this.secretAccessKey) {
      return {
        AWS_ACCESS_KEY_ID: kplus.EnvValue.fromSecretValue(this.accessKeyId),
        AWS_SECRET_ACCESS_KEY: kplus.EnvValue.fromSecretValue(this.secretAccessKey),
      };
    }
    return {};
  }
}

function annotateWithRole(pod: kplus.AbstractPod, roleArn: string): void {
  const alternatives = 'annotate the ServiceAccount yourself and use S3Credentials.fromEnvironment(), or use S3Credentials.fromAccessKeys()';
  annotateServiceAccount(pod, IRSA_ANNOTATION, roleArn, {
    none: () => new Error(`S3SyncSidecar: S3Credentials.fromServiceAccountRole needs the pod's ServiceAccount, but pod '${pod.node.path}' has none (it runs as 'default'): give the pod a kplus.ServiceAccount, or ${alternatives}`),
    imported: sa => new Error(`S3SyncSidecar: S3Credentials.fromServiceAccountRole cannot annotate ServiceAccount '${sa}' of pod '${pod.node.path}': it is imported, not defined in this app; ${alternatives}`),
    conflict: (sa, existing) => new Error(`S3SyncSidecar: ServiceAccount '${sa}' of pod '${pod.node.path}' already has '${IRSA_ANNOTATION}: ${existing}', cannot set '${roleArn}': a ServiceAccount has one IAM role; use the same role or give the pod another ServiceAccount`),
  });
}

/**
 * Props for `S3SyncSidecar`.
 */
export interface S3SyncSidecarProps {
  /** The S3 bucket holding the DAG files, e.g. `my-airflow-dags`. */
  readonly bucket: string;

  /**
   * The key prefix of the DAG files inside the bucket (a folder), without a leading `/`, e.g. `dags` or `dags/`.
   *
   * @default '' (the whole bucket)
   */
  readonly prefix?: string;

  /**
   * The AWS region of the bucket, e.g. `eu-west-1`. Required: looking the region up from the instance
   * metadata often fails from pods (hop limit).
   */
  readonly region: string;

  /**
   * The endpoint of an S3-compatible store (MinIO, Ceph, ...), e.g. `http://minio.minio:9000`.
   *
   * @default - AWS S3 of `region`.
   */
  readonly endpointUrl?: string;

  /**
   * How often the sidecar of long-running pods syncs, at least 10 seconds. Also the default DAG list
   * refresh of Airflow (`[scheduler] dag_dir_list_interval` on Airflow 2, `[dag_processor] refresh_interval`
   * on Airflow 3) unless set in the config.
   *
   * @default Duration.seconds(60)
   */
  readonly interval?: Duration;

  /**
   * How the sync containers authenticate to AWS.
   *
   * @default S3Credentials.fromEnvironment() - the pod's own identity (e.g. EKS Pod Identity).
   */
  readonly credentials?: S3Credentials;

  /**
   * The AWS CLI v2 image (its entrypoint is replaced by `/bin/sh`; it needs `sh` and GNU coreutils).
   *
   * @default 'public.ecr.aws/aws-cli/aws-cli:2.27.0'
   */
  readonly image?: string;

  /**
   * Publish a sync that found no files under the prefix. By default such a sync is refused and logged as an
   * ERROR: the init container fails (no pod starts without DAGs) and the sidecar keeps the version it published
   * last, because an empty or mistyped prefix, or a bucket emptied between a CI job's delete and upload, would
   * otherwise remove every DAG from Airflow's view.
   *
   * @default false
   */
  readonly allowEmpty?: boolean;

  /**
   * Resources of each sync container.
   *
   * @default - 20m CPU request, 128Mi memory request, 256Mi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * DAG files synced from an S3 bucket (or an S3-compatible store) with the AWS CLI.
 *
 * Every pod gets an init container that syncs once before Airflow starts (and fails after a few
 * attempts, so no pod starts without DAGs); long-running pods also get a sidecar that syncs every
 * `interval`. KubernetesExecutor task pods get the init container only.
 *
 * Updates are atomic: each sync fills a new version folder and then switches the relative symlink
 * `current` to it, so Airflow (`dags_folder = <mountPath>/current`) never sees a half-finished sync.
 * The containers run as uid 50000 with a read-only root filesystem, `HOME=/tmp` on an emptyDir.
 *
 * @example
 * new AirflowDeployment(chart, 'Airflow', {
 *   dagSource: new S3SyncSidecar({ bucket: 'my-dags', prefix: 'dags', region: 'eu-west-1' }),
 * });
 */
export class S3SyncSidecar implements IDagSource {
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly region: string;
  private readonly endpointUrl?: string;
  private readonly intervalSeconds: number;
  private readonly credentials: S3Credentials;
  private readonly image: string;
  private readonly resources: kplus.ContainerResources;
  private readonly allowEmpty: boolean;

  constructor(props: S3SyncSidecarProps) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucket)) {
      throw new Error(`S3SyncSidecar: 'bucket' must be a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-'), got '${props.bucket}'`);
    }
    const prefix = props.prefix ?? '';
    if (prefix.startsWith('/')) {
      throw new Error(`S3SyncSidecar: 'prefix' must not start with '/' (S3 keys have no leading slash), got '${prefix}': use '${prefix.replace(/^\/+/, '')}'`);
    }
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(props.region ?? '')) {
      throw new Error(`S3SyncSidecar: 'region' must be an AWS region like 'eu-west-1', got '${props.region}'`);
    }
    if (props.endpointUrl !== undefined) {
      assertNoUrlCredentials(props.endpointUrl, 'S3SyncSidecar', 'endpointUrl', "the sync container's args",
        "give the keys with 'credentials: S3Credentials.fromAccessKeys(...)' (from a Secret)");
    }
    if (props.endpointUrl !== undefined && !/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/.test(props.endpointUrl)) {
      throw new Error(`S3SyncSidecar: 'endpointUrl' must be an http:// or https:// URL like 'http://minio.minio:9000', got '${props.endpointUrl}'`);
    }
    const intervalMs = (props.interval ?? Duration.seconds(60)).toMilliseconds();
    if (intervalMs < 10_000 || intervalMs % 1000 !== 0) {
      throw new Error(`S3SyncSidecar: 'interval' must be a whole number of seconds, at least 10, got ${intervalMs / 1000} seconds`);
    }
    if (props.image !== undefined && props.image.trim() === '') {
      throw new Error("S3SyncSidecar: 'image' must not be empty: leave it out to use 'public.ecr.aws/aws-cli/aws-cli:2.27.0'");
    }
    this.bucket = props.bucket;
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.region = props.region;
    this.endpointUrl = props.endpointUrl;
    this.intervalSeconds = intervalMs / 1000;
    this.credentials = props.credentials ?? S3Credentials.fromEnvironment();
    if (props.image !== undefined) checkPinnedImage(props.image, "S3SyncSidecar: 'image'", DEFAULT_IMAGE);
    this.image = props.image ?? DEFAULT_IMAGE;
    this.resources = props.resources ?? cpuAndMemory(20, 128, 256);
    this.allowEmpty = props.allowEmpty ?? false;
  }

  /**
   * Adds the init container (every pod) and the sync sidecar (long-running pods) with their volumes.
   */
  public bind(pod: kplus.AbstractPod, options: DagSourceBindOptions): DagSourceBinding {
    const volume = syncVolume(options);
    const tmp = syncTmpVolume(options);
    const credentialsEnv = this.credentials._bind(pod);

    const container = (name: string, mode: string): kplus.ContainerProps => ({
      name,
      image: this.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ['/bin/sh', '-c', S3_SYNC_SCRIPT],
      resources: this.resources,
      securityContext: restrictedContainerSecurityContext(SYNC_UID, 0),
      envVariables: {
        ...this.environment(mode),
        ...credentialsEnv,
      },
      volumeMounts: [
        { path: SYNC_ROOT, volume },
        { path: '/tmp', volume: tmp },
      ],
    });
    pod.addInitContainer(container(syncContainerName('s3-sync-init', options), 'once'));
    if (options.mode === DagPodMode.LONG_RUNNING) {
      // a regular container, not a native sidecar: native sidecars are off on Kubernetes 1.28.
      pod.addContainer(container(syncContainerName('s3-sync', options), 'loop'));
    }

    setRefreshInterval(options.config, Duration.seconds(this.intervalSeconds));
    return { dagsFolder: `${options.mountPath}/current`, mounts: [{ path: options.mountPath, volume }] };
  }

  private environment(mode: string): { [name: string]: kplus.EnvValue } {
    const env: { [name: string]: kplus.EnvValue } = {
      S3_BUCKET: kplus.EnvValue.fromValue(this.bucket),
      S3_PREFIX: kplus.EnvValue.fromValue(this.prefix),
      SYNC_INTERVAL: kplus.EnvValue.fromValue(String(this.intervalSeconds)),
      SYNC_MODE: kplus.EnvValue.fromValue(mode),
      SYNC_ALLOW_EMPTY: kplus.EnvValue.fromValue(String(this.allowEmpty)),
      DAGS_ROOT: kplus.EnvValue.fromValue(SYNC_ROOT),
      AWS_REGION: kplus.EnvValue.fromValue(this.region),
      AWS_DEFAULT_REGION: kplus.EnvValue.fromValue(this.region),
      HOME: kplus.EnvValue.fromValue('/tmp'),
    };
    if (this.endpointUrl !== undefined) {
      env.AWS_ENDPOINT_URL_S3 = kplus.EnvValue.fromValue(this.endpointUrl);
    }
    return env;
  }
}
