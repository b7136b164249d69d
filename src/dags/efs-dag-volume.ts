import { ApiObject, Chart, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DagSourceBinding, DagSourceBindOptions, IDagSource } from './dag-source';
import { PvcDagSource } from './pvc-dag-source';
import { AirflowNames } from '../naming/airflow-names';
import { checkStorageSize } from '../utils/k8s-values';

/**
 * Props for `EfsDagVolume`. Give exactly one of `fileSystemId`, `storageClassName` or `claim`.
 */
export interface EfsDagVolumeProps {
  /**
   * An EFS file system (e.g. `fs-0123456789abcdef0`): `EfsDagVolume` creates a StorageClass for the EFS CSI
   * driver (`efs.csi.aws.com`, one access point per volume, `reclaimPolicy: Retain`) and a ReadWriteMany claim.
   * The file system, its mount targets, a security group allowing NFS (TCP 2049) from the nodes and the
   * CSI driver must exist already.
   *
   * @default - use `storageClassName` or `claim`.
   */
  readonly fileSystemId?: string;

  /**
   * An existing EFS StorageClass: `EfsDagVolume` creates only a ReadWriteMany claim of that class.
   *
   * @default - use `fileSystemId` or `claim`.
   */
  readonly storageClassName?: string;

  /**
   * An existing claim on EFS (ReadWriteMany or ReadOnlyMany): nothing is created.
   *
   * @default - use `fileSystemId` or `storageClassName`.
   */
  readonly claim?: kplus.IPersistentVolumeClaim;

  /**
   * Permissions of the access point's root directory (3 or 4 octal digits). Only with `fileSystemId`.
   *
   * @default '775'
   */
  readonly directoryPerms?: string;

  /**
   * The POSIX uid EFS enforces for every file operation through the access point. Only with `fileSystemId`.
   *
   * @default 50000 - the Airflow user, so every pod reads what the writer wrote.
   */
  readonly uid?: number;

  /**
   * The POSIX gid EFS enforces for every file operation through the access point. Only with `fileSystemId`.
   *
   * @default 0
   */
  readonly gid?: number;

  /**
   * The folder of the file system under which access point directories are created. Only with `fileSystemId`.
   *
   * @default '/airflow-dags'
   */
  readonly basePath?: string;

  /**
   * The storage request of the claim: required by the Kubernetes API, ignored by EFS (elastic).
   * Not with `claim`.
   *
   * @default Size.gibibytes(5)
   */
  readonly storage?: Size;

  /**
   * A source that fills the volume once for everyone, in a single writer Deployment (e.g. an
   * `S3SyncSidecar` or a git-sync source); Airflow pods only mount the volume read-only.
   *
   * @default - the volume is filled by something else (a CI job, another workload).
   */
  readonly populatedBy?: IDagSource;

  /**
   * The ServiceAccount of the writer Deployment. Only with `populatedBy`.
   *
   * @default - a ServiceAccount of its own, without an API token.
   */
  readonly writerServiceAccount?: kplus.IServiceAccount;
}

/**
 * DAG files on Amazon EFS, shared by every Airflow pod (including KubernetesExecutor task pods).
 *
 * Creates (or uses) a ReadWriteMany claim on the EFS CSI driver that every pod mounts read-only. With
 * `populatedBy`, one writer Deployment fills it (e.g. `S3SyncSidecar` syncing from S3), so S3 or git is
 * read once instead of once per pod.
 *
 * EFS suits many short-lived task pods that need the same files; for a few long-running pods, a
 * per-pod sync (git-sync, `S3SyncSidecar`) on an emptyDir is cheaper and faster.
 *
 * @example
 * const dags = new EfsDagVolume(chart, 'Dags', {
 *   fileSystemId: 'fs-0123456789abcdef0',
 *   populatedBy: new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1' }),
 * });
 * new AirflowDeployment(chart, 'Airflow', { dagSource: dags });
 */
export class EfsDagVolume extends Construct implements IDagSource {
  /** The claim every pod mounts. */
  public readonly claim: kplus.IPersistentVolumeClaim;
  /** The StorageClass, when created from `fileSystemId`. */
  public readonly storageClass?: kplus.k8s.KubeStorageClass;

  private readonly source: PvcDagSource;

