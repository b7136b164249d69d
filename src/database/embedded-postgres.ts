import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowNames } from '../naming/airflow-names';
import { cpuAndMemory, restrictedContainerSecurityContext } from '../pod/security';
import { GeneratedSecret, GeneratedSecretKey, GeneratedValue } from '../secrets/generated-secret';
import { checkPinnedImage } from '../utils/image';
import { AirflowWarnings } from '../warnings';

/** The component of the embedded database's objects: `<release>-postgresql`. */
const COMPONENT = 'postgresql';
/** uid and gid of the `postgres` user in the official Debian-based `postgres` image. */
const POSTGRES_UID = 999;
const PORT = 5432;

/**
 * Props for `EmbeddedPostgres`.
 */
export interface EmbeddedPostgresProps {
  /**
   * The PostgreSQL image (the official `postgres` image or one compatible with its entrypoint).
   *
   * @default 'postgres:17.5'
   */
  readonly image?: string;
  /**
   * Size of the data volume.
   *
   * @default Size.gibibytes(8)
   */
  readonly storage?: Size;
  /**
   * StorageClass of the data volume.
   *
   * @default - the cluster's default StorageClass.
   */
  readonly storageClassName?: string;
  /**
   * Resources of the PostgreSQL container.
   *
   * @default - 100m CPU, 256Mi memory request, 1Gi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Also generate key `keda-connection`: `postgresql://airflow:<password>@<service>.<namespace>.svc:5432/airflow?sslmode=disable`,
   * the libpq URL KEDA's PostgreSQL scaler reads (fully qualified, since KEDA connects from its own namespace;
   * the chart needs a namespace). `AirflowDeployment` sets it when anything scales with `WorkerAutoscaling.keda()`.
   *
   * The key is generated with the Secret: turning this on for an existing Secret makes the secret generator
   * Job fail until the key is added to that Secret (or the Secret is deleted and generated again).
   *
   * @default false
   */
  readonly kedaConnection?: boolean;
}

/**
 * A single-instance PostgreSQL for Airflow's metadata, for quick starts and tests.
 *
 * A StatefulSet of one pod running the official `postgres` image as its non-root `postgres` user with the
 * restricted security context, a PersistentVolumeClaim for the data, a ClusterIP Service, and a Secret
 * generated in the cluster that holds the password and the SQLAlchemy connection URL.
 */
export class EmbeddedPostgres extends Construct {
  /** The StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The Service Airflow connects to. */
  public readonly service: kplus.Service;
  /** The data volume claim. */
  public readonly claim: kplus.PersistentVolumeClaim;
  /** The generated Secret with keys `password`, `connection` and (with `kedaConnection`) `keda-connection`. */
  public readonly credentials: GeneratedSecret;
  /** The SQLAlchemy connection URL. */
  public readonly connection: kplus.SecretValue;
  /** The connection URL for KEDA, with `kedaConnection`. */
  public readonly kedaConnection?: kplus.SecretValue;

