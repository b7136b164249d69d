import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DagPodMode, DagSourceBinding, DagSourceBindOptions, IDagSource } from './dag-source';
import { AirflowNames } from '../naming/airflow-names';

/** The component of the one pod that writes DAG files into the claim: `<release>-dag-writer`. */
const WRITER = 'dag-writer';

/**
 * Props for `PvcDagSource`.
 */
export interface PvcDagSourceProps {
  /**
   * The claim holding the DAG files. Every pod that needs DAGs mounts it read-only, so it must be
   * `ReadWriteMany` or `ReadOnlyMany` (e.g. EFS, NFS, CephFS); a `ReadWriteOnce` claim fits one pod only.
   */
  readonly claim: kplus.IPersistentVolumeClaim;

  /**
   * A folder of the claim holding the DAG files, relative to its root (e.g. `airflow/dags`).
   * Not with `populatedBy`, whose writer needs the whole volume.
   *
   * @default - the claim's root.
   */
  readonly subPath?: string;

  /**
   * A source that fills the claim: it runs once, in a single writer Deployment (one replica, `Recreate`)
   * that writes into the claim, while Airflow pods only mount the claim read-only. E.g. an
   * `S3SyncSidecar` or a git-sync source.
   *
   * @default - the claim is filled by something else (a CI job, another workload).
   */
  readonly populatedBy?: IDagSource;

  /**
   * The ServiceAccount of the writer Deployment (e.g. one bound to an IAM role through EKS Pod Identity).
   * Only with `populatedBy`.
   *
   * @default - a ServiceAccount of its own, without an API token.
   */
  readonly writerServiceAccount?: kplus.IServiceAccount;
}

/**
 * DAG files on a PersistentVolumeClaim shared by every Airflow pod, optionally filled by a single writer.
 *
 * Every pod that needs DAGs mounts the claim read-only at the DAG folder; nothing runs in the Airflow
 * pods. With `populatedBy`, the first bind creates one writer Deployment (in the source's shared scope)
 * running that source against the claim, and Airflow reads the folder the writer publishes (e.g.
 * `<mountPath>/current` for `S3SyncSidecar`). A `ReadWriteOnce` claim is refused as soon as a second
 * pod (the writer included) would mount it.
 *
 * @example
 * new AirflowDeployment(chart, 'Airflow', {
 *   dagSource: new PvcDagSource({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'Dags', 'airflow-dags') }),
 * });
 */
export class PvcDagSource implements IDagSource {
  /** The claim holding the DAG files. */
  public readonly claim: kplus.IPersistentVolumeClaim;

  private readonly subPath?: string;
  private readonly populatedBy?: IDagSource;
  private readonly writerServiceAccount?: kplus.IServiceAccount;
  private readonly mountedBy: string[] = [];
  private _writer?: kplus.Deployment;
  private writerDagsFolder?: string;

  constructor(props: PvcDagSourceProps) {
    this.claim = props.claim;
    const subPath = props.subPath;
    if (subPath !== undefined) {
      if (props.populatedBy !== undefined) {
        throw new Error(`PvcDagSource: 'subPath' ('${subPath}') cannot be combined with 'populatedBy': the writer publishes into the whole volume through a symlink switch; remove 'subPath'`);
      }
      if (subPath === '' || subPath.startsWith('/') || subPath.split('/').includes('..')) {
        throw new Error(`PvcDagSource: 'subPath' must be a relative path inside the claim without '..' (e.g. 'airflow/dags'), got '${subPath}'`);
      }
    }
    if (props.writerServiceAccount !== undefined && props.populatedBy === undefined) {
      throw new Error("PvcDagSource: 'writerServiceAccount' is only used with 'populatedBy': remove it or add a writer source");
    }
    const modes = modesOf(props.claim) ?? [];
    if (props.populatedBy !== undefined && modes.length > 0 && modes.every(m => m === kplus.PersistentVolumeAccessMode.READ_ONLY_MANY)) {
      throw new Error(`PvcDagSource: claim '${props.claim.name}' is ReadOnlyMany but 'populatedBy' writes into it: use a ReadWriteMany claim (Airflow pods still mount it read-only)`);
    }
    this.subPath = subPath?.replace(/\/+$/, '');
    this.populatedBy = props.populatedBy;
    this.writerServiceAccount = props.writerServiceAccount;
  }

