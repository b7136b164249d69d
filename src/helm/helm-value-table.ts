/**
 * One row of the official chart's values → `AirflowDeployment` props table. `docs/helm-values.md` is generated from
 * `HELM_VALUE_TABLE` (test/helm/helm-values-doc.test.ts fails when they drift).
 *
 * @internal
 */
export interface HelmValueRow {
  /** The value path; `<component>` stands for scheduler, webserver, apiServer, triggerer, dagProcessor, workers. */
  readonly path: string;
  /** The prop it becomes; undefined when there is no equivalent (then `what` and `instead` say why). */
  readonly prop?: string;
  /** How the value is read (supported rows), or what it did in the chart (unsupported rows). */
  readonly what: string;
  /** What to do instead (unsupported rows). */
  readonly instead?: string;
}

/** The chart's per-component value groups and the props they map to. @internal */
export const HELM_COMPONENTS: ReadonlyArray<readonly [string, string]> = [
  ['scheduler', 'scheduler'],
  ['webserver', 'webserver (Airflow 2)'],
  ['apiServer', 'apiServer (Airflow 3)'],
  ['triggerer', 'triggerer'],
  ['dagProcessor', 'dagProcessor'],
  ['workers', 'executor: Celery pool `default` and/or KubernetesExecutor task pods'],
];

const c = '<component>';

/**
 * The mapping. Every path the converter reads has a row; paths with no row are reported as unknown.
 *
 * @internal
 */
