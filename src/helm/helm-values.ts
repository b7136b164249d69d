import { airflowSettingsData, checkAirflowSetting } from '../config/airflow-settings-check';
import { YAML } from '../utils/cdk8s-yaml';
import { AirflowVersion } from '../version';
import { helmRowOf } from './helm-value-table';
import { mergeHelmValues } from './helm-values-merge';
import { Code, Commented, renderTs, str } from './typescript-code';

/**
 * A chart value the generated program does not carry over, listed at the top of the program.
 */
export interface HelmValueReport {
  /** The value path, e.g. `podTemplate`. */
  readonly path: string;
  /** What the value did in the chart, or why it is reported. */
  readonly what: string;
  /** What to do instead. */
  readonly instead: string;
}

/**
 * Options of `HelmValues.toProgram`.
 */
export interface HelmProgramOptions {
  /** The Helm release name (`helm list`): the chart's objects, and so the kept Secrets and claims, are named after it. */
  readonly releaseName: string;
  /** The namespace the release is installed in (`helm list -n <namespace>`). */
  readonly releaseNamespace: string;
  /**
   * The module the program imports the library from.
   *
   * @default 'cdk8s-airflow'
   */
  readonly importFrom?: string;
  /**
   * The names of the values files, written in the program's header.
   *
   * @default - none.
   */
  readonly sourceNames?: string[];
}

/**
 * A generated cdk8s program.
 */
export interface HelmProgram {
  /** The TypeScript source of the program. */
  readonly source: string;
  /** Values with no equivalent, also listed at the top of `source`. */
  readonly reports: HelmValueReport[];
}

/** `config.<section>.<key>` the library sets through props: [prop the converter maps it to, or why it is dropped]. */
const MANAGED_CONFIG: Record<string, string> = {
  'core.executor': 'executor',
  'core.dags_folder': 'dagSource',
  'core.fernet_key': 'secrets.fernetKey',
  'core.sql_alchemy_conn': 'database',
  'database.sql_alchemy_conn': 'database',
  'celery.broker_url': 'executor (celery broker)',
  'celery.result_backend': 'executor (celery resultBackend)',
  'celery.flower_basic_auth': 'executor (celery flower.basicAuth)',
  'celery.celery_config_options': 'executor (celery pools)',
  'logging.remote_logging': 'logs',
  'logging.remote_base_log_folder': 'logs',
  'logging.remote_log_conn_id': 'logs',
  'logging.encrypt_s3_logs': 'logs',
  'logging.worker_log_server_port': 'logs',
  'logging.trigger_log_server_port': 'logs',
  'metrics.statsd_on': 'metrics',
  'metrics.statsd_host': 'metrics',
  'metrics.statsd_port': 'metrics',
  'metrics.statsd_prefix': 'metrics',
  'webserver.base_url': 'ingress',
  'api.base_url': 'ingress',
  'webserver.secret_key': 'secrets.webserverSecretKey',
  'api.secret_key': 'secrets.apiSecretKey',
  'api_auth.jwt_secret': 'secrets.jwtSecret',
  'kubernetes_executor.pod_template_file': 'executor (the library builds the pod template)',
  'kubernetes_executor.namespace': 'the namespace the manifests are applied to',
  'kubernetes_executor.worker_container_repository': 'image',
  'kubernetes_executor.worker_container_tag': 'image',
  'kubernetes_executor.delete_worker_pods': 'executor (AirflowExecutor.kubernetes deleteWorkerPods)',
  'kubernetes_executor.delete_worker_pods_on_failure': 'executor (AirflowExecutor.kubernetes deleteWorkerPodsOnFailure)',
  'kubernetes_executor.worker_pods_creation_batch_size': 'executor (AirflowExecutor.kubernetes workerPodsCreationBatchSize)',
  'kubernetes_executor.multi_namespace_mode': 'multiNamespaceMode (not supported)',
  'scheduler.standalone_dag_processor': 'dagProcessor.enabled',
  'dag_processor.dag_bundle_config_list': 'dagSource (DagSource.fromBundles)',
  'celery.worker_concurrency': 'executor (pool workerConcurrency)',
};

