import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { rememberRender } from './app/validated-render';
import { AirflowAuth } from './auth/airflow-auth';
import { AirflowAuthBinding } from './auth/auth-binding';
import { addImagePullSecretsEverywhere } from './components/airflow-pod-extras';
import { AirflowTopology } from './components/airflow-topology';
import { AirflowApiServer, AirflowApiServerOptions, ApiServerApps, SPLIT_API_SERVER_SINCE } from './components/api-server';
import { CompactPod } from './components/compact-pod';
import { AirflowDagProcessor, AirflowDagProcessorOptions } from './components/dag-processor';
import { AirflowScheduler, AirflowSchedulerOptions } from './components/scheduler';
import { AirflowTriggerer, AirflowTriggererOptions } from './components/triggerer';
import { AirflowWebComponent, WEB_PORT } from './components/web-ui';
import { AirflowWebserver, AirflowWebserverOptions } from './components/webserver';
import { AirflowConfig } from './config/airflow-config';
import { IDagSource } from './dags/dag-source';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { DatabaseEngine, MetadataDatabase } from './database/metadata-database';
import { AirflowMigrations } from './database/migrations';
import { PgBouncer, PgBouncerOptions } from './database/pgbouncer';
import { GitOpsTool } from './deploy/git-ops';
import { checkDeploymentProps } from './deployment-props-check';
import { AirflowExecutor } from './executors/airflow-executor';
import { kedaTriggererQuery } from './executors/autoscaling-internals';
import { CeleryExecutorConfig } from './executors/celery-executor';
import { EDGE_EXECUTOR_SINCE, EdgeExecutorConfig } from './executors/edge-executor';
import { KedaDatabaseAuthentication } from './executors/keda-database-authentication';
import { KubernetesExecutorConfig } from './executors/kubernetes-executor';
import { KedaAutoscalingOptions, WorkerAutoscalerKind, WorkerAutoscaling } from './executors/worker-autoscaling';
import { AirflowIngressOptions } from './ingress/airflow-ingress';
import { AirflowLogs } from './logging/airflow-logs';
import { AirflowMaintenance, MaintenanceOptions } from './maintenance/airflow-maintenance';
import { AirflowNames } from './naming/airflow-names';
import { AirflowNetworkPolicies } from './network/airflow-network-policies';
import { NetworkPolicyOptions } from './network/network-policy-options';
import { AirflowMetrics } from './observability/airflow-metrics';
import { AirflowStatsd } from './observability/airflow-statsd';
import { AirflowPodRecipe } from './pod/airflow-pod-recipe';
import { AirflowPoolOptions, AirflowPools } from './pools/airflow-pools';
import { renderReport } from './report/deployment-report';
import { AirflowConnection, AirflowVariable, bindConnectionsAndVariables } from './secrets/airflow-connections';
import { GeneratedSecret, GeneratedSecretKey, GeneratedValue } from './secrets/generated-secret';
import { SecretGeneratorJob } from './secrets/secret-generator-job';
import { SecretsBackend } from './secrets/secrets-backend';
import { checkNamespaceName } from './utils/k8s-values';
import { AirflowVersion } from './version';
import { AirflowWarnings } from './warnings';

/**
 * Airflow's own secrets. Each one not given is generated inside the cluster once (never at synth).
 */
export interface AirflowSecretsOptions {
  /**
   * `[core] fernet_key`, which encrypts connections and variables in the database.
   *
   * @default - generated in the cluster.
   */
  readonly fernetKey?: kplus.SecretValue;
  /**
   * Airflow 3 `[api] secret_key`, shared by all components.
   *
   * @default - generated in the cluster (Airflow 3).
   */
  readonly apiSecretKey?: kplus.SecretValue;
  /**
   * Airflow 3 `[api_auth] jwt_secret`, which signs the tokens task pods use for the Execution API.
   *
   * @default - generated in the cluster (Airflow 3).
   */
  readonly jwtSecret?: kplus.SecretValue;
  /**
   * Airflow 2 `[webserver] secret_key`, shared by the webserver and the workers serving logs.
   *
   * @default - generated in the cluster (Airflow 2).
   */
  readonly webserverSecretKey?: kplus.SecretValue;
  /**
   * The image of the Job that generates the Secrets in the cluster: any image with `python3`, pinned to a version
   * tag or digest (the script uses Python's standard library only), e.g. `python:3.12.11-slim-bookworm`.
   *
   * @default - the Airflow image (`image`).
   */
  readonly generatorImage?: string;
}

/**
 * Options of the standalone dag-processor inside `AirflowDeployment`.
 */
export interface DagProcessorDeploymentOptions extends AirflowDagProcessorOptions {
  /**
   * Whether to run a standalone dag-processor. Always true on Airflow 3; on Airflow 2 it sets
   * `[scheduler] standalone_dag_processor = True` and the scheduler stops parsing DAGs.
   *
   * @default - true on Airflow 3, false on Airflow 2.
   */
  readonly enabled?: boolean;
}

/**
 * Options of the triggerer inside `AirflowDeployment`.
 */
export interface TriggererDeploymentOptions extends AirflowTriggererOptions {
  /**
   * Whether to run a triggerer (needed by deferrable operators).
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Scale the triggerer with KEDA on the triggers in the metadata database: `ceil(triggers / capacity)` pods,
   * where capacity is the triggerer's `[triggerer] capacity` (Airflow 3) or `default_capacity` (Airflow 2)
   * setting, 1000 unless set. Only `WorkerAutoscaling.keda()` is accepted, and not together with `replicas`.
   *
   * `minReplicas` defaults to 1 here: a triggerer is then always up, so a deferred task resumes without
   * waiting for a pod to start and the UI does not report the triggerer as missing. With `minReplicas: 0`
   * the query still starts one as soon as a trigger exists (deferred tasks wait about a minute longer).
   *
   * @default - a fixed number of triggerers (`replicas`).
   */
  readonly autoscaling?: WorkerAutoscaling;
}