  constructor(scope: Construct, id: string, props: EmbeddedPostgresProps = {}) {
    super(scope, id);
    AirflowWarnings.of(this).add('the embedded PostgreSQL is one pod without backups or failover: use MetadataDatabase.external(...) in production');
    const names = AirflowNames.of(this);
    this.claim = new kplus.PersistentVolumeClaim(this, 'Data', {
      metadata: names.metadata(this, 'PersistentVolumeClaim', COMPONENT, 'data'),
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
      storage: props.storage ?? Size.gibibytes(8),
      storageClassName: props.storageClassName,
      volumeMode: kplus.PersistentVolumeMode.FILE_SYSTEM,
    });
    this.service = new kplus.Service(this, 'Service', {
      metadata: names.metadata(this, 'Service', COMPONENT),
      ports: [{ name: 'postgres', port: PORT, targetPort: PORT }],
    });
    names.selectService(this.service, COMPONENT);
    // a StatefulSet's pods get DNS names from a headless Service (`serviceName`); clients use the ClusterIP one.
    const headless = new kplus.Service(this, 'HeadlessService', {
      metadata: names.metadata(this, 'Service', COMPONENT, 'headless'),
      clusterIP: 'None',
      ports: [{ name: 'postgres', port: PORT, targetPort: PORT }],
    });
    names.selectService(headless, COMPONENT);
    const keys: GeneratedSecretKey[] = [
      { key: 'password', value: GeneratedValue.randomString(32) },
      { key: 'connection', value: GeneratedValue.template(`postgresql://airflow:{password}@${this.service.name}:${PORT}/airflow`) },
    ];
    if (props.kedaConnection) {
      const namespace = Chart.of(this).namespace;
      if (!namespace) {
        throw new Error(`EmbeddedPostgres '${this.node.path}': 'kedaConnection' needs the chart's namespace, because KEDA connects to the database `
          + "from its own namespace: give the Chart a namespace, e.g. new Chart(app, 'airflow', { namespace: 'airflow' })");
      }
      const host = `${this.service.name}.${namespace}.svc`;
      keys.push({ key: 'keda-connection', value: GeneratedValue.template(`postgresql://airflow:{password}@${host}:${PORT}/airflow?sslmode=disable`) });
    }
    this.credentials = new GeneratedSecret(this, 'Credentials', { keys, name: names.name(this, 'Secret', COMPONENT) });
    this.connection = this.credentials.valueOf('connection');
    this.kedaConnection = props.kedaConnection ? this.credentials.valueOf('keda-connection') : undefined;

    this.statefulSet = new kplus.StatefulSet(this, 'Resource', {
      metadata: names.metadata(this, 'StatefulSet', COMPONENT),
      select: false,
      service: headless,
      replicas: 1,
      automountServiceAccountToken: false,
      serviceAccount: new kplus.ServiceAccount(this, 'ServiceAccount', { automountToken: false, metadata: names.metadata(this, 'ServiceAccount', COMPONENT) }),
      securityContext: { user: POSTGRES_UID, group: POSTGRES_UID, fsGroup: POSTGRES_UID, ensureNonRoot: true },
      terminationGracePeriod: Duration.seconds(60),
    });
    names.selectPods(this.statefulSet, COMPONENT);
    const probe = (failureThreshold: number) => kplus.Probe.fromCommand(['pg_isready', '-U', 'airflow', '-d', 'airflow', '-h', '127.0.0.1'], {
      periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold,
    });
    const postgres = this.statefulSet.addContainer({
      name: 'postgres',
      image: pinned(props.image, "EmbeddedPostgres: 'image'", DEFAULT_POSTGRES_IMAGE),
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ name: 'postgres', number: PORT }],
      envVariables: {
        POSTGRES_USER: kplus.EnvValue.fromValue('airflow'),
        POSTGRES_DB: kplus.EnvValue.fromValue('airflow'),
        POSTGRES_PASSWORD: kplus.EnvValue.fromSecretValue(this.credentials.valueOf('password')),
        PGDATA: kplus.EnvValue.fromValue('/var/lib/postgresql/data/pgdata'),
      },
      resources: props.resources ?? cpuAndMemory(100, 256, 1024),
      securityContext: restrictedContainerSecurityContext(POSTGRES_UID, POSTGRES_UID),
      readiness: probe(3),
      liveness: probe(6),
      startup: probe(30),
    });
    postgres.mount('/var/lib/postgresql/data', kplus.Volume.fromPersistentVolumeClaim(this, 'DataVolume', this.claim, { name: 'data' }));
    postgres.mount('/var/run/postgresql', kplus.Volume.fromEmptyDir(this, 'RunVolume', 'run'));
    postgres.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'TmpVolume', 'tmp'));
  }
}

/** The PostgreSQL image when none is given. */
const DEFAULT_POSTGRES_IMAGE = 'postgres:17.5';

function pinned(image: string | undefined, subject: string, fallback: string): string {
  if (image === undefined) return fallback;
  checkPinnedImage(image, subject, fallback);
  return image;
}