export const HELM_VALUE_TABLE: HelmValueRow[] = [
  { path: 'executor', prop: 'executor', what: 'CeleryExecutor, KubernetesExecutor, CeleryKubernetesExecutor, `CeleryExecutor,KubernetesExecutor`; LocalExecutor and LocalKubernetesExecutor become KubernetesExecutor (reported)' },
  { path: 'airflowVersion', prop: 'airflowVersion', what: '`AirflowVersion.of(...)`; unset: `defaultAirflowTag`, else the library default (reported)' },
  { path: 'defaultAirflowTag', prop: 'image', what: 'the image tag when `images.airflow.tag` is unset; also the version when `airflowVersion` is unset' },
  { path: 'images.airflow.repository', prop: 'image', what: '`<repository>:<tag>`' },
  { path: 'images.airflow.tag', prop: 'image', what: '`<repository>:<tag>`' },
  { path: 'images.airflow.digest', prop: 'image', what: '`<repository>@<digest>`' },
  { path: 'images.airflow.pullPolicy', prop: 'imagePullPolicy', what: '`kplus.ImagePullPolicy.*`' },
  { path: 'images.gitSync.repository', prop: 'dagSource (GitSyncSidecar image)', what: 'git-sync image' },
  { path: 'images.gitSync.tag', prop: 'dagSource (GitSyncSidecar image)', what: 'git-sync image' },
  { path: 'images.statsd.repository', prop: 'metrics (statsd image)', what: 'StatsD exporter image' },
  { path: 'images.statsd.tag', prop: 'metrics (statsd image)', what: 'StatsD exporter image' },
  { path: 'images.pgbouncer.repository', prop: 'pgbouncer.image', what: 'PgBouncer image' },
  { path: 'images.pgbouncer.tag', prop: 'pgbouncer.image', what: 'PgBouncer image' },
  { path: 'images.redis.repository', prop: 'executor (CeleryBroker.embeddedRedis image)', what: 'Redis image' },
  { path: 'images.redis.tag', prop: 'executor (CeleryBroker.embeddedRedis image)', what: 'Redis image' },
  { path: 'config', prop: 'settings / unknownSettings', what: 'every `config.<section>.<key>`, checked against the Airflow version: renamed keys are written under their new name (reported), unknown and removed ones reported; sections Airflow does not know (providers) go to `unknownSettings`; keys the library manages (executor, database, broker, logging destination, metrics, base URL, pod template) come from the props instead' },
  { path: 'config.celery.worker_concurrency', prop: 'executor: pool `workerConcurrency`', what: 'the Celery pool concurrency' },
  { path: 'config.logging.remote_logging', prop: 'logs', what: 'with `remote_base_log_folder` `s3://bucket/prefix`: `AirflowLogs.s3(...)` (credentials: IRSA role of the workers, else the `AIRFLOW_CONN_<ID>` from `secret`, else the environment)' },
  { path: 'config.logging.remote_base_log_folder', prop: 'logs', what: 'see `config.logging.remote_logging`' },
  { path: 'config.logging.remote_log_conn_id', prop: 'logs', what: 'finds the connection among `secret` / `env`' },
  { path: 'config.logging.encrypt_s3_logs', prop: 'logs (encrypt)', what: 'S3 server-side encryption' },
  { path: 'env', prop: '<component>.envVariables, settings', what: '`AIRFLOW__SECTION__KEY` entries become checked `settings`; others env variables of every component and Celery pool' },
  { path: 'secret', prop: '<component>.envVariables', what: '`kplus.EnvValue.fromSecretValue` of the named Secret and key' },
  { path: 'extraEnvFrom', prop: '<component>.envFrom', what: '`secretRef` / `configMapRef` entries as `kplus.Env.fromSecret` / `fromConfigMap`' },
  { path: 'extraSecrets', what: 'Secrets the chart created from values', instead: 'kept by name (annotate them `helm.sh/resource-policy: keep` before `helm uninstall`); the program references them where `secret`, `extraEnvFrom` or `extraVolumes` name them' },
  { path: 'extraConfigMaps', what: 'ConfigMaps the chart created from values', instead: 'kept by name (annotate them `helm.sh/resource-policy: keep`), or move their data into your cdk8s chart' },
  { path: 'fernetKeySecretName', prop: 'secrets.fernetKey', what: 'key `fernet-key`; default Secret `<release>-fernet-key` (never a new key)' },
  { path: 'fernetKey', prop: 'secrets.fernetKey', what: 'the literal is not copied: the Secret the chart made from it (`<release>-fernet-key`) is reused' },
  { path: 'webserverSecretKeySecretName', prop: 'secrets.webserverSecretKey', what: 'Airflow 2, key `webserver-secret-key`; default `<fullname>-webserver-secret-key`' },
  { path: 'webserverSecretKey', prop: 'secrets.webserverSecretKey', what: 'the literal is not copied: the chart\'s Secret is reused' },
  { path: 'apiSecretKeySecretName', prop: 'secrets.apiSecretKey', what: 'Airflow 3, key `api-secret-key`; default `<fullname>-api-secret-key`' },
  { path: 'apiSecretKey', prop: 'secrets.apiSecretKey', what: 'the literal is not copied: the chart\'s Secret is reused' },
  { path: 'jwtSecretName', prop: 'secrets.jwtSecret', what: 'Airflow 3, key `jwt-secret`; default `<release>-jwt-secret`' },
  { path: 'jwtSecret', prop: 'secrets.jwtSecret', what: 'the literal is not copied: the chart\'s Secret is reused' },
  { path: 'data.metadataSecretName', prop: 'database', what: '`MetadataDatabase.external` with that Secret, key `connection`' },
  { path: 'data.metadataConnection', prop: 'database', what: '`MetadataDatabase.external` with the chart\'s `<fullname>-metadata` Secret (key `connection`); with the chart\'s PgBouncer that Secret points at PgBouncer, so the program names a Secret with the direct URL you create (reported)' },
  { path: 'data.resultBackendSecretName', prop: 'executor: celery `resultBackend`', what: 'that Secret, key `connection`' },
  { path: 'data.resultBackendConnection', prop: 'executor: celery `resultBackend`', what: 'the chart\'s `<fullname>-result-backend` Secret, key `connection`' },
  { path: 'data.brokerUrlSecretName', prop: 'executor: celery `broker`', what: '`CeleryBroker.external` with that Secret, key `connection`' },
  { path: 'data.brokerUrl', prop: 'executor: celery `broker`', what: '`CeleryBroker.external` with the chart\'s `<release>-broker-url` Secret (key `connection`)' },
  { path: 'postgresql.enabled', prop: 'database', what: 'true (the chart default): `MetadataDatabase.external` with `<fullname>-metadata`, which points at the running `<release>-postgresql`; keep that StatefulSet and claim until you move the data (see the comment in the program)' },
  { path: 'postgresql', what: 'the Bitnami PostgreSQL subchart settings', instead: 'the database keeps running as the chart made it; move to a managed database or `MetadataDatabase.embeddedPostgres()` with `pg_dump`/`pg_restore`' },
  { path: 'pgbouncer.enabled', prop: 'pgbouncer', what: 'PgBouncer in front of the database' },
  { path: 'pgbouncer.replicas', prop: 'pgbouncer.replicas', what: 'replicas' },
  { path: 'pgbouncer.maxClientConn', prop: 'pgbouncer.maxClientConnections', what: '`max_client_conn`' },
  { path: 'pgbouncer.metadataPoolSize', prop: 'pgbouncer.defaultPoolSize', what: 'pool size of the metadata database' },
  { path: 'pgbouncer.resources', prop: 'pgbouncer.resources', what: 'requests and limits' },
  { path: 'pgbouncer', what: 'other PgBouncer settings (result backend pool, SSL, extra ini, exporter)', instead: 'the library configures PgBouncer itself (transaction mode, SCRAM); see `PgBouncerOptions`' },
  { path: 'redis.enabled', prop: 'executor: celery `broker`', what: 'true (chart default) with Celery: `CeleryBroker.embeddedRedis` with the chart\'s password Secret' },
  { path: 'redis.passwordSecretName', prop: 'executor: celery `broker` password', what: 'that Secret, key `password`; default `<release>-redis-password`' },
  { path: 'redis.password', prop: 'executor: celery `broker` password', what: 'the literal is not copied: the chart\'s `<release>-redis-password` Secret is reused' },
  { path: 'redis.persistence.size', prop: 'executor: embeddedRedis `persistentStorage`', what: 'size' },
  { path: 'redis.persistence.storageClassName', prop: 'executor: embeddedRedis `storageClassName`', what: 'storage class' },
  { path: 'redis.resources', prop: 'executor: embeddedRedis `resources`', what: 'requests and limits' },
  { path: 'redis', what: 'other Redis settings', instead: 'the library runs Redis itself; use `CeleryBroker.external` for your own' },
  { path: 'dags.gitSync.enabled', prop: 'dagSource', what: '`GitSyncSidecar`' },
  { path: 'dags.gitSync.repo', prop: 'dagSource: GitSyncSidecar `repo`', what: 'repository URL' },
  { path: 'dags.gitSync.branch', prop: 'dagSource: GitSyncSidecar `gitRef`', what: 'used when `ref` and `rev` are unset' },
  { path: 'dags.gitSync.rev', prop: 'dagSource: GitSyncSidecar `gitRef`', what: 'used when not `HEAD` and `ref` is unset' },
  { path: 'dags.gitSync.ref', prop: 'dagSource: GitSyncSidecar `gitRef`', what: 'the git-sync v4 ref' },
  { path: 'dags.gitSync.subPath', prop: 'dagSource: GitSyncSidecar `subPath`', what: 'folder of the DAGs in the repository (chart default `tests/dags`)' },
  { path: 'dags.gitSync.depth', prop: 'dagSource: GitSyncSidecar `depth`', what: 'clone depth' },
  { path: 'dags.gitSync.period', prop: 'dagSource: GitSyncSidecar `period`', what: 'e.g. `5s`, `1m`' },
  { path: 'dags.gitSync.wait', prop: 'dagSource: GitSyncSidecar `period`', what: 'seconds (git-sync v3), when `period` is unset' },
  { path: 'dags.gitSync.maxFailures', prop: 'dagSource: GitSyncSidecar `maxFailures`', what: 'failures tolerated' },
  { path: 'dags.gitSync.sshKeySecret', prop: 'dagSource: `GitAuth.ssh` privateKey', what: 'that Secret, key `gitSshKey`' },
  { path: 'dags.gitSync.knownHosts', prop: 'dagSource: `GitAuth.ssh` knownHosts', what: 'known_hosts lines; unset: host keys are not checked (reported)' },
  { path: 'dags.gitSync.sshKey', prop: 'dagSource: `GitAuth.ssh` privateKey', what: 'the literal is not copied: the chart\'s `<fullname>-ssh-secret` (key `gitSshKey`) is reused' },
  { path: 'dags.gitSync.credentialsSecret', prop: 'dagSource: `GitAuth.https`', what: 'password from key `GIT_SYNC_PASSWORD`; the username is a literal in the program you fill in (reported)' },
  { path: 'dags.gitSync.resources', prop: 'dagSource: GitSyncSidecar `resources`', what: 'requests and limits' },
  { path: 'dags.gitSync', what: 'other git-sync settings (containerName, uid, env, extraVolumeMounts, securityContext, ...)', instead: 'see `GitSyncSidecarProps` (`extraEnv`, `extraFlags`); the library sets the user and mounts' },
  { path: 'dags.persistence.enabled', prop: 'dagSource', what: '`PvcDagSource` on the kept claim (`existingClaim` or `<release>-dags`); with git-sync too, git-sync is its one writer' },
  { path: 'dags.persistence.existingClaim', prop: 'dagSource: PvcDagSource `claim`', what: '`kplus.PersistentVolumeClaim.fromClaimName`' },
  { path: 'dags.persistence.subPath', prop: 'dagSource: PvcDagSource `subPath`', what: 'folder inside the claim' },
  { path: 'dags.persistence.size', prop: 'dagSource (kept claim)', what: 'the kept claim keeps its size' },
  { path: 'dags.persistence.storageClassName', prop: 'dagSource (kept claim)', what: 'the kept claim keeps its class' },
  { path: 'dags.persistence.accessMode', prop: 'dagSource (kept claim)', what: 'the kept claim keeps its access mode' },
  { path: 'dags', what: 'other DAG settings (mountPath, persistence annotations)', instead: 'the library mounts DAGs at `/opt/airflow/dags`' },
  { path: 'logs.persistence.enabled', prop: 'logs', what: '`AirflowLogs.persistentVolume` on the kept claim (`existingClaim` or `<release>-logs`)' },
  { path: 'logs.persistence.existingClaim', prop: 'logs: `claim`', what: '`kplus.PersistentVolumeClaim.fromClaimName`' },
  { path: 'logs.persistence.size', prop: 'logs (kept claim)', what: 'the kept claim keeps its size' },
  { path: 'logs.persistence.storageClassName', prop: 'logs (kept claim)', what: 'the kept claim keeps its class' },
  { path: 'logs', what: 'other log settings', instead: 'see `AirflowLogs`' },
  { path: `${c}.enabled`, prop: 'triggerer.enabled, dagProcessor.enabled', what: 'triggerer and dag-processor; webserver/apiServer `enabled: false` is reported (the UI always runs)' },
  { path: `${c}.replicas`, prop: '<component>.replicas', what: 'workers: the Celery pool' },
  { path: `${c}.resources`, prop: '<component>.resources', what: '`kplus.Cpu` / `Size` requests and limits' },
  { path: `${c}.nodeSelector`, prop: '<component>.nodeSelector', what: 'falls back to the global `nodeSelector`' },
  { path: `${c}.affinity`, prop: '<component>.affinity', what: 'falls back to the global `affinity`' },
  { path: `${c}.tolerations`, prop: '<component>.tolerations', what: 'falls back to the global `tolerations`' },
  { path: `${c}.serviceAccount.annotations`, prop: '<component>.serviceAccountAnnotations', what: 'e.g. IRSA `eks.amazonaws.com/role-arn`' },
  { path: `${c}.podAnnotations`, prop: '<component>.podAnnotations', what: 'pod annotations' },
  { path: `${c}.labels`, prop: '<component>.podLabels', what: 'pod labels' },
  { path: `${c}.priorityClassName`, prop: '<component>.priorityClassName', what: 'PriorityClass' },
  { path: `${c}.env`, prop: '<component>.envVariables', what: '`value` and `valueFrom.secretKeyRef` / `configMapKeyRef` entries' },
  { path: `${c}.extraContainers`, prop: '<component>.extraContainers', what: 'name, image, command, args, env values, ports, resources, volumeMounts of `extraVolumes` (other fields reported)' },
  { path: `${c}.extraInitContainers`, prop: '<component>.extraInitContainers', what: 'as `extraContainers`' },
  { path: `${c}.extraVolumes`, prop: '<component>.extraVolumes', what: 'configMap, secret, emptyDir and persistentVolumeClaim volumes (others reported)' },
  { path: `${c}.extraVolumeMounts`, prop: '<component>.extraVolumeMounts', what: 'mounts of `extraVolumes` into the Airflow container' },
  { path: `${c}.terminationGracePeriodSeconds`, prop: '<component>.terminationGracePeriod', what: '`Duration.seconds`' },
  { path: 'workers.persistence.enabled', prop: 'executor: pool `workloadKind`', what: 'true (chart default): `WorkerWorkloadKind.STATEFUL_SET`, else DEPLOYMENT' },
  { path: 'workers.persistence.size', prop: 'executor: pool `logsStorage`', what: 'the claim template size' },
  { path: 'workers.persistence.storageClassName', prop: 'executor: pool `logsStorageClassName`', what: 'storage class' },
  { path: 'workers.safeToEvict', prop: 'executor: pool `safeToEvict`', what: 'cluster-autoscaler annotation' },
  { path: 'workers.keda.enabled', prop: 'executor: pool `autoscaling`', what: '`WorkerAutoscaling.keda(...)`' },
  { path: 'workers.keda.minReplicaCount', prop: 'executor: keda `minReplicas`', what: 'min' },
  { path: 'workers.keda.maxReplicaCount', prop: 'executor: keda `maxReplicas`', what: 'max' },
  { path: 'workers.keda.pollingInterval', prop: 'executor: keda `pollingInterval`', what: 'seconds' },
  { path: 'workers.keda.cooldownPeriod', prop: 'executor: keda `cooldownPeriod`', what: 'seconds' },
  { path: 'workers.keda', what: 'other KEDA settings (query, usePgbouncer, advanced, namespaceLabels)', instead: 'the library writes the query per pool and connects KEDA past PgBouncer itself' },
  { path: 'workers.hpa.enabled', prop: 'executor: pool `autoscaling`', what: '`WorkerAutoscaling.hpa(...)`' },
  { path: 'workers.hpa.minReplicaCount', prop: 'executor: hpa `minReplicas`', what: 'min' },
  { path: 'workers.hpa.maxReplicaCount', prop: 'executor: hpa `maxReplicas`', what: 'max' },
  { path: 'workers.hpa', what: 'HPA metrics and behavior', instead: '`WorkerAutoscaling.hpa({ cpuUtilization, memoryUtilization })`' },
  { path: 'triggerer.keda.enabled', prop: 'triggerer.autoscaling', what: '`WorkerAutoscaling.keda(...)` on the triggers' },
  { path: 'triggerer.keda.minReplicaCount', prop: 'triggerer.autoscaling minReplicas', what: 'min' },
  { path: 'triggerer.keda.maxReplicaCount', prop: 'triggerer.autoscaling maxReplicas', what: 'max' },
  { path: 'triggerer.keda', what: 'other triggerer KEDA settings', instead: 'the library writes the query' },
  { path: `${c}.persistence`, what: 'scheduler/triggerer log claims (StatefulSet)', instead: 'task logs live where `logs` says; component logs go to stdout' },
  { path: 'nodeSelector', prop: '<component>.nodeSelector', what: 'every component without its own' },
  { path: 'affinity', prop: '<component>.affinity', what: 'every component without its own' },
  { path: 'tolerations', prop: '<component>.tolerations', what: 'every component without its own' },
  { path: 'registry.secretName', prop: 'imagePullSecrets', what: '`kplus.Secret.fromSecretName`' },
  { path: 'registry.connection', prop: 'imagePullSecrets', what: 'the literal is not copied: the chart\'s `<fullname>-registry` Secret is reused' },
  { path: 'imagePullSecrets', prop: 'imagePullSecrets', what: 'names (strings or `{ name }`)' },
  { path: 'statsd.enabled', prop: 'metrics', what: 'true (chart default): `AirflowMetrics.statsd(...)`' },
  { path: 'statsd.resources', prop: 'metrics: statsd `resources`', what: 'requests and limits' },
  { path: 'statsd', what: 'other StatsD settings (mappings, service, probes)', instead: '`StatsdMetricsOptions` (`extraMappings` as `StatsdMappingRule`s)' },
  { path: 'ingress.web', prop: 'ingress', what: 'Airflow 2: enabled, ingressClassName, hosts[0] (name, tls.secretName), path, annotations, tls.secretName' },
  { path: 'ingress.apiServer', prop: 'ingress', what: 'Airflow 3: as `ingress.web`' },
  { path: 'ingress.enabled', prop: 'ingress', what: 'the legacy switch for `ingress.web` / `ingress.apiServer`' },
  { path: 'ingress', what: 'other Ingresses (flower, statsd, pgbouncer) and extra hosts', instead: 'add a `kplus.Ingress` in your chart' },
  { path: 'networkPolicies.enabled', prop: 'networkPolicies', what: '`{}`: an external database or broker needs its addresses (`databaseEgress`, `brokerEgress`)' },
  { path: 'cleanup.enabled', prop: 'maintenance.podCleanup', what: 'KubernetesExecutor task pod cleanup' },
  { path: 'cleanup.schedule', prop: 'maintenance.podCleanup.schedule', what: 'cron' },
  { path: 'cleanup', what: 'other cleanup settings', instead: 'see `PodCleanupOptions`' },
  { path: 'databaseCleanup.enabled', prop: 'maintenance.databaseCleanup', what: '`airflow db clean`' },
  { path: 'databaseCleanup.schedule', prop: 'maintenance.databaseCleanup.schedule', what: 'cron' },
  { path: 'databaseCleanup.retentionDays', prop: 'maintenance.databaseCleanup.retention', what: '`Duration.days`' },
  { path: 'databaseCleanup.skipArchive', prop: 'maintenance.databaseCleanup.skipArchive', what: 'skip archive tables' },
  { path: 'databaseCleanup.tables', prop: 'maintenance.databaseCleanup.tables', what: 'tables' },
  { path: 'databaseCleanup', what: 'other databaseCleanup settings', instead: 'see `DatabaseCleanupOptions`' },
  { path: 'flower.enabled', prop: 'executor: celery `flower`', what: '`{}` (Celery only)' },
  { path: 'flower', what: 'other Flower settings', instead: 'see `FlowerOptions` (`basicAuth` from a Secret)' },
  { path: 'useStandardNaming', prop: 'releaseName', what: 'true: `releaseName` = the chart\'s fullname (`<release>` when it holds `airflow`, else `<release>-airflow`), so workloads keep their names' },
  { path: 'podTemplate', what: 'a whole KubernetesExecutor pod template', instead: 'the library builds the template; set `executor` options (`AirflowExecutor.kubernetes({...})`) or use `kubernetesExecutor` escape hatches' },
  { path: 'multiNamespaceMode', what: 'task pods in other namespaces (ClusterRole)', instead: 'not supported: task pods run in the release namespace' },
  { path: 'migrateDatabaseJob', what: 'the migration Job and its Helm hooks', instead: 'the library runs `airflow db migrate` in a Job named by its content (`gitOps` for Argo CD/Flux)' },
  { path: 'createUserJob', what: 'creates the first admin user (Airflow 2 FAB)', instead: 'run `airflow users create` once (the users already exist in the kept database)' },
  { path: 'webserver.defaultUser', what: 'the first admin user', instead: 'the users already exist in the kept database' },
  { path: 'elasticsearch', what: 'Elasticsearch task logs', instead: 'set the `[elasticsearch]` settings through `unknownSettings` and the connection through an env Secret' },
  { path: 'opensearch', what: 'OpenSearch task logs', instead: 'as `elasticsearch`' },
  { path: 'kerberos', what: 'Kerberos sidecar', instead: 'see `KerberosSidecar`' },
  { path: 'rbac', what: 'RBAC switches', instead: 'the library creates exactly the Roles it needs' },
  { path: 'securityContexts', what: 'security contexts', instead: 'the library runs every pod Pod Security "restricted"' },
  { path: 'uid', what: 'the Airflow user id', instead: 'the library uses the image\'s user (50000)' },
  { path: 'gid', what: 'the Airflow group id', instead: 'the library uses group 0' },
  { path: 'labels', what: 'labels on every object', instead: 'cdk8s `ApiObject.of(...).metadata.addLabel` or a `Chart` label' },
  { path: 'ports', what: 'service ports', instead: 'the library uses Airflow\'s defaults' },
  { path: 'limits', what: 'LimitRange', instead: 'add a `kplus` LimitRange in your chart' },
  { path: 'quotas', what: 'ResourceQuota', instead: 'add a ResourceQuota in your chart' },
  { path: 'extraObjects', what: 'extra manifests', instead: 'add them to your cdk8s chart (`ApiObject` / `Include`)' },
  { path: 'extraEnv', what: 'env as a templated YAML string', instead: 'set `env` entries; the converter does not evaluate templates' },
  { path: 'enableBuiltInSecretEnvVars', what: 'switch off built-in secret env variables', instead: 'the library wires the secrets it needs' },
  { path: 'dagProcessor.dagBundleConfigList', what: 'Airflow 3 DAG bundles', instead: '`DagSource.fromBundles(...)`' },
  { path: 'allowPodLaunching', what: 'pod-launch RBAC for Celery workers', instead: 'KubernetesExecutor RBAC is created when the executor needs it' },
  { path: 'workers.kubernetes', what: 'KubernetesExecutor task pod settings (chart 1.20+)', instead: 'set `AirflowExecutor.kubernetes({...})` options' },
  { path: 'workers.celery', what: 'Celery worker settings (chart 1.20+)', instead: 'set the pool options of `AirflowExecutor.celery({ pools })`' },
];