/**
 * Which pods may launch pods of their own (see `podLaunching`).
 */
export interface PodLaunchingOptions {
  /**
   * The Celery workers (every pool): tasks run there with `CeleryExecutor`.
   *
   * @default false
   */
  readonly celeryWorkers?: boolean;
  /**
   * The KubernetesExecutor's task pods.
   *
   * @default false
   */
  readonly taskPods?: boolean;
}

/**
 * Props for `AirflowDeployment`.
 */
export interface AirflowDeploymentProps {
  /**
   * The release every object is named after, like a Helm release: `<release>-scheduler`, `<release>-api-server`,
   * `<release>-worker-<pool>`, `<release>-postgresql`, ... and the `app.kubernetes.io/instance` label of every object.
   * Two deployments in one namespace need different releases. Object names are a contract with the cluster:
   * changing the release renames (deletes and recreates) every object, claims and their data included.
   *
   * At most 40 lowercase letters, digits and '-', starting with a letter.
   *
   * @default - the construct id in lower case, other characters as '-' (`Airflow` -> `airflow`).
   */
  readonly releaseName?: string;
  /**
   * The Airflow release; decides the components, their commands and the config sections.
   *
   * @default AirflowVersion.DEFAULT
   */
  readonly airflowVersion?: AirflowVersion;
  /**
   * The Airflow image, e.g. your own image built on the official one. It must be the release of `airflowVersion`.
   *
   * @default - `apache/airflow:<airflowVersion>`.
   */
  readonly image?: string;
  /**
   * Pull policy of the Airflow image.
   *
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /**
   * The metadata database.
   *
   * @default MetadataDatabase.embeddedPostgres()
   */
  readonly database?: MetadataDatabase;
  /**
   * PgBouncer between Airflow and a PostgreSQL metadata database (an error with MySQL): every Airflow container then
   * connects through it in transaction mode. The migrations Job connects directly (advisory locks and DDL), and so does
   * KEDA (`kedaConnection`), pointed past it. With `networkPolicies`, Airflow pods may reach PgBouncer, and only
   * PgBouncer and the migrations Job the database.
   *
   * @default - none: Airflow connects to the database directly.
   */
  readonly pgbouncer?: PgBouncerOptions;
  /**
   * Airflow's secrets (Fernet key, API or webserver secret key, JWT secret).
   *
   * @default - all generated in the cluster.
   */
  readonly secrets?: AirflowSecretsOptions;
  /**
   * Where DAG files come from.
   *
   * @default DagSource.fromImage()
   */
  readonly dagSource?: IDagSource;
  /**
   * Where task logs are kept: `AirflowLogs.local()`, `.persistentVolume()`, `.s3()` or `.gcs()`.
   *
   * @default AirflowLogs.local() - an emptyDir per pod: the task logs of a finished KubernetesExecutor pod
   * are lost once the pod is deleted.
   */
  readonly logs?: AirflowLogs;
  /**
   * The executor: `AirflowExecutor.kubernetes()`, `.celery()`, `.celeryAndKubernetes()`, (Airflow 2)
   * `.celeryKubernetes()`, with `topology: AirflowTopology.compact()` `.local()`, or (Airflow 3) `.edge()` and any of
   * them `.withEdge()` for edge workers.
   *
   * @default AirflowExecutor.kubernetes()
   */
  readonly executor?: AirflowExecutor;
  /**
   * How the long-running components are laid out: a Deployment each (`AirflowTopology.standard()`), or every one as
   * a container of one pod (`AirflowTopology.compact()`, for dev and CI clusters: no high availability, one restart
   * restarts everything).
   *
   * @default AirflowTopology.standard()
   */
  readonly topology?: AirflowTopology;
  /**
   * Any `airflow.cfg` setting, keyed `section.key`, e.g. `{ 'core.default_timezone': 'Europe/Paris' }`.
   *
   * @default - the library's defaults.
   */
  readonly settings?: { [sectionDotKey: string]: string };
  /**
   * Settings the library cannot check (plugins, providers it has no data for), written to `airflow.cfg`
   * as they are. Prefer `settings`, which is checked against the chosen Airflow version.
   *
   * @default - none.
   */
  readonly unknownSettings?: { [sectionDotKey: string]: string };
  /**
   * Sensitive settings, keyed `section.key`, from Kubernetes Secrets (e.g. `{ 'sentry.sentry_dsn': { secret, key: 'dsn' } }`):
   * they reach Airflow containers as `AIRFLOW__SECTION__KEY` from a `secretKeyRef`, never through `airflow.cfg`.
   * Settings Airflow marks sensitive are refused in `settings` and `unknownSettings`.
   *
   * @default - none.
   */
  readonly secretSettings?: { [sectionDotKey: string]: kplus.SecretValue };
  /**
   * Airflow connections by connection id, each from a key of a Kubernetes Secret (URI or JSON form), e.g.
   * `{ warehouse: AirflowConnection.fromSecret(secret, 'uri') }`: `AIRFLOW_CONN_<ID>` from a `secretKeyRef`, only in the
   * components that look connections up (task pods, Celery workers, the triggerer, the dag-processor and the Airflow 3
   * API server, whose Execution API serves them to tasks; see docs/secret-scope.md). Ids are letters, digits and '_'.
   *
   * @default - none.
   */
  readonly connections?: { [connId: string]: AirflowConnection };
  /**
   * Airflow variables by key, as `AIRFLOW_VAR_<KEY>`: `AirflowVariable.fromSecret(secret, key)`, or
   * `AirflowVariable.nonSecret(value)` for a value that may be written into the manifests. Given to the same
   * components as `connections`.
   *
   * @default - none.
   */
  readonly variables?: { [key: string]: AirflowVariable };
  /**
   * Airflow's secrets backend (`[secrets] backend`): `SecretsBackend.awsSecretsManager()`, `.gcpSecretManager()`,
   * `.hashicorpVault({ url, token })` or `.custom(backendClass, kwargs)`. Its kwargs never land in the manifests: the
   * secret ones come from Secrets. Every Airflow container gets it (it also serves `*_secret` settings).
   *
   * @default - none: connections and variables come from the environment and the metadata database.
   */
  readonly secretsBackend?: SecretsBackend;
  /**
   * Airflow pools (`{ name, slots, description?, includeDeferred? }`), created or updated by a Job
   * (`airflow pools import`) once the migrations are done. The Job is named by a hash of its content, so it runs again
   * when the list changes; a pool removed from the list is not deleted.
   *
   * @default - no Job: Airflow's `default_pool` only.
   */
  readonly pools?: AirflowPoolOptions[];
  /**
   * Fail the synth on warnings (e.g. in CI); the `CDK8S_AIRFLOW_STRICT=true` environment variable does the same.
   *
   * @default false
   */
  readonly strict?: boolean;
  /**
   * `[core] load_examples`: load Airflow's example DAGs.
   *
   * @default false
   */
  readonly loadExamples?: boolean;
  /**
   * `[core] parallelism`: task instances running at once in the whole installation.
   *
   * @default 32
   */
  readonly parallelism?: number;
  /**
   * `[core] max_active_tasks_per_dag`: task instances running at once per DAG.
   *
   * @default 16
   */
  readonly maxActiveTasksPerDag?: number;
  /**
   * `[core] max_active_runs_per_dag`: DAG runs active at once per DAG.
   *
   * @default 16
   */
  readonly maxActiveRunsPerDag?: number;
  /**
   * The scheduler.
   *
   * @default - one replica.
   */
  readonly scheduler?: AirflowSchedulerOptions;
  /**
   * The Airflow 3 API server (an error on Airflow 2).
   *
   * @default - one replica.
   */
  readonly apiServer?: AirflowApiServerOptions;
  /**
   * Runs the Execution API (what task pods, Celery workers and edge workers call) in a Deployment and Service of its
   * own (`<release>-execution-api-server`, `airflow api-server --apps execution`), scaled separately; the API server then
   * runs `--apps core` (UI and REST API) and `[core] execution_api_server_url` points at the new Service. Both validate
   * task and UI tokens with the JWT secret. Airflow 3.1 or later.
   *
   * @default - one API server serves the UI, the REST API and the Execution API.
   */
  readonly executionApiServer?: AirflowApiServerOptions;
  /**
   * The Airflow 2 webserver (an error on Airflow 3).
   *
   * @default - one replica.
   */
  readonly webserver?: AirflowWebserverOptions;
  /**
   * Who may log in to the UI and API: `AirflowAuth.simple()` (Airflow 3's SimpleAuthManager, passwords in a Secret
   * shared by every API server replica), `AirflowAuth.fab()` (Flask-AppBuilder, a first admin created by a Job; OAuth or
   * LDAP through `webserverConfig`).
   *
   * @default - Airflow 3: AirflowAuth.simple() (user `admin`, password generated once in the cluster in the Secret
   *   `<release>-simple-auth`, key `password-admin`); Airflow 2: AirflowAuth.fab() (user `admin`, password generated
   *   once in the Secret `<release>-fab-admin`, key `password`).
   */
  readonly auth?: AirflowAuth;
  /**
   * Lets tasks launch pods of their own (`KubernetesPodOperator`, Spark-on-Kubernetes operators): the Celery workers
   * and/or the KubernetesExecutor's task pods get a ServiceAccount token and the pod-launcher Role (create, get, list,
   * watch, patch, delete pods; get pods/log; list events, in the release's namespace), as the official chart binds it
   * to its worker ServiceAccount. Task code then holds a token that can create pods: turn it on only where tasks need it.
   *
   * @default - off: no token, no Role.
   */
  readonly podLaunching?: PodLaunchingOptions;
  /**
   * The triggerer.
   *
   * @default - one replica.
   */
  readonly triggerer?: TriggererDeploymentOptions;
  /**
   * The standalone dag-processor.
   *
   * @default - one replica on Airflow 3, none on Airflow 2.
   */
  readonly dagProcessor?: DagProcessorDeploymentOptions;
  /**
   * Where Airflow sends its metrics: `AirflowMetrics.statsd()` (a StatsD exporter Prometheus scrapes, optionally
   * with a ServiceMonitor and alert rules) or `AirflowMetrics.openTelemetry({ endpoint })` (your collector).
   *
   * @default - none: Airflow sends no metrics.
   */
  readonly metrics?: AirflowMetrics;
  /**
   * An Ingress to the web UI (the API server on Airflow 3, the webserver on Airflow 2). Airflow's base URL,
   * the UI's probes and (Airflow 3) the Execution API URL follow its host, path and TLS.
   *
   * @default - no Ingress: reach the UI through its Service (see `serviceType`).
   */
  readonly ingress?: AirflowIngressOptions;
  /**
   * Secrets (type `kubernetes.io/dockerconfigjson`) to pull images with, given to every pod, task pods
   * included (components add their own `imagePullSecrets` to these).
   *
   * @default - none.
   */
  readonly imagePullSecrets?: kplus.ISecret[];
  /**
   * Scheduled maintenance: metadata database cleanup (`airflow db clean`) and, with the KubernetesExecutor, task pod
   * cleanup (`airflow kubernetes cleanup-pods`), each a CronJob.
   *
   * @default - no maintenance jobs.
   */
  readonly maintenance?: MaintenanceOptions;
  /**
   * Isolate every pod of the deployment with NetworkPolicies and allow only the connections Airflow needs (see
   * `AirflowNetworkPolicies`). `networkPolicies: {}` turns them on; an external database, an external broker and the
   * Kubernetes API need their addresses.
   *
   * @default - no NetworkPolicies.
   */
  readonly networkPolicies?: NetworkPolicyOptions;
  /**
   * The GitOps tool that applies the manifests, if any: `GitOpsTool.ARGO_CD` orders the one-shot Jobs (secret
   * generator, migrations) before the components with sync waves; with either tool, finished Jobs are kept for the
   * tool to prune when their content (and so their name) changes, instead of being deleted after 24 hours.
   *
   * @default - none (`kubectl apply`): finished one-shot Jobs are deleted after 24 hours; applying the same manifests
   * again after that reruns them, which both allow (`airflow db migrate` is idempotent, existing Secrets are kept).
   */
  readonly gitOps?: GitOpsTool;
}

