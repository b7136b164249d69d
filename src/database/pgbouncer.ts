import { ApiObject, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ServiceMonitor } from '../imports/servicemonitor-monitoring.coreos.com';
import { AirflowNames } from '../naming/airflow-names';
import { promDuration } from '../observability/airflow-alerts';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { cpuAndMemory, restrictedContainerSecurityContext } from '../pod/security';
import { checkPinnedImage } from '../utils/image';

/** The PgBouncer image of Airflow's official Helm chart (PgBouncer 1.23.1 on Alpine, `/usr/bin/pgbouncer`). */
const DEFAULT_IMAGE = 'apache/airflow:airflow-pgbouncer-2025.03.05-1.23.1';
/** The component of PgBouncer's objects: `<release>-pgbouncer`. */
const COMPONENT = 'pgbouncer';
/** The Prometheus community's exporter (busybox based: it has `/bin/sh`; reads `PGBOUNCER_EXPORTER_CONNECTION_STRING`). */
const DEFAULT_EXPORTER_IMAGE = 'prometheuscommunity/pgbouncer-exporter:v0.11.0';
/** uid and gid of `nobody`, the user both images run as. */
const NOBODY = 65534;
/** Where the rendered configuration lives (an emptyDir): written by the init container, read by the others. */
const CONFIG_DIR = '/etc/pgbouncer';
/** The environment variable holding the upstream connection URL in every Airflow container. */
const UPSTREAM_URL_ENV = 'AIRFLOW_DATABASE_UPSTREAM_URL';
/** Where the database server's CA certificate (`serverCaCertificate`) is mounted. */
const SERVER_CA_DIR = '/etc/pgbouncer-server-ca';
/** The database name Airflow asks PgBouncer for; PgBouncer maps it to the real one. */
const DATABASE_ALIAS = 'airflow_metadata';

/**
 * Options of PgBouncer in front of the metadata database (`AirflowDeployment`'s `pgbouncer`).
 */
export interface PgBouncerOptions {
  /**
   * Pods of PgBouncer. Each one opens up to `defaultPoolSize` connections to the database.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * `max_client_conn`: client connections one PgBouncer pod accepts (every Airflow process holds a few: SQLAlchemy
   * pools per scheduler, API server worker, triggerer, dag-processor, Celery worker process and task).
   *
   * @default 100
   */
  readonly maxClientConnections?: number;
  /**
   * `default_pool_size`: connections one PgBouncer pod opens to the database. The database sees at most
   * `replicas` × `defaultPoolSize` connections from Airflow, plus the migrations Job's (and KEDA's).
   *
   * @default 10
   */
  readonly defaultPoolSize?: number;
  /**
   * The PgBouncer image, pinned to a version tag or digest. Its `pgbouncer` binary must be `/usr/bin/pgbouncer`
   * and version 1.21 or later (`max_prepared_statements`).
   *
   * @default 'apache/airflow:airflow-pgbouncer-2025.03.05-1.23.1' (the image of Airflow's official Helm chart)
   */
  readonly image?: string;
  /**
   * Resources of the PgBouncer container.
   *
   * @default - 50m CPU, 32Mi memory request, 128Mi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Run a Prometheus exporter next to PgBouncer (container `metrics-exporter`, port 9127 `pgb-metrics`). With
   * `metrics: AirflowMetrics.statsd({ serviceMonitor: true })` a second ServiceMonitor scrapes it.
   *
   * @default true
   */
  readonly metricsExporter?: boolean;
  /**
   * The exporter image, pinned to a version tag or digest. It must have `/bin/sh` and `/bin/pgbouncer_exporter`,
   * and read `PGBOUNCER_EXPORTER_CONNECTION_STRING` (prometheus-community/pgbouncer_exporter 0.8 or later).
   *
   * @default 'prometheuscommunity/pgbouncer-exporter:v0.11.0'
   */
  readonly exporterImage?: string;
  /**
   * A PodDisruptionBudget (`maxUnavailable: 1`), like the Airflow components.
   *
   * @default true
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * The Secret key holding the PEM certificate(s) of the CA that signed the database server's certificate (e.g. the
   * Amazon RDS CA bundle), for a connection URL with `sslmode=verify-ca` or `verify-full`. It is mounted into the
   * PgBouncer pod and becomes `server_tls_ca_file`: the URL's own `sslrootcert` names a file of the Airflow
   * containers, which PgBouncer cannot read.
   *
   * @default - none: a URL with `sslmode=verify-ca` or `verify-full` must then say `sslrootcert=system` (the
   * PgBouncer image's CA bundle), else `render-config` stops with a message naming this prop.
   */
  readonly serverCaCertificate?: kplus.SecretValue;
}