/**
 * The row a value path falls under: the longest row path equal to it or a prefix of it (whole segments);
 * `<component>` rows match each component.
 *
 * @internal
 */
export function helmRowOf(path: string): HelmValueRow | undefined {
  let best: HelmValueRow | undefined;
  let bestLength = -1;
  for (const row of HELM_VALUE_TABLE) {
    const candidates = row.path.startsWith(`${c}.`) ? HELM_COMPONENTS.map(([name]) => row.path.replace(c, name)) : [row.path];
    for (const candidate of candidates) {
      if ((path === candidate || path.startsWith(`${candidate}.`)) && candidate.length > bestLength) {
        best = row;
        bestLength = candidate.length;
      }
    }
  }
  return best;
}

/**
 * `docs/helm-values.md`, generated from `HELM_VALUE_TABLE`.
 *
 * @internal
 */
export function helmValuesMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '# Official chart values → `AirflowDeployment` props',
    '',
    '<!-- Generated from src/helm/helm-value-table.ts by `npx ts-node scripts/helm-values-doc.ts`; test/helm/helm-values-doc.test.ts fails when they drift. -->',
    '',
    '`npx cdk8s-airflow from-helm values.yaml` (or `HelmValues.fromYaml([...]).toProgram({...})`) reads these values of the',
    'official apache-airflow chart (1.18–1.22). A path covers everything under it unless a longer row names a part.',
    '`<component>` is each of: ' + HELM_COMPONENTS.map(([name, prop]) => `\`${name}\` (${prop})`).join(', ') + '.',
    'A value with no row is reported as unknown at the top of the program; a row without a prop is reported with what to do instead.',
    '',
    '## Supported',
    '',
    '| Value | Prop | How |',
    '|---|---|---|',
    ...HELM_VALUE_TABLE.filter(row => row.prop).map(row => `| \`${cell(row.path)}\` | ${cell(row.prop!)} | ${cell(row.what)} |`),
    '',
    '## Reported (no equivalent)',
    '',
    '| Value | What it did | Instead |',
    '|---|---|---|',
    ...HELM_VALUE_TABLE.filter(row => !row.prop).map(row => `| \`${cell(row.path)}\` | ${cell(row.what)} | ${cell(row.instead ?? '')} |`),
    '',
  ];
  return lines.join('\n');
}