/**
 * A complete Apache Airflow installation: scheduler, API server (Airflow 3) or webserver (Airflow 2),
 * triggerer, dag-processor, the executor (KubernetesExecutor, Celery workers, or both), metadata database,
 * migrations and secrets.
 *
 * @example
 * new AirflowDeployment(chart, 'Airflow', { loadExamples: true });
 */
export class AirflowDeployment extends Construct {
  /** The Airflow release. */
  public readonly version: AirflowVersion;
  /** The release every object is named after (`<release>-<component>`). */
  public readonly releaseName: string;
  /** `airflow.cfg`: add or read settings here. */
  public readonly config: AirflowConfig;
  /** The pod recipe every Airflow pod is built from. */
  public readonly recipe: AirflowPodRecipe;
  /** The scheduler. */
  public readonly scheduler: AirflowScheduler;
  /** The UI: the API server on Airflow 3, the webserver on Airflow 2. */
  public readonly webUi: AirflowWebComponent;
  /** The Execution API server, with `executionApiServer`. */
  public readonly executionApiServer?: AirflowApiServer;
  /** The triggerer, unless disabled. */
  public readonly triggerer?: AirflowTriggerer;
  /** The standalone dag-processor, when there is one. */
  public readonly dagProcessor?: AirflowDagProcessor;
  /** The KubernetesExecutor's pod template and RBAC, when the KubernetesExecutor is used. */
  public readonly kubernetesExecutor?: KubernetesExecutorConfig;
  /** The Celery broker and worker pools, when the CeleryExecutor is used. */
  public readonly celeryExecutor?: CeleryExecutorConfig;
  /** The Edge API settings and the edge worker pools, when the EdgeExecutor is used. */
  public readonly edgeExecutor?: EdgeExecutorConfig;
  /** The migration Job. */
  public readonly migrations: AirflowMigrations;
  /** The Job that creates the pools, with `pools`. */
  public readonly pools?: AirflowPools;
  /** The embedded database, when the database is embedded. */
  public readonly embeddedDatabase?: EmbeddedPostgres;
  /** PgBouncer in front of the database, with `pgbouncer`. */
  public readonly pgbouncer?: PgBouncer;
  /** The Job generating Secrets in the cluster, when any Secret is generated. */
  public readonly secretGenerator?: SecretGeneratorJob;
  /** KEDA's access to the metadata database, when a worker pool or the triggerer scales with KEDA. */
  public readonly kedaAuthentication?: KedaDatabaseAuthentication;
  /** The triggerer's KEDA ScaledObject, with `triggerer.autoscaling`. */
  public readonly triggererScaledObject?: ApiObject;
  /** The StatsD exporter, with `metrics: AirflowMetrics.statsd()`. */
  public readonly metrics?: AirflowStatsd;
  /** The maintenance CronJobs, with `maintenance`. */
  public readonly maintenance?: AirflowMaintenance;
  /** The NetworkPolicies, with `networkPolicies`. */
  public readonly networkPolicies?: AirflowNetworkPolicies;
  /** How users log in (`auth`). @internal */
  public readonly _auth: AirflowAuthBinding;