/**
 * Props for `PgBouncer`.
 */
export interface PgBouncerProps extends PgBouncerOptions {
  /**
   * The Airflow pod recipe: every Airflow container then connects through PgBouncer. Its image (which has Python)
   * renders PgBouncer's configuration at pod start.
   */
  readonly recipe: AirflowPodRecipe;
  /**
   * The Secret key holding the SQLAlchemy URL of the PostgreSQL database PgBouncer connects to,
   * `postgresql[+driver]://user:password@host:port/database[?sslmode=...]` (user and password URL-encoded).
   */
  readonly connection: kplus.SecretValue;
}

/**
 * Options for `PgBouncer.addServiceMonitor`.
 */
export interface PgBouncerServiceMonitorOptions {
  /**
   * How often Prometheus scrapes the exporter.
   *
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * Labels of the ServiceMonitor, for your Prometheus's `serviceMonitorSelector`.
   *
   * @default - none.
   */
  readonly prometheusLabels?: { [key: string]: string };
}

/**
 * PgBouncer in front of a PostgreSQL metadata database, pooling Airflow's many short-lived connections in
 * transaction mode into a few database connections.
 *
 * A Deployment (image of Airflow's official chart, uid 65534, restricted) with its own ServiceAccount without a token,
 * a PodDisruptionBudget and a ClusterIP Service (`pgbouncer` 6543, `pgb-metrics` 9127). The database password never
 * lands in a ConfigMap or a synthesized Secret: the init container `render-config` (the Airflow image, which has
 * Python) reads the connection URL from `connection` and writes `pgbouncer.ini`, `users.txt` and the exporter's
 * connection string into an emptyDir that the other containers mount read-only. `server_tls_sslmode` follows the
 * URL's `sslmode` (default `prefer`), with `serverCaCertificate` as `server_tls_ca_file`; `max_prepared_statements = 100` lets Airflow 3's asyncpg connections through
 * transaction pooling. The configuration is rendered when a pod starts: after changing the Secret, restart the pods
 * (`kubectl rollout restart`).
 *
 * Every Airflow container gets the URL as `AIRFLOW_DATABASE_UPSTREAM_URL` and `[database] sql_alchemy_conn_cmd`, a
 * `python -c` command that points it at the Service and the database alias `airflow_metadata` (dropping the `ssl*`
 * parameters: the hop to PgBouncer is inside the cluster). Create it before any Airflow container.
 */
export class PgBouncer extends Construct {
  /** The port Airflow connects to. */
  public readonly port: number = 6543;
  /** The exporter's port (`/metrics`). */
  public readonly metricsPort: number = 9127;
  /** The database name Airflow connects to; PgBouncer maps it to the database of `connection`. */
  public readonly databaseAlias: string = DATABASE_ALIAS;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The Service Airflow connects to (port `pgbouncer`, and `pgb-metrics` with the exporter). */
  public readonly service: kplus.Service;
  /** The ServiceAccount of the pods (no API token). */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The PgBouncer container. */
  public readonly container: kplus.Container;
  /** The exporter container, with `metricsExporter`. */
  public readonly exporterContainer?: kplus.Container;
  /** The PodDisruptionBudget, unless `podDisruptionBudget` is false. */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** The database connection PgBouncer uses, for what must bypass it (the migrations Job). */
  public readonly directConnection: kplus.SecretValue;
  private monitor?: ApiObject;
  private readonly labels: { [key: string]: string };
  private readonly names: AirflowNames;

