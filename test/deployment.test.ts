import { Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowAuth, AirflowDeployment, AirflowVersion, MetadataDatabase } from '../src';
import { expectValidManifests } from './support/manifests';
import { airflowCfg, container, env, one, podSpec, synthDeployment, testChart, RESTRICTED_CONTAINER } from './support/synth';

const deploymentNames = (manifests: any[]) => manifests.filter(m => m.kind === 'Deployment').map(m => m.spec.template.metadata.labels['app.kubernetes.io/component']).sort();

describe('AirflowDeployment on Airflow 3 (default)', () => {
  const { manifests, airflow } = synthDeployment();

  test('runs api-server, scheduler, triggerer and a standalone dag-processor', () => {
    expect(deploymentNames(manifests)).toEqual(['api-server', 'dag-processor', 'scheduler', 'triggerer']);
    for (const [component, args] of [['api-server', ['airflow', 'api-server']], ['scheduler', ['airflow', 'scheduler']], ['triggerer', ['airflow', 'triggerer']], ['dag-processor', ['airflow', 'dag-processor']]] as const) {
      const c = container(podSpec(one(manifests, 'Deployment', `airflow-${component}`)), component);
      expect(c.args).toEqual(args);
      expect(c.image).toBe('apache/airflow:3.2.2');
      expect(c.imagePullPolicy).toBe('IfNotPresent');
    }
  });

  test('every synthesized object validates strictly, references hold and pods are restricted', () => {
    expectValidManifests(manifests);
  });

  test('airflow.cfg has the executor, the DAG folder, concurrency knobs and the execution API URL', () => {
    const service = one(manifests, 'Service', 'api-server');
    expect(airflowCfg(manifests)).toMatchObject({
      'core.executor': 'KubernetesExecutor',
      'core.dags_folder': '/opt/airflow/dags',
      'core.load_examples': 'False',
      'core.parallelism': '32',
      'core.max_active_tasks_per_dag': '16',
      'core.max_active_runs_per_dag': '16',
      'core.execution_api_server_url': `http://${service.metadata.name}:8080/execution/`,
      'kubernetes_executor.pod_template_file': '/opt/airflow/pod_templates/pod_template_file.yaml',
      'kubernetes_executor.delete_worker_pods': 'True',
      'kubernetes_executor.delete_worker_pods_on_failure': 'False',
      'kubernetes_executor.worker_pods_creation_batch_size': '8',
    });
  });

  test('the API server has a Service on 8080 and probes /api/v2/version', () => {
    const service = one(manifests, 'Service', 'api-server');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
    const c = container(podSpec(one(manifests, 'Deployment', 'api-server')), 'api-server');
    expect(c.livenessProbe.httpGet).toEqual({ path: '/api/v2/version', port: 8080, scheme: 'HTTP' });
    expect(c.startupProbe.httpGet.path).toBe('/api/v2/version');
    expect(c.readinessProbe.httpGet.path).toBe('/api/v2/version');
  });

  test('job-based components are probed with airflow jobs check --local, with startup probes', () => {
    for (const [name, jobType] of [['scheduler', 'SchedulerJob'], ['triggerer', 'TriggererJob'], ['dag-processor', 'DagProcessorJob']]) {
      const spec = podSpec(one(manifests, 'Deployment', `airflow-${name}`));
      const c = spec.containers[0];
      expect(c.livenessProbe.exec.command[2]).toContain(`airflow jobs check --job-type ${jobType} --local`);
      expect(c.startupProbe.exec.command).toEqual(c.livenessProbe.exec.command);
    }
  });

  test('grace periods per component', () => {
    const grace = (name: string) => podSpec(one(manifests, 'Deployment', `airflow-${name}`)).terminationGracePeriodSeconds;
    expect([grace('scheduler'), grace('api-server'), grace('triggerer'), grace('dag-processor')]).toEqual([10, 30, 60, 60]);
  });

  test('every component waits for migrations first and carries the config checksum', () => {
    for (const d of manifests.filter(m => m.kind === 'Deployment')) {
      const spec = podSpec(d);
      expect(spec.initContainers[0].name).toBe('wait-for-airflow-migrations');
      expect(spec.initContainers[0].args).toEqual(['airflow', 'db', 'check-migrations', '--migration-wait-timeout=300']);
      expect(d.spec.template.metadata.annotations['checksum/airflow-config']).toBe(airflow.config.checksum);
    }
  });

  test('secrets reach every Airflow container from Secrets, never as literal values or ConfigMap data', () => {
    const airflowContainers = manifests
      .filter(m => ['Deployment', 'Job'].includes(m.kind))
      .flatMap(m => [...(podSpec(m).initContainers ?? []), ...podSpec(m).containers])
      .filter(c => c.image.startsWith('apache/airflow') && c.name !== 'generate-secrets');
    expect(airflowContainers.length).toBeGreaterThanOrEqual(9);
    // which container gets which secret is the scope table's (test/secrets/secret-scope.test.ts); each one is a secretKeyRef.
    const seen = new Set<string>();
    for (const c of airflowContainers) {
      for (const name of ['AIRFLOW__CORE__FERNET_KEY', 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN', 'AIRFLOW__API__SECRET_KEY', 'AIRFLOW__API_AUTH__JWT_SECRET']) {
        if (env(c, name) === undefined) continue;
        seen.add(name);
        expect(env(c, name).valueFrom?.secretKeyRef, `${c.name} ${name}`).toBeDefined();
        expect(env(c, name).value, `${c.name} ${name}`).toBeUndefined();
      }
    }
    expect(seen.size).toBe(4);
    const configMapText = JSON.stringify(manifests.filter(m => m.kind === 'ConfigMap'));
    for (const word of ['fernet_key', 'sql_alchemy_conn', 'secret_key', 'jwt_secret']) {
      expect(configMapText).not.toContain(`${word} =`);
    }
  });

  test('the secret generator Job creates the Airflow and database Secrets with least privilege', () => {
    const job = one(manifests, 'Job', 'secret-generator');
    const generated = job.metadata.annotations['airflow.cdk8s.io/generates-secret-keys'];
    expect(generated).toContain('airflow-secrets:fernet-key|api-secret-key|jwt-secret');
    expect(generated).toContain('airflow-simple-auth:password-admin|passwords.json');
    expect(generated).toMatch(/,airflow-postgresql:password\|connection/);
    const role = one(manifests, 'Role', 'secret-generator');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['airflow-simple-auth'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['airflow-secrets'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['airflow-postgresql'], verbs: ['get'] },
    ]);
    expect(podSpec(job).automountServiceAccountToken).toBe(true);
  });

  test('RBAC: the scheduler launches pods, the API server reads their logs, nothing cluster-wide', () => {
    const launcher = one(manifests, 'Role', 'pod-launcher');
    expect(launcher.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
    ]);
    const schedulerSa = podSpec(one(manifests, 'Deployment', '-scheduler')).serviceAccountName;
    const apiServerSa = podSpec(one(manifests, 'Deployment', 'api-server')).serviceAccountName;
    const bindingOf = (roleName: string) => manifests.find(m => m.kind === 'RoleBinding' && m.roleRef.name === roleName);
    expect(bindingOf(launcher.metadata.name).subjects.map((s: any) => s.name)).toEqual([schedulerSa]);
    const reader = one(manifests, 'Role', 'pod-log-reader');
    expect(reader.rules.flatMap((r: any) => r.verbs).every((v: string) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    expect(bindingOf(reader.metadata.name).subjects.map((s: any) => s.name)).toEqual([apiServerSa]);
    expect(manifests.filter(m => m.kind.startsWith('Cluster'))).toEqual([]);
  });

  test('only pods that use the Kubernetes API get a token', () => {
    const tokens = Object.fromEntries(manifests.filter(m => ['Deployment', 'StatefulSet'].includes(m.kind))
      .map(m => [m.spec.template.metadata.labels['app.kubernetes.io/component'], podSpec(m).automountServiceAccountToken]));
    expect(tokens).toEqual({ 'api-server': true, 'scheduler': true, 'triggerer': false, 'dag-processor': false, 'postgresql': false });
    for (const sa of manifests.filter(m => m.kind === 'ServiceAccount')) {
      expect(sa.automountServiceAccountToken).toBe(false);
    }
  });

  test('the scheduler mounts the pod template directory read-only', () => {
    const spec = podSpec(one(manifests, 'Deployment', '-scheduler'));
    const template = one(manifests, 'ConfigMap', 'pod-template');
    const volume = spec.volumes.find((v: any) => v.configMap?.name === template.metadata.name);
    expect(container(spec, 'scheduler').volumeMounts).toContainEqual({ mountPath: '/opt/airflow/pod_templates', name: volume.name, readOnly: true });
  });

  test('pods run as the airflow user with the restricted context and writable /tmp and logs', () => {
    const spec = podSpec(one(manifests, 'Deployment', '-scheduler'));
    expect(spec.securityContext).toMatchObject({ runAsUser: 50000, runAsGroup: 0, fsGroup: 0, runAsNonRoot: true });
    const c = container(spec, 'scheduler');
    expect(c.securityContext).toEqual(RESTRICTED_CONTAINER);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(mounts['/opt/airflow/airflow.cfg']).toMatchObject({ subPath: 'airflow.cfg', readOnly: true });
    expect(spec.volumes.find((v: any) => v.name === mounts['/tmp'].name).emptyDir).toEqual({});
    expect(spec.volumes.find((v: any) => v.name === mounts['/opt/airflow/logs'].name).emptyDir).toEqual({});
  });

  test('sets resources per component (no 1-CPU cdk8s-plus default)', () => {
    const cpu = (name: string) => podSpec(one(manifests, 'Deployment', `airflow-${name}`)).containers[0].resources.requests.cpu;
    expect([cpu('scheduler'), cpu('api-server'), cpu('triggerer'), cpu('dag-processor')]).toEqual(['500m', '250m', '100m', '250m']);
  });
});

describe('AirflowDeployment on Airflow 2', () => {
  test('runs webserver, scheduler and triggerer; the scheduler parses DAGs', () => {
    const { manifests } = synthDeployment({ airflowVersion: AirflowVersion.V2_11_0 });
    expect(deploymentNames(manifests)).toEqual(['scheduler', 'triggerer', 'webserver']);
    const web = container(podSpec(one(manifests, 'Deployment', 'webserver')), 'webserver');
    expect(web.args).toEqual(['airflow', 'webserver', '--pid', '/tmp/airflow-webserver.pid']);
    expect(web.livenessProbe.httpGet.path).toBe('/health');
    expect(env(web, 'AIRFLOW__WEBSERVER__SECRET_KEY').valueFrom.secretKeyRef.key).toBe('webserver-secret-key');
    expect(env(web, 'AIRFLOW__API__SECRET_KEY')).toBeUndefined();
    expect(env(web, 'AIRFLOW__API_AUTH__JWT_SECRET')).toBeUndefined();
    const cfg = airflowCfg(manifests);
    expect(cfg['scheduler.standalone_dag_processor']).toBe('False');
    expect(cfg['core.execution_api_server_url']).toBeUndefined();
    expect(web.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/opt/airflow/webserver_config.py', subPath: 'webserver_config.py', readOnly: true }));
    expectValidManifests(manifests);
  });

  test('runs a standalone dag-processor when asked', () => {
    const { manifests } = synthDeployment({ airflowVersion: AirflowVersion.V2_10_5, dagProcessor: { enabled: true } });
    expect(deploymentNames(manifests)).toEqual(['dag-processor', 'scheduler', 'triggerer', 'webserver']);
    expect(airflowCfg(manifests)['scheduler.standalone_dag_processor']).toBe('True');
    expectValidManifests(manifests);
  });

  test('fails on Airflow 3 options', () => {
    expect(() => synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, apiServer: { replicas: 2 } }))
      .toThrow("'apiServer' is for Airflow 3 only, but 'airflowVersion' is 2.11.0: remove it or change 'airflowVersion'");
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'S', 's');
    expect(() => new AirflowDeployment(chart, 'A', { airflowVersion: AirflowVersion.V2_11_0, secrets: { jwtSecret: { secret, key: 'k' } } }))
      .toThrow("'secrets.jwtSecret' is for Airflow 3 only");
  });
});