  constructor(scope: Construct, id: string, props: AirflowDeploymentProps = {}) {
    super(scope, id);
    checkDeploymentProps(props);
    const version = this.version = props.airflowVersion ?? AirflowVersion.DEFAULT;
    const namespace = Chart.of(this).namespace;
    if (namespace !== undefined) checkNamespaceName(namespace, "the chart's 'namespace'");
    const names = AirflowNames.register(this, props.releaseName ?? AirflowNames.releaseFromId(id), version.version, props.releaseName === undefined);
    this.releaseName = names.release;
    if (props.strict) AirflowWarnings.of(this).strict = true;
    if (version.isNewerThanKnown) {
      AirflowWarnings.of(this).add(`'airflowVersion' ${version.version} is newer than the newest Airflow release this library knows `
        + `(${AirflowVersion.NEWEST_KNOWN.version}): settings are checked against ${AirflowVersion.NEWEST_KNOWN.version}'s; upgrade cdk8s-airflow when one knows ${version.version}`);
    }
    checkMajorSpecificProps(version, props);

    const config = this.config = new AirflowConfig(this, 'Config', {
      version, settings: props.settings, unknownSettings: props.unknownSettings, secretSettings: props.secretSettings,
    });
    const executor = props.executor ?? AirflowExecutor.kubernetes();
    if (executor._kubernetesQueue !== undefined && version.isAirflow3) {
      throw new Error(`AirflowExecutor.celeryKubernetes() is for Airflow 2 only, but 'airflowVersion' is ${version.version}: `
        + 'use AirflowExecutor.celeryAndKubernetes() (tasks choose with executor="KubernetesExecutor")');
    }
    const topology = props.topology ?? AirflowTopology.standard();
    checkTopology(topology, executor, props);
    config.setOwned('core', 'executor', executor.setting, 'executor');
    if (executor._kubernetesQueue !== undefined) {
      config.setOwned('celery_kubernetes_executor', 'kubernetes_queue', executor._kubernetesQueue, 'executor (AirflowExecutor.celeryKubernetes)');
    }
    setTyped(config, 'core', 'load_examples', props.loadExamples === undefined ? undefined : (props.loadExamples ? 'True' : 'False'), 'loadExamples', 'False');
    setTyped(config, 'core', 'parallelism', positiveInt(props.parallelism, 'parallelism'), 'parallelism', '32');
    setTyped(config, 'core', 'max_active_tasks_per_dag', positiveInt(props.maxActiveTasksPerDag, 'maxActiveTasksPerDag'), 'maxActiveTasksPerDag', '16');
    setTyped(config, 'core', 'max_active_runs_per_dag', positiveInt(props.maxActiveRunsPerDag, 'maxActiveRunsPerDag'), 'maxActiveRunsPerDag', '16');
    config.setDefault('logging', 'colored_console_log', 'False');
    const standaloneDagProcessor = version.isAirflow3 || (props.dagProcessor?.enabled ?? false);
    if (version.isAirflow3) {
      if (props.dagProcessor?.enabled === false) {
        throw new Error(`'dagProcessor.enabled' cannot be false on Airflow ${version.version}: Airflow 3 always parses DAGs in a standalone dag-processor`);
      }
    } else {
      config.setOwned('scheduler', 'standalone_dag_processor', standaloneDagProcessor ? 'True' : 'False', 'dagProcessor.enabled');
    }
    const authBinding = this._auth = new AirflowAuthBinding(this, 'Auth', props.auth ?? (version.isAirflow3 ? AirflowAuth.simple() : AirflowAuth.fab()), config);

    this.configureSecrets(config, props.secrets ?? {});
    const triggererKeda = checkTriggererAutoscaling(props.triggerer);
    const kedaUsed = triggererKeda !== undefined || (executor._celery?.pools ?? []).some(p => p.autoscaling?.kind === WorkerAutoscalerKind.KEDA);
    const database = (props.database ?? MetadataDatabase.embeddedPostgres()).bind(this, { kedaConnection: kedaUsed });
    this.embeddedDatabase = database.embedded;
    if (props.pgbouncer && database.engine !== DatabaseEngine.POSTGRESQL) {
      throw new Error(`'pgbouncer' needs a PostgreSQL metadata database, but 'database' has engine ${database.engine}: `
        + 'remove pgbouncer (PgBouncer speaks only the PostgreSQL protocol), or use a PostgreSQL database');
    }
    // with PgBouncer, each Airflow container points the URL at it (PgBouncer reserves the key).
    if (!props.pgbouncer) config.setSecret('database', 'sql_alchemy_conn', database.connection, 'database');

    const recipe = this.recipe = new AirflowPodRecipe({
      config,
      image: props.image,
      imagePullPolicy: props.imagePullPolicy,
      dagSource: props.dagSource,
      logs: props.logs,
    });
    if (props.executionApiServer !== undefined) recipe._splitExecutionApi();
    bindConnectionsAndVariables(recipe, props.connections ?? {}, props.variables ?? {});
    props.secretsBackend?._bind(config, recipe);
    if (props.pgbouncer) {
      this.pgbouncer = new PgBouncer(this, 'PgBouncer', { ...props.pgbouncer, recipe, connection: database.connection });
    }
    // first everything every Airflow container needs, then the pods.
    const kubernetes = executor._kubernetes;
    if (kubernetes) KubernetesExecutorConfig.prepareRecipe(recipe);
    if (executor._celery) {
      checkKubernetesQueue(executor);
      const launch = props.podLaunching?.celeryWorkers ?? false;
      const pools = launch ? (executor._celery.pools ?? [{ name: 'default' }]).map(p => ({ ...p, automountServiceAccountToken: true })) : executor._celery.pools;
      this.celeryExecutor = new CeleryExecutorConfig(this, 'Celery', {
        recipe, ...executor._celery, pools, database, multiExecutor: executor.setting.startsWith('CeleryExecutor,KubernetesExecutor'),
      });
      this.kedaAuthentication = this.celeryExecutor.kedaAuthentication;
    }
    if (kubernetes) {
      const launch = props.podLaunching?.taskPods ?? false;
      this.kubernetesExecutor = new KubernetesExecutorConfig(this, 'KubernetesExecutor', {
        recipe, ...kubernetes, ...(launch ? { automountServiceAccountToken: true } : {}),
      });
    }
    this.configurePodLaunching(props.podLaunching ?? {});
    this.migrations = new AirflowMigrations(this, 'Migrations', { recipe, directConnection: this.pgbouncer?.directConnection, gitOps: props.gitOps });
    if (props.pools !== undefined) this.pools = new AirflowPools(this, 'Pools', { recipe, pools: props.pools, gitOps: props.gitOps });

    // with the KubernetesExecutor the scheduler launches task pods and the UI reads their logs from the API.
    const apiAccess = kubernetes !== undefined;
    if (topology.isCompact) {
      recipe._compactPod = new CompactPod(this, 'Compact', {
        ...topology._options, recipe, automountServiceAccountToken: apiAccess, schedulerRunsTasks: executor.setting === 'LocalExecutor',
      });
    }
    if (version.isAirflow3) {
      const split = props.executionApiServer !== undefined;
      const apiServer = new AirflowApiServer(this, 'ApiServer', {
        ...props.apiServer,
        recipe,
        automountServiceAccountToken: props.apiServer?.automountServiceAccountToken ?? apiAccess,
        ingress: props.ingress,
        apps: split ? ApiServerApps.CORE : ApiServerApps.ALL,
      });
      // after the API server, whose ingress may set the base URL both serve under.
      const execution = split
        ? this.executionApiServer = new AirflowApiServer(this, 'ExecutionApiServer', {
          recipe, automountServiceAccountToken: false, ...props.executionApiServer, apps: ApiServerApps.EXECUTION,
        })
        : apiServer;
      config.setDefault('core', 'execution_api_server_url', `http://${execution.service.name}:${WEB_PORT}${execution.pathPrefix}/execution/`);
      this.webUi = apiServer;
      if (executor._edge) {
        // the Edge API is a plugin of the core app (airflow-core 3.2.2 api_fastapi/app.py mounts plugins for `core` only).
        this.edgeExecutor = new EdgeExecutorConfig(this, 'Edge', {
          recipe, ...executor._edge, apiUrl: `http://${apiServer.service.name}:${WEB_PORT}${apiServer.pathPrefix}/edge_worker/v1/rpcapi`,
        });
      }
    } else {
      this.webUi = new AirflowWebserver(this, 'Webserver', { recipe, automountServiceAccountToken: apiAccess, ingress: props.ingress, ...props.webserver });
    }
    authBinding.bindWebUi(this.webUi);
    authBinding.createAdminJob(recipe, props.gitOps);
    this.scheduler = new AirflowScheduler(this, 'Scheduler', { recipe, automountServiceAccountToken: apiAccess, ...props.scheduler });
    if (props.triggerer?.enabled ?? true) {
      this.triggerer = new AirflowTriggerer(this, 'Triggerer', { recipe, ...props.triggerer });
      if (triggererKeda) {
        const auth = this.kedaAuthentication ??= new KedaDatabaseAuthentication(this, 'KedaAuthentication', { database });
        const query = kedaTriggererQuery(database.engine, triggererCapacity(config));
        this.triggererScaledObject = auth.addScaledObject(this.triggerer, 'ScaledObject', this.triggerer.deployment, query,
          { ...triggererKeda, minReplicas: triggererKeda.minReplicas ?? 1 });
      }
    }
    if (standaloneDagProcessor) {
      this.dagProcessor = new AirflowDagProcessor(this, 'DagProcessor', { recipe, ...props.dagProcessor });
    }
    this.kubernetesExecutor?.grantLaunch(this.scheduler);
    this.kubernetesExecutor?.grantLogReading(this.webUi.serviceAccount);
    if (props.maintenance) {
      this.maintenance = new AirflowMaintenance(this, 'Maintenance', { recipe, executor, ...props.maintenance });
    }

    if (props.metrics) {
      this.metrics = props.metrics._bind(this, 'Metrics', { config, celeryWorkers: this.celeryExecutor?.pools.map(p => p.workload) });
    }
    if (this.metrics?.serviceMonitor && this.pgbouncer?.exporterContainer) {
      this.pgbouncer.addServiceMonitor({ scrapeInterval: this.metrics._scrapeInterval, prometheusLabels: this.metrics._prometheusLabels });
    }

    const generated = this.node.findAll().filter((c): c is GeneratedSecret => c instanceof GeneratedSecret);
    if (generated.length > 0) {
      this.secretGenerator = new SecretGeneratorJob(this, 'SecretGenerator', {
        secrets: generated,
        image: props.secrets?.generatorImage ?? recipe.image,
        imagePullPolicy: recipe.imagePullPolicy,
        gitOps: props.gitOps,
      });
    }
    // last, once every pod exists.
    addImagePullSecretsEverywhere(this, props.imagePullSecrets ?? [], this.kubernetesExecutor?.allPodTemplates ?? []);
    if (props.networkPolicies) {
      this.networkPolicies = new AirflowNetworkPolicies(this, 'NetworkPolicies', { deployment: this, ...props.networkPolicies });
    }
    // cdk8s writes the files chart by chart after validating: render every object once during validation, so that an
    // error that only shows while rendering (an escape hatch's JSON patch, a value cdk8s refuses) fails the synth
    // before the first file is written.
    this.node.addValidation({ validate: () => renderOnce(this) });
    // a setting the props own (e.g. `core.executor` in `settings`) fails here, at construction, not at synth
    const owned = config._ownedKeyErrors();
    if (owned.length > 0) throw new Error(owned.join('\n'));
  }