function isMap(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function get(values: any, path: string): any {
  let node = values;
  for (const part of path.split('.')) {
    if (!isMap(node)) return undefined;
    node = node[part];
  }
  return node;
}

function pascal(text: string): string {
  return text.split(/[^A-Za-z0-9]+/).filter(Boolean).map(p => p[0].toUpperCase() + p.slice(1)).join('') || 'X';
}

function pyValue(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  return String(value);
}

/**
 * The values of an official apache-airflow Helm chart release, turned into a cdk8s program that deploys the same
 * Airflow with `AirflowDeployment` and keeps the release's state: the Fernet key, webserver/API/JWT secrets, the
 * metadata database and its connection Secret, the broker password, the logs and DAG claims, all by their Helm names.
 * It never generates a new Fernet key.
 *
 * @example
 * const program = HelmValues.fromYaml([fs.readFileSync('values.yaml', 'utf8')]).toProgram({ releaseName: 'airflow', releaseNamespace: 'airflow' });
 */
export class HelmValues {
  /**
   * Values files' contents, merged the way `helm -f a.yaml -f b.yaml` merges them (later wins; maps merged deeply,
   * lists replaced). Throws when a document is not YAML or not a map.
   */
  public static fromYaml(documents: string[]): HelmValues {
    const parsed = documents.map((text, i) => {
      let doc: unknown;
      try {
        doc = YAML.parse(text);
      } catch (e) {
        throw new Error(`values file ${i + 1} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
      }
      if (doc !== null && doc !== undefined && !isMap(doc)) {
        throw new Error(`values file ${i + 1} must be a YAML map of chart values, got ${Array.isArray(doc) ? 'a list' : typeof doc}`);
      }
      return doc;
    });
    return new HelmValues(mergeHelmValues(parsed));
  }

  private constructor(private readonly values: any) {}

  /** The generated program and what it could not carry over. */
  public toProgram(options: HelmProgramOptions): HelmProgram {
    return new Converter(this.values, options).convert();
  }
}

interface KeptObject { readonly variable: string; readonly name: string; readonly why: string }

class Converter {
  private readonly reports: HelmValueReport[] = [];
  private readonly handled = new Set<string>();
  private readonly secrets = new Map<string, KeptObject>();
  private readonly claims = new Map<string, KeptObject>();
  private readonly configMaps = new Map<string, KeptObject>();
  private readonly preamble: string[] = [];
  private readonly release: string;
  private readonly fullname: string;
  private version!: AirflowVersion;
  private envSettings: Record<string, string> = {};
  private envFrom: Code[] = [];
  private envMap: Record<string, unknown> = {};

  constructor(private readonly values: any, private readonly options: HelmProgramOptions) {
    this.release = options.releaseName;
    const standard = values.useStandardNaming === true;
    const override = typeof values.fullnameOverride === 'string' && values.fullnameOverride ? values.fullnameOverride : undefined;
    // chart _helpers.yaml `airflow.fullname`: the release, or (useStandardNaming) fullnameOverride / release[-airflow].
    this.fullname = !standard ? this.release : (override ?? (this.release.includes('airflow') ? this.release : `${this.release}-airflow`)).slice(0, 63).replace(/-+$/, '');
  }

  private report(path: string, what: string, instead: string): void {
    this.reports.push({ path, what, instead });
    this.handled.add(path);
  }

  private use(path: string): any {
    this.handled.add(path);
    return get(this.values, path);
  }

  private has(path: string): boolean {
    return get(this.values, path) !== undefined;
  }

  private keptSecret(name: string, why: string): Code {
    let kept = this.secrets.get(name);
    if (!kept) {
      kept = { variable: `secret${pascal(name)}`, name, why };
      this.secrets.set(name, kept);
    }
    return new Code(kept.variable);
  }

  private keptClaim(name: string, why: string): Code {
    let kept = this.claims.get(name);
    if (!kept) {
      kept = { variable: `claim${pascal(name)}`, name, why };
      this.claims.set(name, kept);
    }
    return new Code(kept.variable);
  }

  private keptConfigMap(name: string, why: string): Code {
    let kept = this.configMaps.get(name);
    if (!kept) {
      kept = { variable: `configMap${pascal(name)}`, name, why };
      this.configMaps.set(name, kept);
    }
    return new Code(kept.variable);
  }

  convert(): HelmProgram {
    const props: Record<string, unknown> = {};
    const release = this.values.useStandardNaming === true ? this.fullname : this.release;
    props.releaseName = new Commented(release, this.values.useStandardNaming === true
      ? 'useStandardNaming: the chart\'s fullname, so the workloads keep their names' : '--release: the workloads take the chart\'s names');
    this.use('useStandardNaming');
    this.use('fullnameOverride');

    this.versionAndImage(props);
    const executor = this.executorKind();
    const env = this.environment(props);
    this.envMap = env;
    this.secretsProps(props);
    this.databaseProps(props);
    props.dagSource = this.dagSource();
    props.logs = this.logs(env);
    this.components(props, env);
    props.executor = this.executor(executor, env);
    this.metrics(props);
    this.ingress(props);
    this.misc(props, executor);
    this.settings(props);
    this.reportRest();

    return { source: this.render(props), reports: this.reports };
  }

  private versionAndImage(props: Record<string, unknown>): void {
    const airflowVersion = this.use('airflowVersion');
    const defaultTag = this.use('defaultAirflowTag');
    const tag = this.use('images.airflow.tag') ?? defaultTag;
    let version = typeof airflowVersion === 'string' ? airflowVersion : typeof defaultTag === 'string' ? defaultTag : undefined;
    const from = typeof airflowVersion === 'string' ? 'airflowVersion' : 'defaultAirflowTag';
    if (version !== undefined && !/^\d+\.\d+\.\d+$/.test(version)) {
      const match = /^(\d+\.\d+\.\d+)/.exec(version);
      version = match ? match[1] : undefined;
    }
    try {
      this.version = version ? AirflowVersion.of(version) : AirflowVersion.DEFAULT;
    } catch (e) {
      this.report(from, `Airflow ${version}: ${(e as Error).message}`, `upgrade to Airflow 2.10 or later first; the program assumes ${AirflowVersion.DEFAULT.version}`);
      this.version = AirflowVersion.DEFAULT;
      version = undefined;
    }
    if (!version) {
      this.reports.push({ path: 'airflowVersion', what: 'not set: the chart\'s default depends on the chart version', instead: `the program assumes Airflow ${this.version.version}; set airflowVersion to what runs today (\`kubectl exec ... -- airflow version\`)` });
    }
    const versionCode = `airflow.AirflowVersion.of(${str(this.version.version)})`;
    props.airflowVersion = new Commented(new Code(versionCode), version ? from : 'not set in the values (see the notes above)');
    const repository = this.use('images.airflow.repository');
    const digest = this.use('images.airflow.digest');
    if (repository !== undefined || this.has('images.airflow.tag') || digest !== undefined) {
      const repo = typeof repository === 'string' ? repository : 'apache/airflow';
      const image = digest ? `${repo}@${digest}` : `${repo}:${tag ?? this.version.version}`;
      props.image = new Commented(image, 'images.airflow.repository / tag');
    }
    const pullPolicy = this.use('images.airflow.pullPolicy');
    if (typeof pullPolicy === 'string') {
      const policy = { Always: 'ALWAYS', IfNotPresent: 'IF_NOT_PRESENT', Never: 'NEVER' }[pullPolicy];
      if (policy) props.imagePullPolicy = new Commented(new Code(`kplus.ImagePullPolicy.${policy}`), 'images.airflow.pullPolicy');
    }
  }

  private executorKind(): { celery: boolean; kubernetes: boolean; legacyCeleryKubernetes: boolean } {
    const raw = this.use('executor');
    const text = typeof raw === 'string' ? raw : 'CeleryExecutor';
    const names = text.split(',').map(n => n.trim().split('.').pop()!);
    let celery = names.includes('CeleryExecutor') || names.includes('CeleryKubernetesExecutor');
    let kubernetes = names.includes('KubernetesExecutor') || names.includes('CeleryKubernetesExecutor') || names.includes('LocalKubernetesExecutor');
    const legacyCeleryKubernetes = names.includes('CeleryKubernetesExecutor') && !this.version.isAirflow3;
    for (const name of names) {
      if (name === 'LocalExecutor' || name === 'LocalKubernetesExecutor') {
        this.reports.push({ path: 'executor', what: `${name} runs tasks inside the scheduler`, instead: 'tasks run in KubernetesExecutor pods in the program; use AirflowExecutor.celery() for long-lived workers, or AirflowExecutor.local() with topology: AirflowTopology.compact() (every component in one pod, no HA)' });
        kubernetes = true;
      } else if (!['CeleryExecutor', 'KubernetesExecutor', 'CeleryKubernetesExecutor'].includes(name)) {
        this.reports.push({ path: 'executor', what: `${name} is not supported by the library`, instead: 'the program uses the KubernetesExecutor' });
        kubernetes = true;
      }
    }
    if (names.includes('CeleryKubernetesExecutor') && this.version.isAirflow3) {
      this.reports.push({ path: 'executor', what: 'CeleryKubernetesExecutor was removed in Airflow 3', instead: 'the program runs both executors (`CeleryExecutor,KubernetesExecutor`); tasks choose with `executor="KubernetesExecutor"` instead of the `kubernetes` queue' });
    }
    if (!celery && !kubernetes) celery = true;
    return { celery, kubernetes, legacyCeleryKubernetes };
  }

  /** `env`, `secret`, `extraEnvFrom`: Airflow settings become settings, the rest env variables of every component. */
  private environment(props: Record<string, unknown>): Record<string, unknown> {
    const env: Record<string, unknown> = {};
    const envSettings: Record<string, string> = {};
    const list = this.use('env');
    if (Array.isArray(list)) {
      for (const entry of list) {
        if (!isMap(entry) || typeof entry.name !== 'string') continue;
        const setting = /^AIRFLOW__([A-Z0-9_]+?)__([A-Z0-9_]+)$/.exec(entry.name);
        if (setting && entry.value !== undefined && !/_(CMD|SECRET)$/.test(entry.name)) {
          envSettings[`${setting[1].toLowerCase()}.${setting[2].toLowerCase()}`] = pyValue(entry.value);
        } else if (entry.value !== undefined) {
          env[entry.name] = new Code(`kplus.EnvValue.fromValue(${str(String(entry.value))})`);
        } else {
          this.reports.push({ path: 'env', what: `variable ${entry.name} without a value (valueFrom)`, instead: 'use `secret:` for Secret keys, or add it to the `env` map of the program' });
        }
      }
    }
    const secretList = this.use('secret');
    if (Array.isArray(secretList)) {
      for (const entry of secretList) {
        if (!isMap(entry) || typeof entry.envName !== 'string' || typeof entry.secretName !== 'string') continue;
        const secret = this.keptSecret(entry.secretName, 'secret[]');
        env[entry.envName] = new Code(`kplus.EnvValue.fromSecretValue({ secret: ${secret.code}, key: ${str(String(entry.secretKey ?? 'value'))} })`);
      }
    }
    this.envSettings = envSettings;
    const envFromRaw = this.use('extraEnvFrom');
    const envFrom: Code[] = [];
    if (envFromRaw !== undefined) {
      let parsed: unknown = envFromRaw;
      if (typeof envFromRaw === 'string') {
        if (envFromRaw.includes('{{')) {
          this.report('extraEnvFrom', 'a Helm template', 'write the Secret / ConfigMap names without templates');
        } else {
          parsed = YAML.parse(envFromRaw);
        }
      }
      if (Array.isArray(parsed)) {
        for (const entry of parsed) {
          if (isMap(entry) && isMap(entry.secretRef) && typeof entry.secretRef.name === 'string') {
            envFrom.push(new Code(`kplus.Env.fromSecret(${this.keptSecret(entry.secretRef.name, 'extraEnvFrom').code})`));
          } else if (isMap(entry) && isMap(entry.configMapRef) && typeof entry.configMapRef.name === 'string') {
            envFrom.push(new Code(`kplus.Env.fromConfigMap(${this.keptConfigMap(entry.configMapRef.name, 'extraEnvFrom').code})`));
          }
        }
      }
    }
    this.envFrom = envFrom;
    for (const kind of ['extraSecrets', 'extraConfigMaps']) {
      const map = this.use(kind);
      if (isMap(map)) {
        for (const name of Object.keys(map)) {
          const resolved = name.replace(/\{\{\s*\.Release\.Name\s*\}\}/g, this.release);
          this.reports.push({ path: `${kind}.${name}`, what: `${kind === 'extraSecrets' ? 'Secret' : 'ConfigMap'} '${resolved}' created by the chart`, instead: `keep it: \`kubectl annotate ${kind === 'extraSecrets' ? 'secret' : 'configmap'} ${resolved} helm.sh/resource-policy=keep\` before \`helm uninstall\`` });
        }
      }
    }
    void props;
    return env;
  }

  private secretsProps(props: Record<string, unknown>): void {
    const secrets: Record<string, unknown> = {};
    const pick = (valuePath: string, literalPath: string, fallback: string) => {
      const named = this.use(valuePath);
      this.use(literalPath);
      return typeof named === 'string' && named ? named : fallback;
    };
    // chart templates/secrets/fernetkey-secret.yaml: Secret `<release>-fernet-key`, key `fernet-key`.
    const fernet = pick('fernetKeySecretName', 'fernetKey', `${this.release}-fernet-key`);
    secrets.fernetKey = new Commented(new Code(`{ secret: ${this.keptSecret(fernet, 'the Fernet key: every stored connection and variable needs it').code}, key: 'fernet-key' }`),
      'fernetKeySecretName: the chart\'s Fernet key, never a new one');
    if (this.version.isAirflow3) {
      const api = pick('apiSecretKeySecretName', 'apiSecretKey', `${this.fullname}-api-secret-key`);
      secrets.apiSecretKey = new Commented(new Code(`{ secret: ${this.keptSecret(api, 'the API secret key').code}, key: 'api-secret-key' }`), 'apiSecretKeySecretName');
      const jwt = pick('jwtSecretName', 'jwtSecret', `${this.release}-jwt-secret`);
      secrets.jwtSecret = new Commented(new Code(`{ secret: ${this.keptSecret(jwt, 'the JWT secret').code}, key: 'jwt-secret' }`), 'jwtSecretName');
      this.use('webserverSecretKeySecretName');
      this.use('webserverSecretKey');
    } else {
      const web = pick('webserverSecretKeySecretName', 'webserverSecretKey', `${this.fullname}-webserver-secret-key`);
      secrets.webserverSecretKey = new Commented(new Code(`{ secret: ${this.keptSecret(web, 'the webserver secret key').code}, key: 'webserver-secret-key' }`), 'webserverSecretKeySecretName');
      this.use('apiSecretKeySecretName');
      this.use('apiSecretKey');
      this.use('jwtSecretName');
      this.use('jwtSecret');
    }
    props.secrets = new Commented(secrets, 'the chart\'s Secrets, kept by their Helm names');
  }

  private databaseProps(props: Record<string, unknown>): void {
    const secretName = this.use('data.metadataSecretName');
    const pgbouncer = this.use('pgbouncer.enabled') === true;
    const embedded = this.use('postgresql.enabled') !== false;
    this.use('data.metadataConnection');
    let secret: Code;
    let comment: string;
    if (typeof secretName === 'string' && secretName) {
      secret = this.keptSecret(secretName, 'the metadata database connection (data.metadataSecretName)');
      comment = 'data.metadataSecretName (key `connection`)';
    } else if (pgbouncer) {
      const direct = `${this.fullname}-metadata-direct`;
      secret = this.keptSecret(direct, 'the metadata database URL without the chart\'s PgBouncer: CREATE it before applying');
      comment = `pgbouncer.enabled: ${this.fullname}-metadata points at the chart's PgBouncer, which goes away; create ${direct} (key \`connection\`) with the direct URL`;
      this.reports.push({ path: 'data.metadataConnection', what: `the chart's ${this.fullname}-metadata Secret connects through the chart's PgBouncer`, instead: `create Secret ${direct} with key \`connection\` = the direct database URL (host ${embedded ? `${this.release}-postgresql.${this.options.releaseNamespace}` : get(this.values, 'data.metadataConnection.host') ?? '<your database host>'}) before applying` });
    } else {
      secret = this.keptSecret(`${this.fullname}-metadata`, 'the metadata database connection the chart wrote');
      comment = embedded
        ? `postgresql.enabled: ${this.fullname}-metadata points at the running ${this.release}-postgresql; keep its StatefulSet and claim (data-${this.release}-postgresql-0) through the cut-over, later pg_dump / pg_restore into your own database and change this Secret`
        : 'data.metadataConnection: the chart\'s Secret (key `connection`)';
    }
    const protocol = get(this.values, 'data.metadataConnection.protocol');
    const engine = protocol === 'mysql' ? ', engine: airflow.DatabaseEngine.MYSQL' : '';
    // KEDA reads a libpq URL: the chart's Secret holds `postgresql://...?sslmode=...` under `connection` (chart
    // templates/secrets/metadata-connection-secret.yaml), which its ScaledObject reads too (AIRFLOW_CONN_AIRFLOW_DB).
    const keda = get(this.values, 'workers.keda.enabled') === true || get(this.values, 'triggerer.keda.enabled') === true;
    const kedaConnection = keda ? `, kedaConnection: { secret: ${secret.code}, key: 'connection' }` : '';
    props.database = new Commented(new Code(`airflow.MetadataDatabase.external({ connection: { secret: ${secret.code}, key: 'connection' }${kedaConnection}${engine} })`), comment);
    if (pgbouncer) {
      const options: Record<string, unknown> = {};
      const replicas = this.use('pgbouncer.replicas');
      if (typeof replicas === 'number') options.replicas = new Commented(replicas, 'pgbouncer.replicas');
      const maxClientConn = this.use('pgbouncer.maxClientConn');
      if (typeof maxClientConn === 'number') options.maxClientConnections = new Commented(maxClientConn, 'pgbouncer.maxClientConn');
      const pool = this.use('pgbouncer.metadataPoolSize');
      if (typeof pool === 'number') options.defaultPoolSize = new Commented(pool, 'pgbouncer.metadataPoolSize');
      const resources = this.resources('pgbouncer.resources');
      if (resources) options.resources = new Commented(resources, 'pgbouncer.resources');
      const repo = this.use('images.pgbouncer.repository');
      const tag = this.use('images.pgbouncer.tag');
      if (typeof repo === 'string' && tag !== undefined) options.image = new Commented(`${repo}:${tag}`, 'images.pgbouncer');
      props.pgbouncer = new Commented(options, 'pgbouncer.enabled');
    }
  }

  /** `resources` of the chart as `kplus.ContainerResources`, undefined when empty; unreadable quantities reported. */
  private resources(path: string): Code | undefined {
    return this.resourcesOf(this.use(path), path);
  }

  private resourcesOf(value: unknown, path: string): Code | undefined {
    if (!isMap(value)) return undefined;
    const parts: Record<string, Record<string, Code>> = {};
    for (const bound of ['requests', 'limits']) {
      const quantities = value[bound];
      if (!isMap(quantities)) continue;
      for (const [resource, quantity] of Object.entries(quantities)) {
        const field = { 'cpu': 'cpu', 'memory': 'memory', 'ephemeral-storage': 'ephemeralStorage' }[resource];
        const code = field === 'cpu' ? cpu(quantity) : field ? sizeCode(String(quantity)) : undefined;
        if (!field || !code) {
          this.reports.push({ path: `${path}.${bound}.${resource}`, what: `quantity '${quantity}' cannot be written as a kplus resource`, instead: 'set it in the program (kplus.Cpu / Size)' });
          continue;
        }
        parts[field] = parts[field] ?? {};
        parts[field][bound === 'requests' ? 'request' : 'limit'] = code;
      }
    }
    if (Object.keys(parts).length === 0) return undefined;
    return new Code(renderTs(parts, '      ').replace(/\n\s*/g, ' ').replace(/,\s*}/g, ' }'));
  }

  private dagSource(): unknown {
    const gitEnabled = this.use('dags.gitSync.enabled') === true;
    const pvcEnabled = this.use('dags.persistence.enabled') === true;
    let git: Code | undefined;
    if (gitEnabled) {
      const g = (key: string) => this.use(`dags.gitSync.${key}`);
      const gp: Record<string, unknown> = {};
      gp.repo = new Commented(typeof g('repo') === 'string' ? g('repo') : 'https://github.com/apache/airflow.git', 'dags.gitSync.repo');
      const ref = g('ref');
      const rev = g('rev');
      const branch = g('branch');
      const gitRef = typeof ref === 'string' ? ref : typeof rev === 'string' && rev !== 'HEAD' ? rev : typeof branch === 'string' ? branch : 'v2-2-stable';
      gp.gitRef = new Commented(gitRef, 'dags.gitSync.ref / rev / branch');
      const subPath = g('subPath');
      const sub = typeof subPath === 'string' ? subPath : 'tests/dags';
      if (sub) gp.subPath = new Commented(sub, 'dags.gitSync.subPath');
      if (typeof g('depth') === 'number' && g('depth') > 0) gp.depth = new Commented(g('depth'), 'dags.gitSync.depth');
      const period = seconds(g('period')) ?? (typeof g('wait') === 'number' ? g('wait') : undefined);
      if (period !== undefined) gp.period = new Commented(new Code(`Duration.seconds(${period})`), 'dags.gitSync.period / wait');
      if (typeof g('maxFailures') === 'number' && g('maxFailures') > 0) gp.maxFailures = new Commented(g('maxFailures'), 'dags.gitSync.maxFailures');
      const sshKeySecret = g('sshKeySecret');
      const sshKey = g('sshKey');
      const knownHosts = g('knownHosts');
      const credentials = g('credentialsSecret');
      if (typeof sshKeySecret === 'string' || typeof sshKey === 'string') {
        const name = typeof sshKeySecret === 'string' ? sshKeySecret : `${this.fullname}-ssh-secret`;
        const secret = this.keptSecret(name, 'the git-sync SSH key');
        const auth: Record<string, unknown> = { privateKey: new Code(`{ secret: ${secret.code}, key: 'gitSshKey' }`) };
        if (typeof knownHosts === 'string' && knownHosts.trim()) {
          auth.knownHosts = new Commented(knownHosts.trim(), 'dags.gitSync.knownHosts');
        } else {
          auth.disableHostKeyChecking = new Commented(true, 'dags.gitSync.knownHosts is not set: the chart did not check host keys either');
          this.reports.push({ path: 'dags.gitSync.knownHosts', what: 'not set: host keys are not checked', instead: 'add `knownHosts` (`ssh-keyscan <host>`, checked against the server\'s fingerprints)' });
        }
        gp.auth = new Commented(new Code(`airflow.GitAuth.ssh(${renderTs(auth, '        ')})`), 'dags.gitSync.sshKeySecret (key `gitSshKey`)');
      } else if (typeof credentials === 'string') {
        const secret = this.keptSecret(credentials, 'git-sync credentials');
        gp.auth = new Commented(new Code(`airflow.GitAuth.https({ username: 'FILL-IN', password: { secret: ${secret.code}, key: 'GIT_SYNC_PASSWORD' } })`),
          `dags.gitSync.credentialsSecret: write the user name held in ${credentials} key GIT_SYNC_USERNAME`);
        this.reports.push({ path: 'dags.gitSync.credentialsSecret', what: 'the git user name is read from the Secret by the chart', instead: `replace 'FILL-IN' with the user name in Secret ${credentials} (key GIT_SYNC_USERNAME)` });
      }
      const resources = this.resources('dags.gitSync.resources');
      if (resources) gp.resources = new Commented(resources, 'dags.gitSync.resources');
      const repo = this.use('images.gitSync.repository');
      const tag = this.use('images.gitSync.tag');
      if (typeof repo === 'string' && tag !== undefined) gp.image = new Commented(`${repo}:${tag}`, 'images.gitSync');
      git = new Code(`new airflow.GitSyncSidecar(${renderTs(gp, '      ')})`);
    }
    if (pvcEnabled) {
      const existing = this.use('dags.persistence.existingClaim');
      const name = typeof existing === 'string' && existing ? existing : `${this.release}-dags`;
      const claim = this.keptClaim(name, 'the DAG claim');
      for (const key of ['size', 'storageClassName', 'accessMode']) this.use(`dags.persistence.${key}`);
      const pp: Record<string, unknown> = { claim: new Commented(claim, 'dags.persistence.existingClaim, or the chart\'s <release>-dags') };
      const subPath = this.use('dags.persistence.subPath');
      if (typeof subPath === 'string' && subPath && git) {
        this.reports.push({ path: 'dags.persistence.subPath', what: `folder '${subPath}' of the claim`, instead: 'git-sync writes the whole claim (PvcDagSource has no subPath with a writer); the DAG folder is git-sync\'s subPath' });
      } else if (typeof subPath === 'string' && subPath) {pp.subPath = new Commented(subPath, 'dags.persistence.subPath');}
      if (git) pp.populatedBy = new Commented(git, 'dags.gitSync: git-sync writes the claim, the only writer');
      return new Commented(new Code(`new airflow.PvcDagSource(${renderTs(pp, '      ')})`), 'dags.persistence.enabled');
    }
    if (git) return new Commented(git, 'dags.gitSync.enabled');
    return undefined;
  }

  private irsaRole(): string | undefined {
    for (const component of ['workers', 'scheduler', 'triggerer', 'apiServer', 'webserver']) {
      const arn = get(this.values, `${component}.serviceAccount.annotations`)?.['eks.amazonaws.com/role-arn'];
      if (typeof arn === 'string') return arn;
    }
    return undefined;
  }

  private logs(env: Record<string, unknown>): unknown {
    const remote = get(this.values, 'config.logging.remote_logging');
    const folder = get(this.values, 'config.logging.remote_base_log_folder');
    this.handled.add('config.logging.remote_logging');
    this.handled.add('config.logging.remote_base_log_folder');
    if ((remote === true || String(remote).toLowerCase() === 'true') && typeof folder === 'string') {
      const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(folder);
      if (s3) {
        const sp: Record<string, unknown> = { bucket: new Commented(s3[1], 'config.logging.remote_base_log_folder') };
        if (s3[2]) sp.prefix = s3[2].replace(/\/$/, '');
        const connId = String(get(this.values, 'config.logging.remote_log_conn_id') ?? 'aws_default');
        this.handled.add('config.logging.remote_log_conn_id');
        const connEnv = `AIRFLOW_CONN_${connId.toUpperCase()}`;
        const role = this.irsaRole();
        const fromSecret = (get(this.values, 'secret') ?? []).find((e: any) => isMap(e) && e.envName === connEnv);
        if (role) {
          // the chart gives each component its own ServiceAccount annotations (kept below, per component): boto3 finds
          // the IRSA web identity of each pod, so the logs use the pod's environment rather than one role for all.
          sp.credentials = new Commented(new Code('airflow.S3Credentials.fromEnvironment()'), `<component>.serviceAccount.annotations eks.amazonaws.com/role-arn (IRSA, e.g. ${role})`);
        } else if (fromSecret) {
          sp.connection = new Commented(new Code(`{ secret: ${this.keptSecret(fromSecret.secretName, 'the log connection').code}, key: ${str(String(fromSecret.secretKey ?? 'value'))} }`), `secret ${connEnv}`);
          delete env[connEnv];
        } else {
          sp.credentials = new Commented(new Code('airflow.S3Credentials.fromEnvironment()'), `config.logging.remote_log_conn_id ${connId}: no IRSA role or connection Secret found`);
          this.reports.push({ path: 'config.logging.remote_log_conn_id', what: `connection '${connId}' is not in \`secret\``, instead: 'the program uses the pods\' default AWS credentials; give `connection` or `S3Credentials.fromServiceAccountRole` if that is not what you run' });
        }
        const encrypt = this.use('config.logging.encrypt_s3_logs');
        if (encrypt === true || String(encrypt).toLowerCase() === 'true') sp.encrypt = true;
        return new Commented(new Code(`airflow.AirflowLogs.s3(${renderTs(sp, '      ')})`), 'config.logging.remote_logging with an s3:// folder');
      }
      this.report('config.logging.remote_base_log_folder', `remote logging to '${folder}'`, 'only s3:// is converted; use `AirflowLogs.gcs(...)` for gs://, or set the [logging] settings through `unknownSettings`');
    }
    if (this.use('logs.persistence.enabled') === true) {
      const existing = this.use('logs.persistence.existingClaim');
      const name = typeof existing === 'string' && existing ? existing : `${this.release}-logs`;
      this.use('logs.persistence.size');
      this.use('logs.persistence.storageClassName');
      return new Commented(new Code(`airflow.AirflowLogs.persistentVolume({ claim: ${this.keptClaim(name, 'the task logs claim').code} })`), 'logs.persistence (the kept claim)');
    }
    return undefined;
  }

  private placement(component: string, target: Record<string, unknown>): void {
    for (const key of ['nodeSelector', 'affinity', 'tolerations']) {
      const own = this.use(`${component}.${key}`);
      const global = this.use(key);
      const value = isEmpty(own) ? global : own;
      if (!isEmpty(value)) target[key] = new Commented(value, isEmpty(own) ? key : `${component}.${key}`);
    }
  }

  /** The options every component and pool shares: placement, resources, SA annotations, extras, env. */
  private common(component: string, env: Record<string, unknown>, target: Record<string, unknown>, forTaskPods: boolean = false): void {
    const resources = this.resources(`${component}.resources`);
    if (resources) target.resources = new Commented(resources, `${component}.resources`);
    this.placement(component, target);
    const annotations = this.use(`${component}.serviceAccount.annotations`);
    if (isMap(annotations) && Object.keys(annotations).length) target.serviceAccountAnnotations = new Commented(annotations, `${component}.serviceAccount.annotations`);
    this.use(`${component}.serviceAccount`);
    const podAnnotations = this.use(`${component}.podAnnotations`);
    if (isMap(podAnnotations) && Object.keys(podAnnotations).length && !forTaskPods) target.podAnnotations = new Commented(podAnnotations, `${component}.podAnnotations`);
    const labels = this.use(`${component}.labels`);
    if (isMap(labels) && Object.keys(labels).length && !forTaskPods) target.podLabels = new Commented(labels, `${component}.labels`);
    const priority = this.use(`${component}.priorityClassName`);
    if (typeof priority === 'string' && priority) target.priorityClassName = new Commented(priority, `${component}.priorityClassName`);
    const tgps = this.use(`${component}.terminationGracePeriodSeconds`);
    if (typeof tgps === 'number') target.terminationGracePeriod = new Commented(new Code(`Duration.seconds(${tgps})`), `${component}.terminationGracePeriodSeconds`);
    const volumes = this.extraVolumes(component);
    if (volumes.list.length) target.extraVolumes = new Commented(volumes.list.map(v => v.code), `${component}.extraVolumes`);
    const mounts = this.mounts(`${component}.extraVolumeMounts`, volumes.byName);
    if (mounts.length) target.extraVolumeMounts = new Commented(mounts, `${component}.extraVolumeMounts`);
    for (const kind of ['extraContainers', 'extraInitContainers']) {
      const containers = this.containers(`${component}.${kind}`, volumes.byName);
      if (containers.length) target[kind] = new Commented(containers, `${component}.${kind}`);
    }
    const own = this.componentEnv(component);
    const merged = { ...env, ...own };
    if (Object.keys(merged).length && !forTaskPods) target.envVariables = new Commented(new Code(Object.keys(own).length ? `{ ...env, ${Object.entries(own).map(([k, v]) => `${str(k)}: ${renderTs(v)}`).join(', ')} }` : 'env'), Object.keys(own).length ? `env, ${component}.env` : 'env, secret');
    const envFrom = this.envFrom;
    if (envFrom.length) target.envFrom = new Commented(envFrom, 'extraEnvFrom');
  }

  private componentEnv(component: string): Record<string, unknown> {
    const list = this.use(`${component}.env`);
    const env: Record<string, unknown> = {};
    if (!Array.isArray(list)) return env;
    for (const entry of list) {
      if (!isMap(entry) || typeof entry.name !== 'string') continue;
      if (entry.value !== undefined) {env[entry.name] = new Code(`kplus.EnvValue.fromValue(${str(String(entry.value))})`);} else if (isMap(entry.valueFrom?.secretKeyRef)) {
        const ref = entry.valueFrom.secretKeyRef;
        env[entry.name] = new Code(`kplus.EnvValue.fromSecretValue({ secret: ${this.keptSecret(ref.name, `${component}.env`).code}, key: ${str(ref.key)} })`);
      } else if (isMap(entry.valueFrom?.configMapKeyRef)) {
        const ref = entry.valueFrom.configMapKeyRef;
        env[entry.name] = new Code(`kplus.EnvValue.fromConfigMap(${this.keptConfigMap(ref.name, `${component}.env`).code}, ${str(ref.key)})`);
      } else {
        this.reports.push({ path: `${component}.env`, what: `variable ${entry.name} uses a valueFrom the converter does not read`, instead: 'add it to `envVariables` in the program' });
      }
    }
    return env;
  }

  private extraVolumes(component: string): { list: Array<{ name: string; code: Code }>; byName: Map<string, string> } {
    const list: Array<{ name: string; code: Code }> = [];
    const byName = new Map<string, string>();
    const raw = this.use(`${component}.extraVolumes`);
    if (!Array.isArray(raw)) return { list, byName };
    for (const volume of raw) {
      if (!isMap(volume) || typeof volume.name !== 'string') continue;
      const id = str(`${pascal(component)}Volume${pascal(volume.name)}`);
      let code: string | undefined;
      if (isMap(volume.configMap) && typeof volume.configMap.name === 'string') {
        code = `kplus.Volume.fromConfigMap(this, ${id}, ${this.keptConfigMap(volume.configMap.name, `${component}.extraVolumes`).code}, { name: ${str(volume.name)} })`;
      } else if (isMap(volume.secret) && typeof volume.secret.secretName === 'string') {
        code = `kplus.Volume.fromSecret(this, ${id}, ${this.keptSecret(volume.secret.secretName, `${component}.extraVolumes`).code}, { name: ${str(volume.name)} })`;
      } else if (isMap(volume.emptyDir) || volume.emptyDir === null) {
        code = `kplus.Volume.fromEmptyDir(this, ${id}, ${str(volume.name)})`;
      } else if (isMap(volume.persistentVolumeClaim) && typeof volume.persistentVolumeClaim.claimName === 'string') {
        code = `kplus.Volume.fromPersistentVolumeClaim(this, ${id}, ${this.keptClaim(volume.persistentVolumeClaim.claimName, `${component}.extraVolumes`).code}, { name: ${str(volume.name)} })`;
      }
      if (!code) {
        this.reports.push({ path: `${component}.extraVolumes`, what: `volume '${volume.name}' of a kind the converter does not write`, instead: 'add it with `kplus.Volume.from...` in the program' });
        continue;
      }
      const variable = `volume${pascal(component)}${pascal(volume.name)}`;
      this.preamble.push(`const ${variable} = ${code};`);
      list.push({ name: volume.name, code: new Code(variable) });
      byName.set(volume.name, variable);
    }
    return { list, byName };
  }

  private mounts(path: string, volumes: Map<string, string>): Code[] {
    return this.mountsOf(this.use(path), path, volumes);
  }

  private mountsOf(raw: unknown, path: string, volumes: Map<string, string>): Code[] {
    const result: Code[] = [];
    if (!Array.isArray(raw)) return result;
    for (const mount of raw) {
      if (!isMap(mount) || typeof mount.name !== 'string' || typeof mount.mountPath !== 'string') continue;
      const volume = volumes.get(mount.name);
      if (!volume) {
        this.reports.push({ path, what: `mount of volume '${mount.name}', which is not one of the converted extraVolumes`, instead: 'mount it in the program' });
        continue;
      }
      const parts = [`path: ${str(mount.mountPath)}`, `volume: ${volume}`];
      if (mount.readOnly === true) parts.push('readOnly: true');
      if (typeof mount.subPath === 'string') parts.push(`subPath: ${str(mount.subPath)}`);
      result.push(new Code(`{ ${parts.join(', ')} }`));
    }
    return result;
  }

  private containers(path: string, volumes: Map<string, string>): Code[] {
    const raw = this.use(path);
    const result: Code[] = [];
    if (!Array.isArray(raw)) return result;
    const known = new Set(['name', 'image', 'command', 'args', 'env', 'ports', 'resources', 'volumeMounts', 'imagePullPolicy', 'workingDir']);
    for (const container of raw) {
      if (!isMap(container) || typeof container.image !== 'string') continue;
      const parts: string[] = [];
      if (typeof container.name === 'string') parts.push(`name: ${str(container.name)}`);
      parts.push(`image: ${str(container.image)}`);
      if (Array.isArray(container.command)) parts.push(`command: ${renderTs(container.command.map(String)).replace(/\n\s*/g, ' ')}`);
      if (Array.isArray(container.args)) parts.push(`args: ${renderTs(container.args.map(String)).replace(/\n\s*/g, ' ')}`);
      if (typeof container.workingDir === 'string') parts.push(`workingDir: ${str(container.workingDir)}`);
      if (Array.isArray(container.env)) {
        const env = container.env.filter((e: any) => isMap(e) && typeof e.name === 'string' && e.value !== undefined)
          .map((e: any) => `${str(e.name)}: kplus.EnvValue.fromValue(${str(String(e.value))})`);
        if (env.length) parts.push(`envVariables: { ${env.join(', ')} }`);
        if (env.length !== container.env.length) this.reports.push({ path, what: `container '${container.name}': env entries with valueFrom`, instead: 'add them in the program' });
      }
      if (Array.isArray(container.ports)) {
        const ports = container.ports.filter((p: any) => isMap(p) && typeof p.containerPort === 'number')
          .map((p: any) => `{ number: ${p.containerPort}${typeof p.name === 'string' ? `, name: ${str(p.name)}` : ''} }`);
        if (ports.length) parts.push(`ports: [${ports.join(', ')}]`);
      }
      if (isMap(container.resources)) {
        const resources = this.resourcesOf(container.resources, `${path}.resources`);
        if (resources) parts.push(`resources: ${resources.code}`);
      }
      if (Array.isArray(container.volumeMounts)) {
        const mounts = this.mountsOf(container.volumeMounts, `${path}.volumeMounts`, volumes);
        if (mounts.length) parts.push(`volumeMounts: [${mounts.map(m => m.code).join(', ')}]`);
      }
      const unknown = Object.keys(container).filter(k => !known.has(k));
      if (unknown.length) this.reports.push({ path, what: `container '${container.name}': ${unknown.join(', ')} not converted`, instead: 'the library runs extra containers Pod Security "restricted"; add what is missing in the program' });
      result.push(new Code(`{ ${parts.join(', ')} }`));
    }
    return result;
  }

  private components(props: Record<string, unknown>, env: Record<string, unknown>): void {
    const web = this.version.isAirflow3 ? 'apiServer' : 'webserver';
    const other = this.version.isAirflow3 ? 'webserver' : 'apiServer';
    for (const component of ['scheduler', web, 'triggerer', 'dagProcessor']) {
      const options: Record<string, unknown> = {};
      const enabled = this.use(`${component}.enabled`);
      if (enabled === false) {
        if (component === 'triggerer' || component === 'dagProcessor') options.enabled = new Commented(false, `${component}.enabled`);
        else this.reports.push({ path: `${component}.enabled`, what: `the ${component} is off`, instead: 'the library always runs it' });
      } else if (component === 'dagProcessor' && enabled === true && !this.version.isAirflow3) {
        options.enabled = new Commented(true, 'dagProcessor.enabled');
      }
      const replicas = this.use(`${component}.replicas`);
      if (typeof replicas === 'number') options.replicas = new Commented(replicas, `${component}.replicas`);
      this.common(component, env, options);
      if (component === 'triggerer' && this.use('triggerer.keda.enabled') === true) {
        const keda: Record<string, unknown> = {};
        const min = this.use('triggerer.keda.minReplicaCount');
        const max = this.use('triggerer.keda.maxReplicaCount');
        if (typeof min === 'number') keda.minReplicas = min;
        if (typeof max === 'number') keda.maxReplicas = max;
        options.autoscaling = new Commented(new Code(`airflow.WorkerAutoscaling.keda(${renderTs(keda).replace(/\n\s*/g, ' ')})`), 'triggerer.keda');
        delete options.replicas;
      }
      if (Object.keys(options).length) props[component] = options;
    }
    if (isMap(this.values[other]) && Object.keys(this.values[other]).length) {
      this.report(other, `${other} settings`, `Airflow ${this.version.major} has no ${other}: the chart ignored them too`);
    }
  }

  private executor(kind: { celery: boolean; kubernetes: boolean; legacyCeleryKubernetes: boolean }, env: Record<string, unknown>): unknown {
    let celery: Record<string, unknown> | undefined;
    let kubernetes: Record<string, unknown> | undefined;
    if (kind.celery) {
      celery = {};
      const pool: Record<string, unknown> = { name: 'default' };
      const replicas = this.use('workers.replicas');
      if (typeof replicas === 'number') pool.replicas = new Commented(replicas, 'workers.replicas');
      const concurrency = get(this.values, 'config.celery.worker_concurrency');
      this.handled.add('config.celery.worker_concurrency');
      if (concurrency !== undefined && /^\d+$/.test(String(concurrency))) pool.workerConcurrency = new Commented(Number(concurrency), 'config.celery.worker_concurrency');
      // chart workers/worker-deployment.yaml: a StatefulSet only when workers.persistence.enabled and not logs.persistence.enabled.
      const persistence = this.use('workers.persistence.enabled') === false || get(this.values, 'logs.persistence.enabled') === true ? false : true;
      pool.workloadKind = new Commented(new Code(`airflow.WorkerWorkloadKind.${persistence === false ? 'DEPLOYMENT' : 'STATEFUL_SET'}`), 'workers.persistence.enabled');
      const size = this.use('workers.persistence.size');
      if (persistence !== false && typeof size === 'string' && sizeCode(size)) pool.logsStorage = new Commented(sizeCode(size), 'workers.persistence.size');
      const storageClass = this.use('workers.persistence.storageClassName');
      if (persistence !== false && typeof storageClass === 'string' && storageClass) pool.logsStorageClassName = new Commented(storageClass, 'workers.persistence.storageClassName');
      const safe = this.use('workers.safeToEvict');
      if (typeof safe === 'boolean') pool.safeToEvict = new Commented(safe, 'workers.safeToEvict');
      if (this.use('workers.keda.enabled') === true) {
        const keda: Record<string, unknown> = {};
        for (const [from, to] of [['minReplicaCount', 'minReplicas'], ['maxReplicaCount', 'maxReplicas']]) {
          const v = this.use(`workers.keda.${from}`);
          if (typeof v === 'number') keda[to] = v;
        }
        for (const [from, to] of [['pollingInterval', 'pollingInterval'], ['cooldownPeriod', 'cooldownPeriod']]) {
          const v = this.use(`workers.keda.${from}`);
          if (typeof v === 'number') keda[to] = new Code(`Duration.seconds(${v})`);
        }
        pool.autoscaling = new Commented(new Code(`airflow.WorkerAutoscaling.keda(${renderTs(keda).replace(/\n\s*/g, ' ')})`), 'workers.keda');
        delete pool.replicas;
      } else if (this.use('workers.hpa.enabled') === true) {
        const hpa: Record<string, unknown> = {};
        for (const [from, to] of [['minReplicaCount', 'minReplicas'], ['maxReplicaCount', 'maxReplicas']]) {
          const v = this.use(`workers.hpa.${from}`);
          if (typeof v === 'number') hpa[to] = v;
        }
        pool.autoscaling = new Commented(new Code(`airflow.WorkerAutoscaling.hpa(${renderTs(hpa).replace(/\n\s*/g, ' ')})`), 'workers.hpa');
        delete pool.replicas;
      }
      this.common('workers', env, pool);
      delete pool.podLabels;
      delete pool.podAnnotations;
      delete pool.priorityClassName;
      delete pool.envFrom;
      celery.pools = [pool];
      celery.broker = this.broker();
      const resultName = this.use('data.resultBackendSecretName');
      if (typeof resultName === 'string' && resultName) {
        celery.resultBackend = new Commented(new Code(`{ secret: ${this.keptSecret(resultName, 'the Celery result backend').code}, key: 'connection' }`), 'data.resultBackendSecretName');
      } else if (this.use('data.resultBackendConnection')) {
        celery.resultBackend = new Commented(new Code(`{ secret: ${this.keptSecret(`${this.fullname}-result-backend`, 'the Celery result backend').code}, key: 'connection' }`), 'data.resultBackendConnection (the chart\'s Secret)');
      }
      if (this.use('flower.enabled') === true) celery.flower = new Commented({}, 'flower.enabled');
    }
    if (kind.kubernetes) {
      kubernetes = {};
      this.common('workers', env, kubernetes, true);
      delete kubernetes.serviceAccountAnnotations;
      const annotations = get(this.values, 'workers.serviceAccount.annotations');
      if (isMap(annotations) && Object.keys(annotations).length) kubernetes.serviceAccountAnnotations = new Commented(annotations, 'workers.serviceAccount.annotations');
      delete kubernetes.envFrom;
      if (Object.keys(env).length || this.envFrom.length) {
        this.reports.push({ path: 'env', what: 'the chart also gave `env`, `secret` and `extraEnvFrom` to KubernetesExecutor task pods', instead: 'task pods get the Airflow settings from airflow.cfg; give other variables to tasks through `executor_config` or a pod_override' });
      }
    }
    const celeryCode = celery ? renderTs(celery, '      ') : '{}';
    const kubernetesCode = kubernetes ? renderTs(kubernetes, '      ') : '{}';
    const executorName = String(get(this.values, 'executor') ?? 'CeleryExecutor (chart default)');
    if (celery && kubernetes) {
      const method = kind.legacyCeleryKubernetes ? 'celeryKubernetes' : 'celeryAndKubernetes';
      return new Commented(new Code(`airflow.AirflowExecutor.${method}(${celeryCode}, ${kubernetesCode})`), `executor: ${executorName}`);
    }
    if (celery) return new Commented(new Code(`airflow.AirflowExecutor.celery(${celeryCode})`), `executor: ${executorName}`);
    return new Commented(new Code(`airflow.AirflowExecutor.kubernetes(${kubernetesCode})`), `executor: ${executorName}`);
  }

  private broker(): unknown {
    this.use('redis.enabled');
    const urlSecret = this.use('data.brokerUrlSecretName');
    if (typeof urlSecret === 'string' && urlSecret) {
      return new Commented(new Code(`airflow.CeleryBroker.external({ url: { secret: ${this.keptSecret(urlSecret, 'the broker URL').code}, key: 'connection' } })`), 'data.brokerUrlSecretName');
    }
    if (this.use('data.brokerUrl')) {
      return new Commented(new Code(`airflow.CeleryBroker.external({ url: { secret: ${this.keptSecret(`${this.release}-broker-url`, 'the broker URL').code}, key: 'connection' } })`), 'data.brokerUrl (the chart\'s Secret)');
    }
    this.use('redis.enabled');
    const passwordName = this.use('redis.passwordSecretName');
    this.use('redis.password');
    const name = typeof passwordName === 'string' && passwordName ? passwordName : `${this.release}-redis-password`;
    const rp: Record<string, unknown> = { password: new Commented(new Code(`{ secret: ${this.keptSecret(name, 'the Redis password').code}, key: 'password' }`), 'redis.passwordSecretName, or the chart\'s <release>-redis-password') };
    const size = this.use('redis.persistence.size');
    if (typeof size === 'string' && sizeCode(size)) rp.persistentStorage = new Commented(sizeCode(size), 'redis.persistence.size');
    const storageClass = this.use('redis.persistence.storageClassName');
    if (typeof storageClass === 'string' && storageClass) rp.storageClassName = new Commented(storageClass, 'redis.persistence.storageClassName');
    const resources = this.resources('redis.resources');
    if (resources) rp.resources = new Commented(resources, 'redis.resources');
    const repo = this.use('images.redis.repository');
    const tag = this.use('images.redis.tag');
    if (typeof repo === 'string' && tag !== undefined) rp.image = new Commented(`${repo}:${tag}`, 'images.redis');
    return new Commented(new Code(`airflow.CeleryBroker.embeddedRedis(${renderTs(rp, '        ')})`), 'redis.enabled (chart default): Redis again, with the chart\'s password; queued messages are not carried over');
  }

  private metrics(props: Record<string, unknown>): void {
    if (this.use('statsd.enabled') === false) return;
    const sp: Record<string, unknown> = {};
    const resources = this.resources('statsd.resources');
    if (resources) sp.resources = new Commented(resources, 'statsd.resources');
    const repo = this.use('images.statsd.repository');
    const tag = this.use('images.statsd.tag');
    if (typeof repo === 'string' && tag !== undefined) sp.image = new Commented(`${repo}:${tag}`, 'images.statsd');
    props.metrics = new Commented(new Code(`airflow.AirflowMetrics.statsd(${renderTs(sp, '      ')})`), 'statsd.enabled (chart default true)');
  }

  private ingress(props: Record<string, unknown>): void {
    const key = this.version.isAirflow3 ? 'apiServer' : 'web';
    const legacy = this.use('ingress.enabled');
    const ing = this.use(`ingress.${key}`);
    this.use(`ingress.${this.version.isAirflow3 ? 'web' : 'apiServer'}`);
    if (!isMap(ing) || (ing.enabled !== true && legacy !== true)) {
      if (isMap(get(this.values, `ingress.${this.version.isAirflow3 ? 'web' : 'apiServer'}`)) && get(this.values, `ingress.${this.version.isAirflow3 ? 'web' : 'apiServer'}.enabled`) === true) {
        this.report(`ingress.${this.version.isAirflow3 ? 'web' : 'apiServer'}`, `an Ingress for the ${this.version.isAirflow3 ? 'Airflow 2 webserver' : 'Airflow 3 API server'}`, `Airflow ${this.version.major} serves the UI from the ${this.version.isAirflow3 ? 'API server: move the settings to ingress.apiServer' : 'webserver: move the settings to ingress.web'}`);
      }
      return;
    }
    const ip: Record<string, unknown> = {};
    if (typeof ing.ingressClassName === 'string' && ing.ingressClassName) ip.ingressClassName = ing.ingressClassName;
    const hosts = Array.isArray(ing.hosts) ? ing.hosts : [];
    const first = hosts[0];
    const host = typeof first === 'string' ? first : isMap(first) ? first.name : undefined;
    if (typeof host === 'string' && host) ip.host = host;
    if (hosts.length > 1) this.reports.push({ path: `ingress.${key}.hosts`, what: `${hosts.length} hosts`, instead: 'the library\'s Ingress serves one host (the first); add a kplus.Ingress for the others' });
    if (typeof ing.path === 'string' && ing.path && ing.path !== '/') ip.path = ing.path;
    const tlsName = isMap(first) && isMap(first.tls) && first.tls.enabled !== false && typeof first.tls.secretName === 'string' ? first.tls.secretName
      : isMap(ing.tls) && ing.tls.enabled === true && typeof ing.tls.secretName === 'string' ? ing.tls.secretName : undefined;
    if (tlsName) ip.tls = new Commented(this.keptSecret(tlsName, 'the Ingress TLS certificate'), 'tls.secretName');
    if (isMap(ing.annotations) && Object.keys(ing.annotations).length) ip.annotations = ing.annotations;
    props.ingress = new Commented(ip, `ingress.${key}`);
  }

  private misc(props: Record<string, unknown>, executor: { kubernetes: boolean }): void {
    const pullSecrets: Code[] = [];
    const registry = this.use('registry.secretName');
    if (typeof registry === 'string' && registry) {pullSecrets.push(this.keptSecret(registry, 'image pull credentials'));} else if (this.use('registry.connection') && isMap(get(this.values, 'registry.connection')) && Object.keys(get(this.values, 'registry.connection')).length) {
      pullSecrets.push(this.keptSecret(`${this.fullname}-registry`, 'image pull credentials the chart made'));
    }
    const list = this.use('imagePullSecrets');
    if (Array.isArray(list)) {
      for (const entry of list) {
        const name = typeof entry === 'string' ? entry : isMap(entry) ? entry.name : undefined;
        if (typeof name === 'string') pullSecrets.push(this.keptSecret(name, 'image pull credentials'));
      }
    }
    if (pullSecrets.length) props.imagePullSecrets = new Commented(pullSecrets, 'registry.secretName / imagePullSecrets');
    if (this.use('networkPolicies.enabled') === true) {
      const np: Record<string, unknown> = {
        kubernetesApiCidrs: new Commented(['0.0.0.0/0'], 'the Kubernetes API (ports 443, 6443): narrow to your API server endpoints'),
        databaseEgress: new Commented([{ cidrs: ['0.0.0.0/0'], ports: [get(this.values, 'data.metadataConnection.protocol') === 'mysql' ? 3306 : 5432] }], 'the database is outside the program: narrow to its addresses'),
      };
      if (get(this.values, 'data.brokerUrlSecretName') || get(this.values, 'data.brokerUrl')) {
        np.brokerEgress = new Commented([{ cidrs: ['0.0.0.0/0'], ports: [6379] }], 'the broker is outside the program: narrow to its addresses');
      }
      if (get(this.values, 'dags.persistence.enabled') === true && get(this.values, 'dags.gitSync.enabled') === true) {
        np.dagSourceEgress = new Commented([{ cidrs: ['0.0.0.0/0'], ports: [443, 22] }], 'git-sync fills the DAG claim from the git host: narrow to its addresses');
      }
      this.reports.push({ path: 'networkPolicies.enabled', what: 'the chart allowed egress to the database and broker', instead: 'the program allows them (and the Kubernetes API) to any address on their port: narrow `databaseEgress` / `brokerEgress` / `kubernetesApiCidrs`' });
      props.networkPolicies = new Commented(np, 'networkPolicies.enabled');
    }
    const maintenance: Record<string, unknown> = {};
    if (this.use('cleanup.enabled') === true) {
      if (executor.kubernetes) {
        const schedule = this.use('cleanup.schedule');
        maintenance.podCleanup = new Commented(typeof schedule === 'string' ? { schedule } : {}, 'cleanup');
      } else {
        this.report('cleanup.enabled', 'cleans up task pods', 'only the KubernetesExecutor has task pods');
      }
    }
    if (this.use('databaseCleanup.enabled') === true) {
      const dc: Record<string, unknown> = {};
      const schedule = this.use('databaseCleanup.schedule');
      if (typeof schedule === 'string') dc.schedule = schedule;
      const days = this.use('databaseCleanup.retentionDays');
      if (typeof days === 'number') dc.retention = new Code(`Duration.days(${days})`);
      const skip = this.use('databaseCleanup.skipArchive');
      if (typeof skip === 'boolean') dc.skipArchive = skip;
      const tables = this.use('databaseCleanup.tables');
      if (Array.isArray(tables) && tables.length) dc.tables = tables.map(String);
      maintenance.databaseCleanup = new Commented(dc, 'databaseCleanup');
    }
    if (Object.keys(maintenance).length) props.maintenance = maintenance;
  }

  /** `config:` and the `AIRFLOW__*` entries of `env`, checked against the version; renamed keys rewritten. */
  private settings(props: Record<string, unknown>): void {
    const settings: Record<string, unknown> = {};
    const unknown: Record<string, unknown> = {};
    const add = (origin: string, name: string, raw: unknown) => {
      if (raw === null || raw === undefined || isMap(raw) || Array.isArray(raw)) {
        if (raw !== null && raw !== undefined) this.report(origin, 'not a single value', 'set it in the program');
        return;
      }
      const value = pyValue(raw);
      this.handled.add(origin);
      if (MANAGED_CONFIG[name]) {
        if (!this.handledByProps(name)) this.reports.push({ path: origin, what: 'a setting the library manages (the value is not copied)', instead: `the library sets it through \`${MANAGED_CONFIG[name]}\`` });
        return;
      }
      if (airflowSettingsData(this.version).sensitive.includes(name)) {
        // never a secret in the program (nor in the ConfigMap it would end in).
        this.reports.push({ path: origin, what: 'a sensitive setting (the value is not copied)', instead: `put it in a Secret and give it as \`secret: [{ envName: AIRFLOW__${name.replace('.', '__').toUpperCase()}, ... }]\`, then convert again` });
        return;
      }
      if (value.includes('{{')) {
        this.reports.push({ path: origin, what: 'a Helm template', instead: 'write the value it renders to' });
        return;
      }
      let target = name;
      let comment = origin;
      let error = checkAirflowSetting(this.version, target, value, 'config');
      const renamed = error && /renamed to '([a-z0-9_]+\.[a-z0-9_]+)'/.exec(error);
      if (renamed) {
        this.reports.push({ path: origin, what: error!, instead: `the program writes '${renamed[1]}'` });
        target = renamed[1];
        comment = `${origin} (renamed in Airflow ${this.version.major})`;
        error = MANAGED_CONFIG[target] ? `managed by the library through \`${MANAGED_CONFIG[target]}\`` : checkAirflowSetting(this.version, target, value, 'config');
        if (error) {
          this.reports.push({ path: origin, what: error, instead: 'fix or drop the value' });
          return;
        }
      } else if (error && /has no section/.test(error)) {
        unknown[target] = new Commented(value, `${origin} (a section Airflow ${this.version.version} does not define: providers, plugins)`);
        return;
      } else if (error) {
        this.reports.push({ path: origin, what: error, instead: 'fix or drop the value' });
        return;
      }
      settings[target] = new Commented(value, comment);
    };
    const config = this.use('config');
    if (isMap(config)) {
      for (const [section, entries] of Object.entries(config)) {
        if (!isMap(entries)) {
          this.report(`config.${section}`, 'not a map of settings', 'set it in the program');
          continue;
        }
        for (const [k, v] of Object.entries(entries)) add(`config.${section}.${k}`, `${section}.${k}`, v);
      }
    }
    for (const [name, value] of Object.entries(this.envSettings)) {
      add(`env ${`AIRFLOW__${name.replace('.', '__').toUpperCase()}`}`, name, value);
    }
    if (Object.keys(settings).length) props.settings = new Commented(settings, 'config, env');
    if (Object.keys(unknown).length) props.unknownSettings = new Commented(unknown, 'config sections the library has no data for');
  }

  private handledByProps(name: string): boolean {
    return ['logging.remote_logging', 'logging.remote_base_log_folder', 'logging.remote_log_conn_id', 'logging.encrypt_s3_logs', 'celery.worker_concurrency'].includes(name)
      && !this.reports.some(r => r.path === `config.${name}`);
  }

  /** Everything set and not read: reported from the table (no equivalent) or as unknown. */
  private reportRest(): void {
    const walk = (node: unknown, path: string) => {
      if (path && [...this.handled].some(h => path === h || path.startsWith(`${h}.`))) return;
      if (isMap(node) && Object.keys(node).length) {
        for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k);
        return;
      }
      if (!path) return;
      const row = helmRowOf(path);
      if (row && !row.prop) this.reports.push({ path, what: row.what, instead: row.instead ?? '' });
      else if (row) this.reports.push({ path, what: `${row.what}: this value is not converted`, instead: 'set it in the program' });
      else this.reports.push({ path, what: 'not a value of the official chart the converter knows', instead: 'check the spelling; the chart ignores unknown top-level values' });
    };
    walk(this.values, '');
  }

  private render(props: Record<string, unknown>): string {
    const lines: string[] = [];
    const sources = this.options.sourceNames?.length ? ` from ${this.options.sourceNames.join(', ')}` : '';
    lines.push(`// Generated by \`cdk8s-airflow from-helm\`${sources} (release '${this.release}', namespace '${this.options.releaseNamespace}').`);
    lines.push('// Review it, synthesize it and compare with `kubectl diff` before applying: docs/helm-migration.md.');
    lines.push('//');
    if (this.reports.length) {
      lines.push('// Values with no equivalent here (value: what it did. Instead: what to do):');
      for (const r of this.reports) lines.push(`// - ${r.path}: ${oneLine(r.what)}. Instead: ${oneLine(r.instead)}.`);
    } else {
      lines.push('// Every value was converted.');
    }
    const body: string[] = [];
    body.push('    // Kept from the Helm release: annotate each `helm.sh/resource-policy=keep` before `helm uninstall`.');
    for (const s of [...this.secrets.values()].sort((a, b) => a.name.localeCompare(b.name, 'en'))) {
      body.push(`    const ${s.variable} = kplus.Secret.fromSecretName(this, ${str(`Secret-${s.name}`)}, ${str(s.name)}); // ${oneLine(s.why)}`);
    }
    for (const c of [...this.claims.values()].sort((a, b) => a.name.localeCompare(b.name, 'en'))) {
      body.push(`    const ${c.variable} = kplus.PersistentVolumeClaim.fromClaimName(this, ${str(`Claim-${c.name}`)}, ${str(c.name)}); // ${oneLine(c.why)}`);
    }
    for (const c of [...this.configMaps.values()].sort((a, b) => a.name.localeCompare(b.name, 'en'))) {
      body.push(`    const ${c.variable} = kplus.ConfigMap.fromConfigMapName(this, ${str(`ConfigMap-${c.name}`)}, ${str(c.name)}); // ${oneLine(c.why)}`);
    }
    for (const line of this.preamble) body.push(`    ${line}`);
    const deployment = `    this.airflow = new airflow.AirflowDeployment(this, 'Airflow', ${renderTs(props, '    ')});`;
    if (/\.\.\.env\b|: env,/.test(deployment)) {
      body.push('    // env, secret: the environment of every Airflow component (the chart gave it to every pod).');
      body.push(`    const env: { [name: string]: kplus.EnvValue } = ${renderTs(this.envMap, '    ')};`);
    }
    body.push('');
    body.push(deployment);
    const cdk8sImports = ['App', 'Chart', ...['Duration', 'Size'].filter(n => body.some(l => l.includes(`${n}.`)))];
    lines.push('');
    lines.push(`import { ${cdk8sImports.join(', ')} } from 'cdk8s';`);
    lines.push("import * as kplus from 'cdk8s-plus-28';");
    lines.push("import { Construct } from 'constructs';");
    lines.push(`import * as airflow from ${str(this.options.importFrom ?? 'cdk8s-airflow')};`);
    lines.push('');
    lines.push('export class AirflowFromHelm extends Chart {');
    lines.push('  public readonly airflow: airflow.AirflowDeployment;');
    lines.push('');
    lines.push('  constructor(scope: Construct, id: string) {');
    lines.push(`    super(scope, id, { namespace: ${str(this.options.releaseNamespace)} });`);
    lines.push('');
    lines.push(...body);
    lines.push('  }');
    lines.push('}');
    lines.push('');
    lines.push('if (require.main === module) {');
    lines.push('  const app = new App();');
    lines.push(`  new AirflowFromHelm(app, ${str(this.release)});`);
    lines.push('  app.synth();');
    lines.push('}');
    lines.push('');
    return lines.join('\n');
  }

}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (isMap(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);
}

function seconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+)(s|m|h)?$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[match[2] ?? 's'];
}

function cpu(quantity: unknown): Code | undefined {
  const text = String(quantity);
  const milli = /^(\d+)m$/.exec(text);
  if (milli) return new Code(`kplus.Cpu.millis(${milli[1]})`);
  if (/^\d+(\.\d+)?$/.test(text)) return new Code(`kplus.Cpu.units(${text})`);
  return undefined;
}

function sizeCode(text: string): Code | undefined {
  const match = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(text);
  if (!match) return undefined;
  const unit = { Ki: 'kibibytes', Mi: 'mebibytes', Gi: 'gibibytes', Ti: 'tebibytes' }[match[2]];
  return new Code(`Size.${unit}(${match[1]})`);
}
