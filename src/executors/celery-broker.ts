import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowNames } from '../naming/airflow-names';
import { cpuAndMemory, restrictedContainerSecurityContext } from '../pod/security';
import { GeneratedSecret, GeneratedValue } from '../secrets/generated-secret';
import { checkPinnedImage } from '../utils/image';

/** uid and gid of the `redis` user in the official Debian-based `redis` image. */
const REDIS_UID = 999;
/** The port Redis listens on. */
export const REDIS_PORT = 6379;

/**
 * Props for `EmbeddedRedis`.
 */
export interface EmbeddedRedisProps {
  /**
   * The Redis image.
   *
   * @default 'redis:7.2.10-bookworm'
   */
  readonly image?: string;
  /**
   * Keep Redis data on a PersistentVolumeClaim of this size (queued messages survive a restart).
   *
   * @default - an emptyDir: queued messages are lost when the Redis pod restarts.
   */
  readonly persistentStorage?: Size;
  /**
   * StorageClass of the data claim.
   *
   * @default - the cluster's default StorageClass.
   */
  readonly storageClassName?: string;
  /**
   * The password, from your Secret (e.g. to keep it across reinstalls). Airflow containers then build the
   * broker URL themselves (`[celery] broker_url_cmd`), so the password is never written into another Secret.
   *
   * @default - generated in the cluster, with a broker URL Secret.
   */
  readonly password?: kplus.SecretValue;
  /**
   * Resources of the Redis container.
   *
   * @default - 50m CPU, 128Mi memory request, 512Mi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
}

/** The component of the embedded broker's objects: `<release>-redis`. */
const COMPONENT = 'redis';

/**
 * A single Redis pod as the Celery broker: the official `redis` image as its non-root user with the
 * restricted security context, a password, a ClusterIP Service, and a broker URL Secret generated in the
 * cluster (`redis://:<password>@<service>:6379/0`).
 */
export class EmbeddedRedis extends Construct {
  /** The StatefulSet. */
  public readonly statefulSet: kplus.StatefulSet;
  /** The Service. */
  public readonly service: kplus.Service;
  /**
   * The broker URL Secret, when the password is generated.
   *
   * @default - none with a given `password`.
   */
  public readonly brokerUrl?: kplus.SecretValue;
  /** The password. */
  public readonly password: kplus.SecretValue;

  constructor(scope: Construct, id: string, props: EmbeddedRedisProps = {}) {
    super(scope, id);
    const names = AirflowNames.of(this);
    const ports = [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT }];
    this.service = new kplus.Service(this, 'Service', { metadata: names.metadata(this, 'Service', COMPONENT), ports });
    names.selectService(this.service, COMPONENT);
    // a StatefulSet's pods get DNS names from a headless Service (`serviceName`); clients use the ClusterIP one.
    const headless = new kplus.Service(this, 'HeadlessService', { metadata: names.metadata(this, 'Service', COMPONENT, 'headless'), clusterIP: 'None', ports });
    names.selectService(headless, COMPONENT);
    if (props.password) {
      if (!props.password.key) {
        throw new Error("CeleryBroker.embeddedRedis: 'password.key' must name the Secret key that holds the Redis password");
      }
      this.password = props.password;
    } else {
      const credentials = new GeneratedSecret(this, 'Credentials', {
        name: names.name(this, 'Secret', COMPONENT),
        keys: [
          { key: 'password', value: GeneratedValue.randomString(32) },
          { key: 'broker-url', value: GeneratedValue.template(`redis://:{password}@${this.service.name}:${REDIS_PORT}/0`) },
        ],
      });
      this.password = credentials.valueOf('password');
      this.brokerUrl = credentials.valueOf('broker-url');
    }
    const password = this.password;