  /**
   * The deployment's report, Markdown: every component (kind, name, replicas or autoscaling range, image, resources),
   * a Mermaid diagram of who talks to whom (the flows the NetworkPolicies allow), how to reach the UI and log in, the
   * preflight list (what the manifests need and do not create, each with a `kubectl` check) and the day-2 facts.
   * Read from the rendered objects: call it once the deployment is complete. `AirflowApp` writes it at synth.
   */
  public report(): string {
    return renderReport(this);
  }

  /** `podLaunching`: the pod-launcher Role (the KubernetesExecutor's, or one of its own) bound to the chosen pods. */
  private configurePodLaunching(options: PodLaunchingOptions): void {
    const accounts: kplus.IServiceAccount[] = [];
    if (options.celeryWorkers) {
      if (!this.celeryExecutor) {
        throw new Error("'podLaunching.celeryWorkers' needs Celery workers, but 'executor' does not use Celery: remove it, or use taskPods with the KubernetesExecutor");
      }
      accounts.push(...this.celeryExecutor.pools.map(p => p.serviceAccount));
    }
    if (options.taskPods) {
      if (!this.kubernetesExecutor) {
        throw new Error("'podLaunching.taskPods' needs the KubernetesExecutor's task pods, but 'executor' does not use it: remove it, or use celeryWorkers with Celery");
      }
      accounts.push(this.kubernetesExecutor.serviceAccount);
    }
    if (accounts.length === 0) return;
    const names = AirflowNames.of(this);
    const role = this.kubernetesExecutor?.podLauncherRole ?? podLauncherRole(this, names);
    for (const account of accounts) names.bindRole(role, 'pod-launcher', account);
  }