  constructor(scope: Construct, id: string, props: PgBouncerProps) {
    super(scope, id);
    const replicas = wholeNumber(props.replicas, 1, 'replicas');
    const maxClientConnections = wholeNumber(props.maxClientConnections, 100, 'maxClientConnections');
    const defaultPoolSize = wholeNumber(props.defaultPoolSize, 10, 'defaultPoolSize');
    const image = pinnedImage(props.image, DEFAULT_IMAGE, 'image');
    const exporterImage = pinnedImage(props.exporterImage, DEFAULT_EXPORTER_IMAGE, 'exporterImage');
    if (!props.connection.key) {
      throw new Error("PgBouncer: 'connection.key' must name the Secret key that holds the database connection URL");
    }
    if (props.serverCaCertificate && !props.serverCaCertificate.key) {
      throw new Error("PgBouncer: 'serverCaCertificate.key' must name the Secret key that holds the database server's CA certificate (PEM)");
    }
    this.directConnection = props.connection;
    const recipe = props.recipe;

    const names = this.names = AirflowNames.of(recipe.config);
    this.labels = names.labels(COMPONENT);
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { automountToken: false, metadata: names.metadata(this, 'ServiceAccount', COMPONENT) });
    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: names.metadata(this, 'Deployment', COMPONENT),
      select: false,
      replicas,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { user: NOBODY, group: NOBODY, fsGroup: NOBODY, ensureNonRoot: true },
      terminationGracePeriod: Duration.seconds(60),
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
    });
    names.selectPods(this.deployment, COMPONENT);
    this.deployment.podMetadata.addAnnotation('kubectl.kubernetes.io/default-container', 'pgbouncer');
    const config = kplus.Volume.fromEmptyDir(this, 'ConfigVolume', 'config', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1) });

    const render = this.deployment.addInitContainer({
      name: 'render-config',
      image: recipe.image,
      imagePullPolicy: recipe.imagePullPolicy,
      command: ['python', '-I', '-c', PGBOUNCER_CONFIG_SCRIPT],
      envVariables: {
        PGBOUNCER_UPSTREAM_URL: kplus.EnvValue.fromSecretValue(props.connection),
        PGBOUNCER_CONFIG_DIR: kplus.EnvValue.fromValue(CONFIG_DIR),
        PGBOUNCER_PORT: kplus.EnvValue.fromValue(String(this.port)),
        PGBOUNCER_DATABASE_ALIAS: kplus.EnvValue.fromValue(DATABASE_ALIAS),
        PGBOUNCER_MAX_CLIENT_CONN: kplus.EnvValue.fromValue(String(maxClientConnections)),
        PGBOUNCER_DEFAULT_POOL_SIZE: kplus.EnvValue.fromValue(String(defaultPoolSize)),
        ...(props.serverCaCertificate ? { PGBOUNCER_SERVER_CA_FILE: kplus.EnvValue.fromValue(`${SERVER_CA_DIR}/ca.crt`) } : {}),
      },
      resources: cpuAndMemory(50, 64, 128),
      securityContext: restrictedContainerSecurityContext(NOBODY, NOBODY),
    });
    render.mount(CONFIG_DIR, config);

    const tcp = (options: kplus.ProbeOptions) => kplus.Probe.fromTcpSocket({ port: this.port, ...options });
    this.container = this.deployment.addContainer({
      name: 'pgbouncer',
      image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      // not the image's `-u nobody`: the pod already runs as nobody.
      command: ['/usr/bin/pgbouncer', `${CONFIG_DIR}/pgbouncer.ini`],
      ports: [{ name: 'pgbouncer', number: this.port }],
      resources: props.resources ?? cpuAndMemory(50, 32, 128),
      securityContext: restrictedContainerSecurityContext(NOBODY, NOBODY),
      readiness: tcp({ periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(2), failureThreshold: 3 }),
      liveness: tcp({ periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold: 6 }),
      // PgBouncer 1.23+ finishes the running transactions on SIGTERM; the pause lets the Service drop the pod first.
      lifecycle: { preStop: kplus.Handler.fromCommand(['/bin/sleep', '5']) },
    });
    this.container.mount(CONFIG_DIR, config, { readOnly: true });
    if (props.serverCaCertificate) {
      // the init container checks that the file is there; PgBouncer reads it (server_tls_ca_file).
      const ca = kplus.Volume.fromSecret(this, 'ServerCaVolume', props.serverCaCertificate.secret, {
        name: 'server-ca', items: { [props.serverCaCertificate.key]: { path: 'ca.crt' } },
      });
      render.mount(SERVER_CA_DIR, ca, { readOnly: true });
      this.container.mount(SERVER_CA_DIR, ca, { readOnly: true });
    }

    if (props.metricsExporter ?? true) {
      this.exporterContainer = this.deployment.addContainer({
        name: 'metrics-exporter',
        image: exporterImage,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: ['/bin/sh', '-c', EXPORTER_COMMAND],
        ports: [{ name: 'pgb-metrics', number: this.metricsPort }],
        resources: cpuAndMemory(10, 32, 64),
        securityContext: restrictedContainerSecurityContext(NOBODY, NOBODY),
        // no readiness probe: the pod's readiness is PgBouncer's.
        liveness: kplus.Probe.fromHttpGet('/metrics', {
          port: this.metricsPort, initialDelaySeconds: Duration.seconds(10), periodSeconds: Duration.seconds(30), timeoutSeconds: Duration.seconds(5),
        }),
      });
      this.exporterContainer.mount(CONFIG_DIR, config, { readOnly: true });
    }

    const ports: kplus.ServicePort[] = [{ name: 'pgbouncer', port: this.port, targetPort: this.port }];
    if (this.exporterContainer) ports.push({ name: 'pgb-metrics', port: this.metricsPort, targetPort: this.metricsPort });
    this.service = new kplus.Service(this, 'Service', { metadata: names.metadata(this, 'Service', COMPONENT), ports });
    names.selectService(this.service, COMPONENT);

    if (props.podDisruptionBudget ?? true) {
      this.podDisruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: names.metadata(this, 'PodDisruptionBudget', COMPONENT),
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.deployment.matchLabels } },
      });
    }

    // Airflow containers: the URL from the Secret, rewritten to PgBouncer by each container when Airflow reads it.
    // Both only in the containers in scope of the database (src/secrets/secret-scope.ts): the command is an environment
    // variable, not an airflow.cfg line, because Airflow 3 reads [database] sql_alchemy_conn when `airflow` is imported
    // (settings.initialize -> configure_orm), and a `_cmd` there would fail in pods that get no upstream URL.
    recipe._addSecretEnv(UPSTREAM_URL_ENV, kplus.EnvValue.fromSecretValue(props.connection), 'database');
    recipe._addSecretEnv('AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD', kplus.EnvValue.fromValue(sqlAlchemyConnCommand(this.service.name, this.port)), 'database');
    recipe.config.reserve('database', 'sql_alchemy_conn', 'database');
    recipe.config.reserve('database', 'sql_alchemy_conn_cmd', 'pgbouncer');
  }

  /** The ServiceMonitor scraping the exporter, once `addServiceMonitor` was called. */
  public get serviceMonitor(): ApiObject | undefined {
    return this.monitor;
  }

  /**
   * Adds a Prometheus operator `ServiceMonitor` (needs the `monitoring.coreos.com` CRDs) scraping the exporter's
   * `pgb-metrics` port. `AirflowDeployment` calls it with `metrics: AirflowMetrics.statsd({ serviceMonitor: true })`.
   */
  public addServiceMonitor(options: PgBouncerServiceMonitorOptions = {}): ApiObject {
    if (!this.exporterContainer) {
      throw new Error("PgBouncer.addServiceMonitor: there is no exporter to scrape ('metricsExporter' is false): remove the call or turn the exporter on");
    }
    if (this.monitor) {
      throw new Error('PgBouncer.addServiceMonitor: this PgBouncer already has a ServiceMonitor: call it once');
    }
    const names = this.names;
    this.monitor = new ServiceMonitor(this, 'ServiceMonitor', {
      metadata: { name: names.name(this, 'ServiceMonitor', COMPONENT), labels: { ...this.labels, ...(options.prometheusLabels ?? {}) } },
      spec: {
        selector: { matchLabels: names.selector(COMPONENT) },
        endpoints: [{ port: 'pgb-metrics', path: '/metrics', interval: promDuration(options.scrapeInterval ?? Duration.seconds(30)) }],
      },
    });
    return this.monitor;
  }
}