    this.statefulSet = new kplus.StatefulSet(this, 'Resource', {
      metadata: names.metadata(this, 'StatefulSet', COMPONENT),
      select: false,
      service: headless,
      replicas: 1,
      automountServiceAccountToken: false,
      serviceAccount: new kplus.ServiceAccount(this, 'ServiceAccount', { automountToken: false, metadata: names.metadata(this, 'ServiceAccount', COMPONENT) }),
      securityContext: { user: REDIS_UID, group: REDIS_UID, fsGroup: REDIS_UID, ensureNonRoot: true },
      terminationGracePeriod: Duration.seconds(60),
    });
    names.selectPods(this.statefulSet, COMPONENT);
    const probe = kplus.Probe.fromTcpSocket({
      port: REDIS_PORT, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 6,
    });
    const redis = this.statefulSet.addContainer({
      name: 'redis',
      image: redisImage(props.image),
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      // Kubernetes expands $(REDIS_PASSWORD) from the env: the password never lands in the manifests.
      command: ['redis-server'],
      args: ['--requirepass', '$(REDIS_PASSWORD)', '--appendonly', props.persistentStorage ? 'yes' : 'no', '--dir', '/data'],
      ports: [{ name: 'redis', number: REDIS_PORT }],
      envVariables: { REDIS_PASSWORD: kplus.EnvValue.fromSecretValue(password) },
      resources: props.resources ?? cpuAndMemory(50, 128, 512),
      securityContext: restrictedContainerSecurityContext(REDIS_UID, REDIS_UID),
      readiness: probe,
      liveness: probe,
    });
    const data = props.persistentStorage
      ? kplus.Volume.fromPersistentVolumeClaim(this, 'DataVolume', new kplus.PersistentVolumeClaim(this, 'Data', {
        metadata: names.metadata(this, 'PersistentVolumeClaim', COMPONENT, 'data'),
        accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
        storage: props.persistentStorage,
        storageClassName: props.storageClassName,
        volumeMode: kplus.PersistentVolumeMode.FILE_SYSTEM,
      }), { name: 'data' })
      : kplus.Volume.fromEmptyDir(this, 'DataVolume', 'data');
    redis.mount('/data', data);
  }
}

/**
 * Options for `CeleryBroker.external`.
 */
export interface ExternalBrokerOptions {
  /** The Secret key holding the broker URL, e.g. `redis://:<password>@redis.example.com:6379/0` or `rediss://...`. */
  readonly url: kplus.SecretValue;
}

/**
 * What a broker gives the Celery executor: a broker URL Secret, or a Redis host and password to build it from.
 */
export interface CeleryBrokerBinding {
  /**
   * The Secret key holding the broker URL.
   *
   * @default - built in each Airflow container from `redisPassword` and `redisHost`.
   */
  readonly url?: kplus.SecretValue;
  /**
   * The Redis password, when there is no URL Secret.
   *
   * @default - none.
   */
  readonly redisPassword?: kplus.SecretValue;
  /**
   * The Redis host, when there is no URL Secret.
   *
   * @default - none.
   */
  readonly redisHost?: string;
  /**
   * The embedded Redis, when there is one.
   *
   * @default - none (external broker).
   */
  readonly embedded?: EmbeddedRedis;
}

/**
 * The Celery broker: an embedded Redis or yours.
 */
export abstract class CeleryBroker {
  /** A single Redis pod inside the deployment, with a password generated in the cluster (or yours). */
  public static embeddedRedis(props: EmbeddedRedisProps = {}): CeleryBroker {
    return new EmbeddedRedisBroker(props);
  }

  /** A broker run elsewhere (ElastiCache, Memorystore, an operator); the URL comes from a Secret. */
  public static external(options: ExternalBrokerOptions): CeleryBroker {
    return new ExternalBroker(options);
  }

  /** Creates what the broker needs (if anything) under `scope`. */
  public abstract bind(scope: Construct): CeleryBrokerBinding;
}

class EmbeddedRedisBroker extends CeleryBroker {
  constructor(private readonly props: EmbeddedRedisProps) {
    super();
  }

  public bind(scope: Construct): CeleryBrokerBinding {
    const embedded = new EmbeddedRedis(scope, 'Broker', this.props);
    return embedded.brokerUrl
      ? { url: embedded.brokerUrl, embedded }
      : { redisPassword: embedded.password, redisHost: `${embedded.service.name}:${REDIS_PORT}`, embedded };
  }
}

class ExternalBroker extends CeleryBroker {
  constructor(private readonly options: ExternalBrokerOptions) {
    super();
    if (!options.url.key) {
      throw new Error("CeleryBroker.external: 'url.key' must name the Secret key that holds the broker URL");
    }
  }

  public bind(): CeleryBrokerBinding {
    return { url: this.options.url };
  }
}

/** The Redis image when none is given. */
const DEFAULT_REDIS_IMAGE = 'redis:7.2.10-bookworm';

function redisImage(image: string | undefined): string {
  if (image === undefined) return DEFAULT_REDIS_IMAGE;
  checkPinnedImage(image, "CeleryBroker.embeddedRedis: 'image'", DEFAULT_REDIS_IMAGE);
  return image;
}