  private configureSecrets(config: AirflowConfig, secrets: AirflowSecretsOptions): void {
    const wanted: Array<{ section: string; key: string; given?: kplus.SecretValue; secretKey: string; value: GeneratedValue; prop: string }> = [
      { section: 'core', key: 'fernet_key', given: secrets.fernetKey, secretKey: 'fernet-key', value: GeneratedValue.fernetKey(), prop: 'secrets.fernetKey' },
    ];
    if (this.version.isAirflow3) {
      wanted.push({ section: 'api', key: 'secret_key', given: secrets.apiSecretKey, secretKey: 'api-secret-key', value: GeneratedValue.randomString(32), prop: 'secrets.apiSecretKey' });
      wanted.push({ section: 'api_auth', key: 'jwt_secret', given: secrets.jwtSecret, secretKey: 'jwt-secret', value: GeneratedValue.randomString(64), prop: 'secrets.jwtSecret' });
    } else {
      wanted.push({ section: 'webserver', key: 'secret_key', given: secrets.webserverSecretKey, secretKey: 'webserver-secret-key', value: GeneratedValue.randomString(32), prop: 'secrets.webserverSecretKey' });
    }
    const keys: GeneratedSecretKey[] = wanted.filter(w => !w.given).map(w => ({ key: w.secretKey, value: w.value }));
    const generated = keys.length > 0 ? new GeneratedSecret(this, 'Secrets', { keys }) : undefined;
    for (const w of wanted) {
      config.setSecret(w.section, w.key, w.given ?? generated!.valueOf(w.secretKey), w.prop);
    }
  }
}