describe('AirflowDeployment options', () => {
  test('fails on Airflow 2 options on Airflow 3', () => {
    expect(() => synthDeployment({ webserver: {} })).toThrow("'webserver' is for Airflow 2 only, but 'airflowVersion' is 3.2.2: remove it or change 'airflowVersion'");
    expect(() => synthDeployment({ dagProcessor: { enabled: false } }))
      .toThrow("'dagProcessor.enabled' cannot be false on Airflow 3.2.2: Airflow 3 always parses DAGs in a standalone dag-processor");
  });

  test('typed knobs own their keys', () => {
    const { manifests } = synthDeployment({ loadExamples: true, parallelism: 64, maxActiveTasksPerDag: 8, maxActiveRunsPerDag: 2 });
    expect(airflowCfg(manifests)).toMatchObject({ 'core.load_examples': 'True', 'core.parallelism': '64', 'core.max_active_tasks_per_dag': '8', 'core.max_active_runs_per_dag': '2' });
    expect(() => synthDeployment({ parallelism: 64, settings: { 'core.parallelism': '8' } }))
      .toThrow("Airflow setting 'core.parallelism' is managed by this library: set 'parallelism' instead of overriding it in 'settings'");
  });

  test('settings override defaults when no typed prop is given', () => {
    const { manifests } = synthDeployment({ settings: { 'core.parallelism': '128', 'dag_processor.refresh_interval': '60' } });
    expect(airflowCfg(manifests)).toMatchObject({ 'core.parallelism': '128', 'dag_processor.refresh_interval': '60' });
  });

  test('fails on concurrency knobs below 1', () => {
    expect(() => synthDeployment({ parallelism: 0 })).toThrow("'parallelism' must be a whole number >= 1, got 0");
    expect(() => synthDeployment({ maxActiveTasksPerDag: 1.5 })).toThrow("'maxActiveTasksPerDag' must be a whole number >= 1, got 1.5");
    expect(() => synthDeployment({ maxActiveRunsPerDag: -1 })).toThrow("'maxActiveRunsPerDag' must be a whole number >= 1, got -1");
  });

  test('fails when settings override the executor or the database connection', () => {
    expect(() => synthDeployment({ settings: { 'core.executor': 'LocalExecutor' } }))
      .toThrow("Airflow setting 'core.executor' is managed by this library: set 'executor' instead");
    expect(() => synthDeployment({ settings: { 'database.sql_alchemy_conn': 'sqlite://' } }))
      .toThrow("Airflow marks setting 'database.sql_alchemy_conn' (in 'settings') as sensitive, so it is never written into the airflow.cfg ConfigMap");
    expect(() => synthDeployment({ secretSettings: { 'database.sql_alchemy_conn': { secret: kplus.Secret.fromSecretName(testChart(), 'S', 's'), key: 'k' } } }))
      .toThrow("Airflow setting 'database.sql_alchemy_conn' is managed by this library: set 'database' instead of overriding it in 'secretSettings'");
  });

  test('uses the user\'s Secrets and generates only the rest', () => {
    const chart = testChart();
    const mine = new kplus.Secret(chart, 'Mine', { stringData: { fernet: 'x', api: 'y', jwt: 'z', conn: 'postgresql://u:p@db/airflow', passwords: '{"admin": "pw"}' } });
    new AirflowDeployment(chart, 'Airflow', {
      secrets: { fernetKey: { secret: mine, key: 'fernet' }, apiSecretKey: { secret: mine, key: 'api' }, jwtSecret: { secret: mine, key: 'jwt' } },
      database: MetadataDatabase.external({ connection: { secret: mine, key: 'conn' } }),
      auth: AirflowAuth.simple({ passwords: { secret: mine, key: 'passwords' } }),
    });
    const manifests = Testing.synth(chart);
    expect(manifests.filter(m => m.kind === 'Job').map(m => m.metadata.name)).toEqual([expect.stringMatching(/^airflow-migrate-[0-9a-f]{8}$/)]);
    expect(manifests.filter(m => m.kind === 'StatefulSet')).toEqual([]);
    const c = container(podSpec(one(manifests, 'Deployment', '-scheduler')), 'scheduler');
    expect(env(c, 'AIRFLOW__CORE__FERNET_KEY').valueFrom.secretKeyRef).toEqual({ name: mine.name, key: 'fernet' });
    expect(env(c, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN').valueFrom.secretKeyRef).toEqual({ name: mine.name, key: 'conn' });
    expectValidManifests(manifests);
  });

  test('an external database referenced by the user\'s own Secret validates with it declared external', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db');
    new AirflowDeployment(chart, 'Airflow', { database: MetadataDatabase.external({ connection: { secret, key: 'url' } }) });
    expectValidManifests(Testing.synth(chart), { external: { secrets: ['airflow-db'] } });
  });

  test('the migration Job name follows everything it runs (its pod template is immutable), and only that', () => {
    const jobName = (props: any) => one(synthDeployment(props).manifests, 'Job', 'migrate').metadata.name;
    expect(jobName({})).toBe(jobName({}));
    // parallelism is a setting in airflow.cfg, whose checksum the pod template carries.
    expect(jobName({})).not.toBe(jobName({ parallelism: 3 }));
    expect(jobName({})).not.toBe(jobName({ image: 'registry.example.com/airflow:3.2.2-custom' }));
    expect(jobName({})).not.toBe(jobName({ airflowVersion: AirflowVersion.V3_1_8 }));
  });

  test('a config change changes the pods\' checksum annotation', () => {
    const checksum = (props: any) => one(synthDeployment(props).manifests, 'Deployment', '-scheduler').spec.template.metadata.annotations['checksum/airflow-config'];
    expect(checksum({})).toBe(checksum({}));
    expect(checksum({})).not.toBe(checksum({ settings: { 'core.parallelism': '8' } }));
  });

  test('component options reach their Deployment', () => {
    const { manifests } = synthDeployment({
      scheduler: { replicas: 2, nodeSelector: { pool: 'system' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'airflow', effect: 'NoSchedule' }] },
      triggerer: { replicas: 3, envVariables: { FOO: kplus.EnvValue.fromValue('bar') } },
      apiServer: { replicas: 2 },
    });
    const scheduler = one(manifests, 'Deployment', '-scheduler');
    expect(scheduler.spec.replicas).toBe(2);
    expect(podSpec(scheduler).nodeSelector).toEqual({ pool: 'system' });
    expect(podSpec(scheduler).tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'airflow', effect: 'NoSchedule' }]);
    const triggerer = one(manifests, 'Deployment', '-triggerer');
    expect(triggerer.spec.replicas).toBe(3);
    expect(env(podSpec(triggerer).containers[0], 'FOO')).toEqual({ name: 'FOO', value: 'bar' });
    expect(one(manifests, 'Deployment', 'api-server').spec.replicas).toBe(2);
    expectValidManifests(manifests);
  });

  test('the triggerer can be turned off', () => {
    expect(deploymentNames(synthDeployment({ triggerer: { enabled: false } }).manifests)).toEqual(['api-server', 'dag-processor', 'scheduler']);
  });

  test('synthesizes byte-identical output run to run', () => {
    const yaml = () => Yaml.stringify(...synthDeployment({ loadExamples: true }).manifests);
    expect(yaml()).toBe(yaml());
  });
});