function wholeNumber(value: number | undefined, fallback: number, prop: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`'pgbouncer.${prop}' must be a whole number >= 1, got ${value}`);
  }
  return value;
}

function pinnedImage(image: string | undefined, fallback: string, prop: string): string {
  if (image === undefined) return fallback;
  checkPinnedImage(image, `'pgbouncer.${prop}'`, fallback);
  return image;
}

/**
 * `[database] sql_alchemy_conn_cmd`: Airflow runs it (split with `shlex`, no shell) and connects to what it prints,
 * the upstream URL with PgBouncer's host, port and database alias, without `ssl*` parameters. No `%` (Airflow's
 * config parser would interpolate it) and no newline at the end.
 *
 * @internal
 */
export function sqlAlchemyConnCommand(host: string, port: number): string {
  const code = [
    'import os, sys, urllib.parse as u',
    `p = u.urlsplit(os.environ['${UPSTREAM_URL_ENV}'].strip())`,
    "q = [kv for kv in u.parse_qsl(p.query, keep_blank_values=True) if not kv[0].startswith('ssl')]",
    `sys.stdout.write(u.urlunsplit((p.scheme, ''.join(p.netloc.rpartition('@')[:2]) + '${host}:${port}', '/${DATABASE_ALIAS}', u.urlencode(q), '')))`,
  ].join('; ');
  return `python -c "${code}"`;
}

