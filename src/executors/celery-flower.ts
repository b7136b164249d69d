import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowComponent, AirflowComponentOptions, AirflowComponentProps } from '../components/airflow-component';
import { cpuAndMemory } from '../pod/security';
import { AirflowWarnings } from '../warnings';

/** The port Flower listens on. */
export const FLOWER_PORT = 5555;

/**
 * Options for Flower, the Celery monitoring UI.
 */
export interface FlowerOptions extends AirflowComponentOptions {
  /**
   * The Secret key holding `user:password` (several as `user1:password1,user2:password2`) for HTTP basic
   * authentication. It reaches only the Flower container (`AIRFLOW__CELERY__FLOWER_BASIC_AUTH`).
   *
   * Without it anyone who reaches the Service can see task arguments and results and control the workers
   * (shut them down, change their pools, revoke tasks): keep the Service internal, or put an
   * authenticating proxy in front of it.
   *
   * @default - no authentication.
   */
  readonly basicAuth?: kplus.SecretValue;
  /**
   * The type of the Service in front of Flower.
   *
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;
}

/**
 * Props for `CeleryFlower`.
 */
export interface CeleryFlowerProps extends FlowerOptions, AirflowComponentProps {}

/**
 * Flower, the Celery monitoring UI: `airflow celery flower` on port 5555 behind a Service, with TCP probes.
 *
 * It reads the broker URL like every Airflow container; the basic-auth credentials (`basicAuth`) reach only
 * this container, from a Secret. Default resources: 100m CPU, 256Mi memory request, 512Mi memory limit.
 */
export class CeleryFlower extends AirflowComponent {
  /** The Service in front of Flower (port 5555, named `flower`). */
  public readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: CeleryFlowerProps) {
    if (props.basicAuth && !props.basicAuth.key) {
      throw new Error("Celery 'flower.basicAuth.key' must name the Secret key that holds user:password");
    }
    const envVariables: { [name: string]: kplus.EnvValue } = {};
    if (props.basicAuth) envVariables.AIRFLOW__CELERY__FLOWER_BASIC_AUTH = kplus.EnvValue.fromSecretValue(props.basicAuth);
    const probe = (options: kplus.ProbeOptions) => kplus.Probe.fromTcpSocket({ port: FLOWER_PORT, ...options });
    const running: kplus.ProbeOptions = {
      initialDelaySeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 10, periodSeconds: Duration.seconds(5),
    };
    super(scope, id, props, {
      component: 'flower',
      envVariables,
      args: ['airflow', 'celery', 'flower'],
      dags: false,
      resources: cpuAndMemory(100, 256, 512),
      terminationGracePeriod: Duration.seconds(30),
      ports: [{ name: 'flower', number: FLOWER_PORT }],
      liveness: probe(running),
      readiness: probe(running),
      startup: probe({ timeoutSeconds: Duration.seconds(20), failureThreshold: 6, periodSeconds: Duration.seconds(10) }),
    });
    if (!props.basicAuth) {
      AirflowWarnings.of(this).add("Celery 'flower' has no 'basicAuth': anyone who reaches its Service can see task arguments and control the workers");
    }
    const names = props.recipe._names;
    this.service = new kplus.Service(this, 'Service', {
      metadata: names.metadata(this, 'Service', 'flower'),
      type: props.serviceType ?? kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'flower', port: FLOWER_PORT, targetPort: FLOWER_PORT }],
    });
    names.selectService(this.service, 'flower');
  }
}