/** Deployments whose objects rendered without error (once per deployment: cdk8s validates the app once per chart). */
const rendered = new WeakSet<AirflowDeployment>();

function renderOnce(deployment: AirflowDeployment): string[] {
  if (rendered.has(deployment)) return [];
  const errors: string[] = [];
  const json = new Map<ApiObject, any>();
  for (const apiObject of deployment.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
    try {
      json.set(apiObject, apiObject.toJson());
    } catch (e) {
      errors.push(`${apiObject.kind} '${apiObject.name}' (${apiObject.node.path}) cannot be rendered: ${(e as Error).message}`);
    }
  }
  if (errors.length === 0) {
    rendered.add(deployment);
    json.forEach((value, apiObject) => rememberRender(apiObject, value));
  }
  return errors;
}

function checkMajorSpecificProps(version: AirflowVersion, props: AirflowDeploymentProps): void {
  const airflow3Only: Array<[string, unknown]> = [['apiServer', props.apiServer], ['secrets.apiSecretKey', props.secrets?.apiSecretKey], ['secrets.jwtSecret', props.secrets?.jwtSecret],
    ['executionApiServer', props.executionApiServer]];
  const airflow2Only: Array<[string, unknown]> = [['webserver', props.webserver], ['secrets.webserverSecretKey', props.secrets?.webserverSecretKey]];
  for (const [prop, value] of version.isAirflow3 ? airflow2Only : airflow3Only) {
    if (value !== undefined) {
      const other = version.isAirflow3 ? 'Airflow 2' : 'Airflow 3';
      throw new Error(`'${prop}' is for ${other} only, but 'airflowVersion' is ${version.version}: remove it or change 'airflowVersion'`);
    }
  }
  if (props.executor?._edge !== undefined && !version.atLeast(...EDGE_EXECUTOR_SINCE)) {
    throw new Error(`'executor' has the EdgeExecutor, which needs Airflow ${EDGE_EXECUTOR_SINCE.join('.')} or later (provider apache-airflow-providers-edge3), `
      + `but 'airflowVersion' is ${version.version}: upgrade Airflow or use an executor without edge workers`);
  }
  if (props.executionApiServer !== undefined && version.isAirflow3 && !version.atLeast(...SPLIT_API_SERVER_SINCE)) {
    throw new Error(`'executionApiServer' needs Airflow ${SPLIT_API_SERVER_SINCE.join('.')} or later, but 'airflowVersion' is ${version.version}, `
      + "whose 'airflow api-server' ignores --apps and always serves every app: upgrade Airflow or remove executionApiServer");
  }
  if (props.executionApiServer?.workers !== undefined) {
    // [api] workers and the other worker settings are airflow.cfg keys, one file for every API server
    throw new Error("'executionApiServer.workers' cannot be set: the worker settings ([api] workers, server_type, ...) are airflow.cfg keys "
      + "that every API server reads; set 'apiServer.workers' (the Execution API server runs as many) and size 'executionApiServer.resources' for it");
  }
}

