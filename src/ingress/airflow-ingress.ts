import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { AirflowWebComponent } from '../components/web-ui';
import { AirflowConfig } from '../config/airflow-config';

/** The port the web UI Service listens on (same as `WEB_PORT` of the web components). */
const WEB_UI_PORT = 8080;

/**
 * How the web UI (the Airflow 3 API server or the Airflow 2 webserver) is exposed through an Ingress.
 */
export interface AirflowIngressOptions {
  /**
   * The IngressClass, e.g. `nginx` or `alb`.
   *
   * @default - the cluster's default IngressClass.
   */
  readonly ingressClassName?: string;
  /**
   * The host name users browse to, e.g. `airflow.example.com`. Airflow's base URL becomes
   * `http(s)://<host><path>`.
   *
   * @default - any host; Airflow's base URL is then left alone (a `path` other than `/` needs a host, or a
   * `base_url` setting of your own).
   */
  readonly host?: string;
  /**
   * The path prefix the UI is served under, e.g. `/airflow` (an Ingress `Prefix` path). Airflow's base URL,
   * the probes of the UI and (Airflow 3) the Execution API URL of task pods carry it.
   *
   * @default '/'
   */
  readonly path?: string;
  /**
   * The TLS Secret (`kubernetes.io/tls`) of `host`; the base URL then starts with `https://`.
   *
   * @default - no TLS at the Ingress: the base URL starts with `http://`.
   */
  readonly tls?: kplus.ISecret;
  /**
   * Annotations of the Ingress, e.g. for cert-manager or the ingress controller.
   *
   * @default - none.
   */
  readonly annotations?: { [key: string]: string };
}

/**
 * Props for `AirflowIngress`.
 */
export interface AirflowIngressProps extends AirflowIngressOptions {
  /** The web UI: its Service is the backend, its configuration gets the base URL. */
  readonly webUi: AirflowWebComponent;
}

/**
 * An Ingress in front of the web UI, keeping Airflow's base URL (`[api] base_url` on Airflow 3,
 * `[webserver] base_url` on Airflow 2) consistent with the host, the path and TLS.
 *
 * The base URL is set by the library unless you set it in `settings`; yours must then have the same path.
 * Create it through the `ingress` prop of `AirflowDeployment`, `AirflowApiServer` or `AirflowWebserver`,
 * which also puts the path into the probes.
 */
export class AirflowIngress extends Construct {
  /**
   * The path prefix a web UI serves under: `''` for `/`, else e.g. `/airflow`. Taken from the ingress path
   * or, without an ingress, from a `base_url` setting.
   *
   * @internal
   */
  public static _pathPrefix(config: AirflowConfig, options?: AirflowIngressOptions): string {
    if (options) return prefixOf(checkPath(options.path ?? '/'));
    const baseUrl = config.get(baseUrlSection(config), 'base_url');
    return baseUrl === undefined ? '' : prefixOf(pathOfUrl(baseUrl));
  }

  /** The Ingress. */
  public readonly ingress: kplus.Ingress;
  /** The path prefix the UI is served under: `''` for `/`, else e.g. `/airflow`. */
  public readonly pathPrefix: string;
  /** Airflow's base URL, when the Ingress decides it (a host is given and `settings` has none). */
  public readonly baseUrl?: string;

  constructor(scope: Construct, id: string, props: AirflowIngressProps) {
    super(scope, id);
    const path = checkPath(props.path ?? '/');
    const host = props.host;
    if (host !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(host)) {
      throw new Error(`'ingress.host' must be a DNS name in lower case such as 'airflow.example.com' (no scheme, port, path or wildcard), got '${host}'`);
    }
    this.pathPrefix = prefixOf(path);
    const webUi = props.webUi;
    if (this.pathPrefix !== webUi.pathPrefix) {
      throw new Error(`AirflowIngress: 'path' is '${path}' but the ${webUi.container.name} serves under '${webUi.pathPrefix || '/'}': `
        + "give these options to the 'ingress' prop of the component (or of AirflowDeployment), which serves the UI under the ingress path");
    }

    const config = webUi.recipe.config;
    const section = baseUrlSection(config);
    const userBaseUrl = config.get(section, 'base_url');
    if (userBaseUrl !== undefined) {
      const userPath = prefixOf(pathOfUrl(userBaseUrl));
      if (userPath !== this.pathPrefix) {
        throw new Error(`'ingress.path' is '${path}' but the setting '${section}.base_url' is '${userBaseUrl}', whose path is '${userPath || '/'}': `
          + 'make the two paths the same, or leave base_url out and the library derives it from the ingress');
      }
    } else if (host !== undefined) {
      this.baseUrl = `${props.tls ? 'https' : 'http'}://${host}${this.pathPrefix}`;
      config.setOwned(section, 'base_url', this.baseUrl, 'ingress');
    } else if (this.pathPrefix !== '') {
      throw new Error(`'ingress.path' is '${path}' but 'ingress.host' is not set: Airflow serves under a path only with a full base_url, `
        + `so set 'ingress.host' (e.g. 'airflow.example.com'), set '${section}.base_url' in 'settings', or serve at '/'`);
    }
    // the ingress controller terminates the connection: let Airflow trust its X-Forwarded-* headers.
    config.setDefault(config.version.isAirflow3 ? 'fab' : 'webserver', 'enable_proxy_fix', 'True');

    this.ingress = new kplus.Ingress(this, 'Resource', {
      className: props.ingressClassName,
      // named like the UI's Deployment and Service (`<release>-api-server` / `<release>-webserver`).
      metadata: { ...props.webUi.recipe._names.metadata(this, 'Ingress', props.webUi.container.name), annotations: props.annotations },
      tls: props.tls ? [{ hosts: host !== undefined ? [host] : undefined, secret: props.tls }] : undefined,
    });
    const backend = kplus.IngressBackend.fromService(webUi.service, { port: WEB_UI_PORT });
    if (host !== undefined) {
      this.ingress.addHostRule(host, path, backend, kplus.HttpIngressPathType.PREFIX);
    } else {
      this.ingress.addRule(path, backend, kplus.HttpIngressPathType.PREFIX);
    }
  }
}

function baseUrlSection(config: AirflowConfig): string {
  return config.version.isAirflow3 ? 'api' : 'webserver';
}

function checkPath(path: string): string {
  if (!/^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/.test(path)) {
    throw new Error(`'ingress.path' must be '/' or a path like '/airflow' (letters, digits, '-', '.', '_', '~' between single slashes, no trailing '/'), got '${path}'`);
  }
  return path;
}

/** `/` → `''`, `/airflow` → `/airflow`. */
function prefixOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '' : trimmed;
}

/** The path of a base URL (`https://h/airflow/` → `/airflow/`); a relative value is taken as a path. */
function pathOfUrl(url: string): string {
  if (url.startsWith('/')) return url;
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}