/**
 * The exporter reads its connection string (with the password) from the rendered file, never from the manifests.
 *
 * @internal
 */
export const EXPORTER_COMMAND = `dsn="$(cat ${CONFIG_DIR}/stats-connection)" || exit 1
export PGBOUNCER_EXPORTER_CONNECTION_STRING="$dsn"
exec /bin/pgbouncer_exporter --web.listen-address=:9127`;

/**
 * The init container's script: parses the upstream URL and writes `pgbouncer.ini`, `users.txt` and the exporter's
 * connection string (mode 0600) into `PGBOUNCER_CONFIG_DIR`. Errors name the problem, never the password.
 *
 * @internal
 */
export const PGBOUNCER_CONFIG_SCRIPT = `
import os, re, sys, urllib.parse as up

def fail(message):
    sys.exit("pgbouncer-config: " + message)

env = os.environ
raw = env["PGBOUNCER_UPSTREAM_URL"].strip()
if "#" in raw:
    fail("the connection URL holds a '#', which ends a URL: URL-encode the user and password ('#' is %23), e.g. urllib.parse.quote(password, safe='')")
parts = up.urlsplit(raw)
if parts.scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
    fail("the connection URL must be postgresql://... or postgresql+<driver>://..., got a URL starting with '" + parts.scheme + "://'")
try:
    port = parts.port or 5432
except ValueError:
    fail("the connection URL has a port that is not a number")
user = up.unquote(parts.username or "")
password = up.unquote(parts.password or "")
host = parts.hostname or ""
dbname = up.unquote(parts.path[1:])
if not user or not password:
    fail("the connection URL must hold a user and a password: postgresql://user:password@host:port/database")
if not re.fullmatch(r"[A-Za-z0-9._:-]+", host):
    fail("the connection URL needs a host name or address, got " + repr(host))
if not re.fullmatch(r"[A-Za-z0-9_.$-]+", dbname):
    fail("the database name must be letters, digits, '_', '.', '$' and '-', got " + repr(dbname))
if not re.fullmatch(r"[A-Za-z0-9_.@$-]+", user):
    fail("the user name must be letters, digits, '_', '.', '@', '$' and '-', got " + repr(user))
if "\\n" in password or "\\r" in password:
    fail("the password holds a line break, which users.txt cannot hold")
params = dict(up.parse_qsl(parts.query, keep_blank_values=True))
if "options" in params:
    fail("the connection URL sets options=" + repr(params["options"]) + ", which PgBouncer refuses ('unsupported startup parameter'): remove it from the URL and set it on the role instead, e.g. ALTER ROLE " + user + " SET search_path = <schema>")
sslmode = params.get("sslmode", "prefer")
if sslmode not in ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"):
    fail("sslmode must be disable, allow, prefer, require, verify-ca or verify-full, got " + repr(sslmode))
ca_file = env.get("PGBOUNCER_SERVER_CA_FILE", "")
if ca_file and not os.path.isfile(ca_file):
    fail("the server CA certificate " + ca_file + " ('pgbouncer.serverCaCertificate') is missing")
if sslmode in ("verify-ca", "verify-full") and not ca_file and params.get("sslrootcert") != "system":
    fail("sslmode " + sslmode + " needs the CA of the database server, which PgBouncer cannot take from the URL's sslrootcert (a file of the Airflow containers): give it with 'pgbouncer.serverCaCertificate' (a Secret key holding the PEM), or write sslrootcert=system to use the PgBouncer image's CA bundle")
out = env["PGBOUNCER_CONFIG_DIR"]
listen = env["PGBOUNCER_PORT"]
ini = "\\n".join([
    "# Rendered at pod start by cdk8s-airflow from the metadata database connection Secret.",
    "[databases]",
    env["PGBOUNCER_DATABASE_ALIAS"] + " = host=" + host + " port=" + str(port) + " dbname=" + dbname,
    "",
    "[pgbouncer]",
    "listen_addr = *",
    "listen_port = " + listen,
    "unix_socket_dir =",
    "auth_type = scram-sha-256",
    "auth_file = " + out + "/users.txt",
    "pool_mode = transaction",
    "max_client_conn = " + env["PGBOUNCER_MAX_CLIENT_CONN"],
    "default_pool_size = " + env["PGBOUNCER_DEFAULT_POOL_SIZE"],
    "max_prepared_statements = 100",
    "ignore_startup_parameters = extra_float_digits",
    "server_tls_sslmode = " + sslmode,
] + (["server_tls_ca_file = " + ca_file] if ca_file else []) + [
    "stats_users = " + user,
    "",
])
quoted = lambda s: '"' + s.replace('"', '""') + '"'
stats = "postgres://" + up.quote(user, safe="") + ":" + up.quote(password, safe="") + "@127.0.0.1:" + listen + "/pgbouncer?sslmode=disable"
for name, text in (("pgbouncer.ini", ini), ("users.txt", quoted(user) + " " + quoted(password) + "\\n"), ("stats-connection", stats)):
    fd = os.open(os.path.join(out, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
print("pgbouncer-config: " + host + ":" + str(port) + "/" + dbname + " as " + env["PGBOUNCER_DATABASE_ALIAS"] + ", sslmode " + sslmode)
`;