  constructor(scope: Construct, id: string, props: EfsDagVolumeProps) {
    super(scope, id);
    const given = (['fileSystemId', 'storageClassName', 'claim'] as const).filter(p => props[p] !== undefined);
    if (given.length !== 1) {
      const got = given.length === 0 ? 'none' : given.map(p => `'${p}'`).join(' and ');
      throw new Error(`EfsDagVolume: give exactly one of 'fileSystemId', 'storageClassName' or 'claim', got ${got}`);
    }
    if (props.fileSystemId === undefined) {
      for (const p of ['directoryPerms', 'uid', 'gid', 'basePath'] as const) {
        if (props[p] !== undefined) {
          throw new Error(`EfsDagVolume: '${p}' only applies with 'fileSystemId' (it configures the StorageClass EfsDagVolume creates): remove it, or set it on your own StorageClass`);
        }
      }
    }
    checkStorageSize(props.storage, 'EfsDagVolume storage');
    if (props.claim !== undefined && props.storage !== undefined) {
      throw new Error(`EfsDagVolume: 'storage' only applies when EfsDagVolume creates the claim: remove it (claim '${props.claim.name}' is yours)`);
    }

    let storageClassName = props.storageClassName;
    if (props.fileSystemId !== undefined) {
      this.storageClass = this.createStorageClass(props.fileSystemId, props);
      storageClassName = this.storageClass.name;
    }
    if (storageClassName !== undefined && storageClassName.trim() === '') {
      throw new Error("EfsDagVolume: 'storageClassName' must not be empty");
    }
    this.claim = props.claim ?? new kplus.PersistentVolumeClaim(this, 'Claim', {
      metadata: AirflowNames.of(this).metadata(this, 'PersistentVolumeClaim', 'dags'),
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_MANY],
      storage: props.storage ?? Size.gibibytes(5),
      storageClassName,
    });
    this.source = new PvcDagSource({ claim: this.claim, populatedBy: props.populatedBy, writerServiceAccount: props.writerServiceAccount });
  }

  /**
   * The writer Deployment, once a pod was bound (only with `populatedBy`).
   */
  public get writer(): kplus.Deployment | undefined {
    return this.source.writer;
  }

  /**
   * Mounts the claim read-only into the pod (and creates the writer on the first bind with `populatedBy`).
   */
  public bind(pod: kplus.AbstractPod, options: DagSourceBindOptions): DagSourceBinding {
    return this.source.bind(pod, options);
  }

  private createStorageClass(fileSystemId: string, props: EfsDagVolumeProps): kplus.k8s.KubeStorageClass {
    if (!/^fs-([0-9a-f]{8}|[0-9a-f]{17})$/.test(fileSystemId)) {
      throw new Error(`EfsDagVolume: 'fileSystemId' must be 'fs-' followed by 8 or 17 lower-case hex digits (e.g. 'fs-0123456789abcdef0'), got '${fileSystemId}'`);
    }
    const directoryPerms = props.directoryPerms ?? '775';
    if (!/^[0-7]{3,4}$/.test(directoryPerms)) {
      throw new Error(`EfsDagVolume: 'directoryPerms' must be 3 or 4 octal digits (e.g. '775'), got '${directoryPerms}'`);
    }
    const uid = posixId(props.uid ?? 50000, 'uid');
    const gid = posixId(props.gid ?? 0, 'gid');
    const basePath = props.basePath ?? '/airflow-dags';
    if (!/^\/[^\s]*$/.test(basePath) || basePath.split('/').includes('..')) {
      throw new Error(`EfsDagVolume: 'basePath' must be an absolute path without '..' or spaces (e.g. '/airflow-dags'), got '${basePath}'`);
    }
    // cluster-scoped: the namespace is part of the name, so each namespace's release gets its own.
    const names = AirflowNames.of(this);
    const namespace = Chart.of(this).namespace;
    const storageClass = new kplus.k8s.KubeStorageClass(this, 'StorageClass', {
      metadata: { name: names.name(this, 'StorageClass', 'dags', namespace ? `efs-${namespace}` : 'efs'), labels: names.labels('dags') },
      provisioner: 'efs.csi.aws.com',
      parameters: {
        provisioningMode: 'efs-ap',
        fileSystemId,
        directoryPerms,
        uid,
        gid,
        basePath,
      },
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'Immediate',
    });
    // a StorageClass is cluster-scoped: drop the namespace a chart gives every object.
    if (ApiObject.of(storageClass).metadata.namespace !== undefined) {
      storageClass.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
    return storageClass;
  }
}

function posixId(value: number, prop: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 2147483647) {
    throw new Error(`EfsDagVolume: '${prop}' must be a whole number from 0 to 2147483647, got ${value}`);
  }
  return String(value);
}