describe('AirflowDeployment settings checks', () => {
  test('a misspelled setting fails with the closest known key', () => {
    expect(() => synthDeployment({ settings: { 'core.paralelism': '8' } }))
      .toThrow("Airflow 3.2.2 has no setting 'core.paralelism' (in 'settings'): did you mean 'core.parallelism'?");
  });

  test('unknownSettings passes plugin settings through unchecked', () => {
    const { manifests } = synthDeployment({ unknownSettings: { 'my_plugin.endpoint': 'https://example.com' } });
    expect(airflowCfg(manifests)['my_plugin.endpoint']).toBe('https://example.com');
  });
});

describe('Airflow settings given as environment variables', () => {
  test('a misspelled or mistyped AIRFLOW__SECTION__KEY variable fails with the closest key', () => {
    expect(() => synthDeployment({ scheduler: { envVariables: { AIRFLOW__CORE__PARALELISM: kplus.EnvValue.fromValue('8') } } }))
      .toThrow("Airflow 3.2.2 has no setting 'AIRFLOW__CORE__PARALELISM' (in 'envVariables of scheduler'): did you mean 'AIRFLOW__CORE__PARALLELISM'?");
    expect(() => synthDeployment({ triggerer: { envVariables: { AIRFLOW__CORE__PARALLELISM: kplus.EnvValue.fromValue('ten') } } }))
      .toThrow("Airflow setting 'AIRFLOW__CORE__PARALLELISM' must be an integer, got 'ten'");
  });

  test('a variable overriding a key the library manages fails at synth', () => {
    expect(() => synthDeployment({ scheduler: { envVariables: { AIRFLOW__CORE__EXECUTOR: kplus.EnvValue.fromValue('LocalExecutor') } } }))
      .toThrow("Airflow setting 'core.executor' is managed by this library: set 'executor' instead of overriding it in 'envVariables of scheduler'");
  });

  test('valid variables and other variables pass', () => {
    const { manifests } = synthDeployment({
      scheduler: { envVariables: { AIRFLOW__CORE__PARALLELISM: kplus.EnvValue.fromValue('8'), MY_VAR: kplus.EnvValue.fromValue('x'), AIRFLOW_HOME_EXTRA: kplus.EnvValue.fromValue('prod') } },
    });
    expect(env(container(podSpec(one(manifests, 'Deployment', '-scheduler')), 'scheduler'), 'AIRFLOW__CORE__PARALLELISM').value).toBe('8');
  });
});
