import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowComponent, AirflowComponentOptions, AirflowComponentProps, AirflowComponentSpec } from './airflow-component';
import { AirflowIngress, AirflowIngressOptions } from '../ingress/airflow-ingress';

/** The port the API server and the webserver listen on. */
export const WEB_PORT = 8080;

/**
 * Options for the web UI components (`AirflowApiServer`, `AirflowWebserver`).
 */
export interface AirflowWebOptions extends AirflowComponentOptions {
  /**
   * The type of the Service in front of the pods.
   *
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;
}

/**
 * Props for the web UI components.
 */
export interface AirflowWebProps extends AirflowWebOptions, AirflowComponentProps {
  /**
   * An Ingress in front of the Service; its path becomes the path prefix of the UI (base URL and probes).
   *
   * @default - no Ingress.
   */
  readonly ingress?: AirflowIngressOptions;
}

/**
 * A component serving HTTP on port 8080 behind a Service: the Airflow 3 API server or the Airflow 2 webserver.
 *
 * The spec's ports and probes are replaced by the web ones (HTTP probes on `healthPath`, under the path
 * prefix of the ingress or of the `base_url` setting).
 */
export abstract class AirflowWebComponent extends AirflowComponent {
  /** The Service in front of the pods (port 8080, named `http`). */
  public readonly service: kplus.Service;
  /** The path prefix the UI is served under: `''` at the root, else e.g. `/airflow`. */
  public readonly pathPrefix: string;
  /** The Ingress, with the `ingress` prop. */
  public readonly ingress?: AirflowIngress;

  protected constructor(scope: Construct, id: string, props: AirflowWebProps, spec: AirflowComponentSpec, healthPath: string) {
    const pathPrefix = AirflowIngress._pathPrefix(props.recipe.config, props.ingress);
    const probe = (options: kplus.ProbeOptions) => kplus.Probe.fromHttpGet(`${pathPrefix}${healthPath}`, { port: WEB_PORT, ...options });
    const running: kplus.ProbeOptions = {
      initialDelaySeconds: Duration.seconds(15), timeoutSeconds: Duration.seconds(5), failureThreshold: 5, periodSeconds: Duration.seconds(10),
    };
    super(scope, id, props, {
      ...spec,
      ports: [{ name: 'http', number: WEB_PORT }],
      liveness: probe(running),
      readiness: probe(running),
      startup: probe({ timeoutSeconds: Duration.seconds(20), failureThreshold: 12, periodSeconds: Duration.seconds(10) }),
    });
    this.pathPrefix = pathPrefix;
    const names = props.recipe._names;
    this.service = new kplus.Service(this, 'Service', {
      metadata: names.metadata(this, 'Service', spec.component),
      type: props.serviceType ?? kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: WEB_PORT, targetPort: WEB_PORT }],
    });
    names.selectService(this.service, this.podComponent);
    if (props.ingress) {
      this.ingress = new AirflowIngress(this, 'Ingress', { ...props.ingress, webUi: this });
    }
  }
}