  /**
   * The writer Deployment, once a pod was bound (only with `populatedBy`).
   */
  public get writer(): kplus.Deployment | undefined {
    return this._writer;
  }

  /**
   * Mounts the claim read-only into the pod; creates the writer on the first bind when `populatedBy` is set.
   */
  public bind(pod: kplus.AbstractPod, options: DagSourceBindOptions): DagSourceBinding {
    const writerPath = this.populatedBy === undefined ? undefined : (this._writer?.node.path ?? `${options.sharedScope.node.path}/Writer`);
    this.checkAccessModes([...(writerPath ? [writerPath] : []), ...this.mountedBy, pod.node.path]);
    this.mountedBy.push(pod.node.path);

    const volume = kplus.Volume.fromPersistentVolumeClaim(options.podScope, `${options.name}-claim`, this.claim, { name: options.name, readOnly: true });
    if (this.populatedBy !== undefined) {
      if (this._writer === undefined) this.createWriter(this.populatedBy, options);
      return { dagsFolder: this.writerDagsFolder!, mounts: [{ path: options.mountPath, volume }] };
    }
    return { dagsFolder: options.mountPath, mounts: [{ path: options.mountPath, volume, subPath: this.subPath }] };
  }

  private checkAccessModes(pods: string[]): void {
    const modes = modesOf(this.claim);
    const singlePod = modes !== undefined && modes.length > 0 && modes.every(m =>
      m === kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE || m === kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE_POD);
    if (singlePod && pods.length > 1) {
      throw new Error(`PvcDagSource: claim '${this.claim.name}' is ReadWriteOnce but ${pods.length} pods mount it (${pods.join(', ')}): use a ReadWriteMany or ReadOnlyMany claim, e.g. EfsDagVolume`);
    }
  }

  private createWriter(source: IDagSource, options: DagSourceBindOptions): void {
    const scope = options.sharedScope;
    const names = AirflowNames.of(options.config);
    const serviceAccount = this.writerServiceAccount
      ?? new kplus.ServiceAccount(scope, 'WriterServiceAccount', { automountToken: false, metadata: names.metadata(scope, 'ServiceAccount', WRITER) });
    const writer = new kplus.Deployment(scope, 'Writer', {
      metadata: names.metadata(scope, 'Deployment', WRITER),
      select: false,
      replicas: 1,
      // two writers never overlap: the old pod is gone before the new one starts.
      strategy: kplus.DeploymentStrategy.recreate(),
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, fsGroup: 0, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH },
    });
    names.selectPods(writer, WRITER);
    const volume = kplus.Volume.fromPersistentVolumeClaim(writer, `${options.name}-claim`, this.claim, { name: options.name });
    const binding = source.bind(writer, {
      mode: DagPodMode.LONG_RUNNING,
      mountPath: options.mountPath,
      name: options.name,
      podScope: writer,
      sharedScope: new Construct(scope, 'WriterSource'),
      config: options.config,
      targetVolume: volume,
    });
    if (writer.containers.length === 0) {
      throw new Error("PvcDagSource: 'populatedBy' added no container to the writer pod: give a source that writes files (e.g. S3SyncSidecar or a git-sync source), or leave 'populatedBy' out");
    }
    this._writer = writer;
    this.writerDagsFolder = binding.dagsFolder;
  }
}

/** The access modes of a claim defined in this app; undefined when unknown (an imported claim) or unset. */
function modesOf(claim: kplus.IPersistentVolumeClaim): kplus.PersistentVolumeAccessMode[] | undefined {
  return claim instanceof kplus.PersistentVolumeClaim ? claim.accessModes : undefined;
}