/**
 * The combinations `AirflowTopology.compact()` cannot run, and the LocalExecutor outside it. Per-component pod settings
 * and replicas are checked by each component (`AirflowComponent`).
 */
function checkTopology(topology: AirflowTopology, executor: AirflowExecutor, props: AirflowDeploymentProps): void {
  if (!topology.isCompact) {
    if (executor.setting === 'LocalExecutor') {
      throw new Error("AirflowExecutor.local() runs tasks inside the scheduler, which needs 'topology: AirflowTopology.compact()': with a pod per "
        + 'component the task logs stay in the scheduler pods, out of reach of the UI; use AirflowExecutor.kubernetes(), or the compact topology');
    }
    return;
  }
  if (executor._celery) {
    throw new Error(`'topology' is AirflowTopology.compact(), one pod for every component, but 'executor' (${executor.setting}) runs Celery workers, `
      + 'a broker and pools of their own: use AirflowExecutor.kubernetes() or AirflowExecutor.local(), or AirflowTopology.standard()');
  }
  if (props.triggerer?.autoscaling) {
    throw new Error("'triggerer.autoscaling' cannot scale the triggerer with 'topology: AirflowTopology.compact()', where it is a container of the "
      + 'one pod: remove it, or use AirflowTopology.standard()');
  }
  if (props.executionApiServer) {
    throw new Error("'executionApiServer' runs the Execution API in pods of its own, but 'topology' is AirflowTopology.compact(), one pod "
      + 'for every component: remove executionApiServer, or use AirflowTopology.standard()');
  }
  if (props.networkPolicies) {
    throw new Error("'networkPolicies' are not available with 'topology: AirflowTopology.compact()' yet: the policies allow flows between "
      + 'component pods, and the compact pod holds them all; remove networkPolicies, or use AirflowTopology.standard()');
  }
}

/** The KEDA options of the triggerer, after checking the triggerer props that go with them. */
function checkTriggererAutoscaling(triggerer: TriggererDeploymentOptions | undefined): KedaAutoscalingOptions | undefined {
  const autoscaling = triggerer?.autoscaling;
  if (!autoscaling) return undefined;
  if (!autoscaling._keda) {
    throw new Error("'triggerer.autoscaling' is WorkerAutoscaling.hpa(), which cannot scale a triggerer: its load is the triggers waiting "
      + "in the database, which its CPU use does not show; use WorkerAutoscaling.keda() or a fixed 'triggerer.replicas'");
  }
  if (triggerer.enabled === false) {
    throw new Error("'triggerer.autoscaling' is set but 'triggerer.enabled' is false: remove one of them");
  }
  if (triggerer.replicas !== undefined) {
    throw new Error("'triggerer.replicas' and 'triggerer.autoscaling' are both set, but the autoscaler decides the number of triggerers: "
      + 'remove replicas (give minReplicas and maxReplicas to WorkerAutoscaling.keda())');
  }
  return autoscaling._keda;
}

/** Triggers one triggerer runs at once: `[triggerer] capacity` (Airflow 3) or `default_capacity` (Airflow 2). */
function triggererCapacity(config: AirflowConfig): number {
  const key = config.version.isAirflow3 ? 'capacity' : 'default_capacity';
  const value = config.get('triggerer', key) ?? '1000';
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new Error(`'triggerer.autoscaling' divides the triggers by the setting 'triggerer.${key}', which must then be a whole number >= 1, got '${value}'`);
  }
  return Number(value);
}

function checkKubernetesQueue(executor: AirflowExecutor): void {
  const queue = executor._kubernetesQueue;
  if (queue === undefined) return;
  for (const pool of executor._celery?.pools ?? [{ name: 'default' }]) {
    if ((pool.queues ?? [pool.name]).includes(queue)) {
      throw new Error(`Celery pool '${pool.name}' serves queue '${queue}', which CeleryKubernetesExecutor sends to the KubernetesExecutor: `
        + 'rename the pool\'s queue or pass another kubernetesQueue');
    }
  }
}

function positiveInt(value: number | undefined, prop: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`'${prop}' must be a whole number >= 1, got ${value}`);
  }
  return String(value);
}

/** A typed prop owns its key when given; otherwise the default applies and `settings` may override it. */
function setTyped(config: AirflowConfig, section: string, key: string, value: string | undefined, prop: string, fallback: string): void {
  if (value === undefined) {
    config.setDefault(section, key, fallback);
  } else {
    config.setOwned(section, key, value, prop);
  }
}

/** The pod-launcher Role when there is no KubernetesExecutor (whose Role it is otherwise): the same verbs. */
function podLauncherRole(scope: Construct, names: AirflowNames): kplus.Role {
  const role = new kplus.Role(scope, 'PodLauncherRole', { metadata: names.metadata(scope, 'Role', 'pod-launcher') });
  role.allow(['create', 'get', 'list', 'watch', 'patch', 'delete'], kplus.ApiResource.PODS);
  role.allow(['get'], kplus.ApiResource.custom({ apiGroup: '', resourceType: 'pods/log' }));
  role.allow(['list'], kplus.ApiResource.EVENTS);
  return role;
}
