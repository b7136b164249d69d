import { readFileSync } from 'fs';
import { join } from 'path';
import { Duration, Size, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test, vi } from 'vitest';
import { airflowContainers, airflowPods, containerNames, podsOf, serviceAccountAnnotations, volume } from './helpers';
import {
  AirflowConfig, AirflowDeployment, AirflowDeploymentProps, AirflowExecutor, AirflowLogs, AirflowLogsKind, AirflowPodRecipe, AirflowScheduler,
  AirflowTriggerer,
  AirflowVersion, DagPodMode, GcsCredentials, S3Credentials, WorkerWorkloadKind,
} from '../../src';
import { sourceMessages } from '../support/error-messages';
import { expectValidManifests, ReferenceOptions } from '../support/manifests';
import { airflowCfg, container, env, one, podSpec, testChart, RESTRICTED_CONTAINER } from '../support/synth';

const AF3 = AirflowVersion.V3_2_2;
const AF2 = AirflowVersion.V2_11_0;
const ROLE = 'arn:aws:iam::123456789012:role/airflow-logs';
const GSA = 'airflow-logs@my-project.iam.gserviceaccount.com';
const CONN = 'AIRFLOW_CONN_AIRFLOW_REMOTE_LOGS';

/** Celery (a Deployment pool) and the KubernetesExecutor together: every kind of pod that writes logs. */
const bothExecutors = () => AirflowExecutor.celeryAndKubernetes({ pools: [{ name: 'default' }] });

function deploy(props: AirflowDeploymentProps, references: ReferenceOptions = {}) {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const chart = testChart();
  const airflow = new AirflowDeployment(chart, 'Airflow', props);
  const manifests = Testing.synth(chart);
  expectValidManifests(manifests, references);
  return { chart, airflow, manifests };
}

/** The components reading or writing logs on a version: the UI differs. */
const logUsers = (version: AirflowVersion) => version.isAirflow3
  ? ['scheduler', 'api-server', 'triggerer', 'dag-processor', 'worker', 'task']
  : ['scheduler', 'webserver', 'triggerer', 'worker', 'task'];

describe.each([AF3, AF2])('AirflowLogs.local() (the default) on Airflow $version', (version) => {
  const { manifests, airflow } = deploy({
    airflowVersion: version, executor: bothExecutors(), dagProcessor: version.isAirflow3 ? undefined : { enabled: true },
  });

  test('every Airflow pod, task pods and the migrations Job included, writes logs to an emptyDir named logs', () => {
    expect(airflow.recipe.logs.kind).toBe(AirflowLogsKind.LOCAL);
    const pods = airflowPods(manifests);
    // Airflow 2 defaults to AirflowAuth.fab(), whose create-admin Job is an Airflow pod too.
    expect(pods.map(p => p.component).sort()).toEqual(['api-server', 'dag-processor', 'migrate', 'scheduler', 'task', 'triggerer', 'worker']
      .map(c => c === 'api-server' && !version.isAirflow3 ? 'webserver' : c).concat(version.isAirflow3 ? [] : ['create-admin']).sort());
    for (const pod of pods) {
      expect(volume(pod.spec, 'logs'), pod.name).toEqual({ name: 'logs', emptyDir: {} });
      for (const c of airflowContainers(pod.spec)) {
        expect(c.volumeMounts, `${pod.name}/${c.name}`).toContainEqual({ mountPath: '/opt/airflow/logs', name: 'logs' });
      }
    }
  });

  test('no remote logging, no connection, no groomer in Deployments', () => {
    const cfg = airflowCfg(manifests);
    expect(cfg['logging.remote_logging']).toBeUndefined();
    expect(cfg['logging.remote_log_conn_id']).toBeUndefined();
    expect(airflow.recipe.logs.remote).toBe(false);
    for (const pod of airflowPods(manifests)) {
      expect(containerNames(pod.spec).main, pod.name).not.toContain('log-groomer');
      for (const c of airflowContainers(pod.spec)) expect(env(c, CONN), `${pod.name}/${c.name}`).toBeUndefined();
    }
  });

  test('log servers: ports in airflow.cfg follow the containers, the triggerer has a headless Service, pods are reached by IP', () => {
    const cfg = airflowCfg(manifests);
    expect(cfg['logging.worker_log_server_port']).toBe('8793');
    expect(cfg['logging.trigger_log_server_port']).toBe('8794');
    expect(cfg['core.hostname_callable']).toBe('airflow.utils.net.get_host_ip_address');
    const triggerer = one(manifests, 'Deployment', 'triggerer');
    expect(container(podSpec(triggerer), 'triggerer').ports).toEqual([{ containerPort: 8794, name: 'triggerer-logs' }]);
    const service = one(manifests, 'Service', 'triggerer');
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports).toEqual([{ name: 'triggerer-logs', port: 8794, targetPort: 8794 }]);
    expect(Object.entries(service.spec.selector).every(([k, v]) => triggerer.spec.template.metadata.labels[k] === v)).toBe(true);
    expect(airflow.triggerer!.logService.name).toBe(service.metadata.name);
  });
});

describe('AirflowLogs.local() settings and groomer', () => {
  test('hostname_callable may be overridden; the log server ports may not', () => {
    const { manifests } = deploy({ settings: { 'core.hostname_callable': 'airflow.utils.net.getfqdn' } });
    expect(airflowCfg(manifests)['core.hostname_callable']).toBe('airflow.utils.net.getfqdn');
    expect(() => deploy({ settings: { 'logging.trigger_log_server_port': '9000' } }))
      .toThrow("Airflow setting 'logging.trigger_log_server_port' is managed by this library: set 'logs' instead of overriding it in 'settings'");
    expect(() => deploy({ executor: AirflowExecutor.celery(), settings: { 'logging.worker_log_server_port': '9000' } }))
      .toThrow("Airflow setting 'logging.worker_log_server_port' is managed by this library: set 'logs' instead of overriding it in 'settings'");
  });

  test('Celery workers of a StatefulSet keep logs on their claims, so they get the groomer by default; Deployment workers do not', () => {
    const { manifests } = deploy({
      executor: AirflowExecutor.celery({ pools: [{ name: 'light' }, { name: 'heavy', workloadKind: WorkerWorkloadKind.STATEFUL_SET }] }),
    });
    const heavy = one(manifests, 'StatefulSet', 'worker-heavy');
    expect(containerNames(podSpec(heavy)).main).toEqual(['worker', 'log-groomer']);
    expect(heavy.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['logs']);
    expect(podSpec(heavy).volumes.map((v: any) => v.name)).not.toContain('logs');
    expect(container(podSpec(heavy), 'log-groomer').volumeMounts).toEqual([{ mountPath: '/opt/airflow/logs', name: 'logs' }]);
    expect(containerNames(podSpec(one(manifests, 'Deployment', 'worker-light'))).main).toEqual(['worker']);
  });

  test.each([AF3, AF2])('groomer enabled on Airflow $version: the scheduler, dag-processor, triggerer and workers; not the UI, Jobs or task pods', (version) => {
    const { manifests } = deploy({
      airflowVersion: version,
      executor: bothExecutors(),
      dagProcessor: version.isAirflow3 ? undefined : { enabled: true },
      logs: AirflowLogs.local({ groomer: { enabled: true } }),
    });
    const groomed = airflowPods(manifests).filter(p => containerNames(p.spec).main.includes('log-groomer')).map(p => p.component).sort();
    expect(groomed).toEqual(['dag-processor', 'scheduler', 'triggerer', 'worker']);
    const scheduler = podSpec(one(manifests, 'Deployment', 'scheduler'));
    expect(containerNames(scheduler).main).toEqual(['scheduler', 'log-groomer']);
  });

  test('the groomer: Airflow image without its entrypoint, only the logs volume, no Airflow environment, tiny resources, restricted', () => {
    const { manifests, airflow } = deploy({ logs: AirflowLogs.local({ groomer: { enabled: true } }) });
    const groomer = container(podSpec(one(manifests, 'Deployment', 'triggerer')), 'log-groomer');
    expect(groomer.image).toBe(airflow.recipe.image);
    expect(groomer.imagePullPolicy).toBe('IfNotPresent');
    expect(groomer.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(groomer.args).toBeUndefined();
    expect(groomer.env).toEqual([
      { name: 'LOGS_DIR', value: '/opt/airflow/logs' },
      { name: 'RETENTION_MINUTES', value: '21600' },
      { name: 'GROOM_INTERVAL_SECONDS', value: '900' },
    ]);
    expect(groomer.volumeMounts).toEqual([{ mountPath: '/opt/airflow/logs', name: 'logs' }]);
    expect(groomer.resources).toEqual({ limits: { memory: '64Mi' }, requests: { cpu: '5m', memory: '32Mi' } });
    expect(groomer.securityContext).toEqual(RESTRICTED_CONTAINER);
  });

  test('retention, interval and resources are the user\'s', () => {
    const { manifests } = deploy({
      logs: AirflowLogs.local({
        groomer: { enabled: true, retention: Duration.days(3), interval: Duration.minutes(2) },
      }),
    });
    const groomer = container(podSpec(one(manifests, 'Deployment', 'scheduler')), 'log-groomer');
    expect(env(groomer, 'RETENTION_MINUTES').value).toBe('4320');
    expect(env(groomer, 'GROOM_INTERVAL_SECONDS').value).toBe('120');
  });
});

describe.each([AF3, AF2])('AirflowLogs.persistentVolume() on Airflow $version', (version) => {
  test('one ReadWriteMany claim of 100Gi mounted at /opt/airflow/logs in every Airflow pod, one groomer in the scheduler', () => {
    const { manifests, airflow } = deploy({
      airflowVersion: version,
      executor: bothExecutors(),
      dagProcessor: version.isAirflow3 ? undefined : { enabled: true },
      logs: AirflowLogs.persistentVolume({ storageClassName: 'efs' }),
    }, { external: { storageClasses: ['efs'] } });
    expect(airflow.recipe.logs.kind).toBe(AirflowLogsKind.PERSISTENT_VOLUME);
    const claim = one(manifests, 'PersistentVolumeClaim', '-logs');
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Gi' } }, storageClassName: 'efs', volumeMode: 'Filesystem' });
    const pods = airflowPods(manifests);
    expect(pods.map(p => p.component)).toContain('task');
    expect(pods.map(p => p.component)).toContain('migrate');
    for (const pod of pods) {
      expect(volume(pod.spec, 'logs'), pod.name).toEqual({ name: 'logs', persistentVolumeClaim: { claimName: claim.metadata.name, readOnly: false } });
      for (const c of airflowContainers(pod.spec)) expect(c.volumeMounts, `${pod.name}/${c.name}`).toContainEqual({ mountPath: '/opt/airflow/logs', name: 'logs' });
    }
    expect(pods.filter(p => containerNames(p.spec).main.includes('log-groomer')).map(p => p.component)).toEqual(['scheduler']);
    expect(airflowCfg(manifests)['logging.remote_logging']).toBeUndefined();
  });
});

describe('AirflowLogs.persistentVolume() with your claim', () => {
  test('a ReadWriteMany kplus claim, or an imported one; groomer can be turned off', () => {
    const chart = testChart();
    const claim = new kplus.PersistentVolumeClaim(chart, 'Logs', { accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_MANY], storage: Size.gibibytes(5) });
    new AirflowDeployment(chart, 'Airflow', { logs: AirflowLogs.persistentVolume({ claim, groomer: { enabled: false } }) });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests);
    expect(manifests.filter(m => m.kind === 'PersistentVolumeClaim').map(m => m.metadata.name)).not.toContain(expect.stringContaining('-logs'));
    for (const pod of airflowPods(manifests)) {
      expect(volume(pod.spec, 'logs').persistentVolumeClaim.claimName).toBe(claim.name);
      expect(containerNames(pod.spec).main).not.toContain('log-groomer');
    }

    const other = testChart();
    const imported = kplus.PersistentVolumeClaim.fromClaimName(other, 'Imported', 'airflow-logs');
    new AirflowDeployment(other, 'Airflow', { logs: AirflowLogs.persistentVolume({ claim: imported }) });
    const importedManifests = Testing.synth(other);
    expectValidManifests(importedManifests, { external: { persistentVolumeClaims: ['airflow-logs'] } });
    expect(volume(podSpec(one(importedManifests, 'Deployment', 'scheduler')), 'logs').persistentVolumeClaim.claimName).toBe('airflow-logs');
  });

  test('a recipe on its own creates the claim once, next to its config', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config'), logs: AirflowLogs.persistentVolume() });
    new AirflowScheduler(chart, 'Scheduler', { recipe });
    new AirflowTriggerer(chart, 'Triggerer', { recipe });
    const manifests = Testing.synth(chart);
    expect(manifests.filter(m => m.kind === 'PersistentVolumeClaim')).toHaveLength(1);
    expect(chart.node.tryFindChild('Logs')?.node.tryFindChild('Claim')).toBeDefined();
  });
});

describe.each([AF3, AF2])('AirflowLogs.s3() on Airflow $version', (version) => {
  test('IRSA: remote logging settings, a literal connection without secrets, the role on every ServiceAccount of a pod that reads or writes logs', () => {
    const { manifests, airflow } = deploy({
      airflowVersion: version,
      executor: bothExecutors(),
      logs: AirflowLogs.s3({ bucket: 'my-airflow-logs', prefix: 'airflow/logs/', region: 'eu-west-1', credentials: S3Credentials.fromServiceAccountRole(ROLE) }),
    });
    expect(airflow.recipe.logs.kind).toBe(AirflowLogsKind.S3);
    expect(airflow.recipe.logs.remoteBaseLogFolder).toBe('s3://my-airflow-logs/airflow/logs');
    const cfg = airflowCfg(manifests);
    expect([cfg['logging.remote_logging'], cfg['logging.remote_base_log_folder'], cfg['logging.remote_log_conn_id']])
      .toEqual(['True', 's3://my-airflow-logs/airflow/logs', 'airflow_remote_logs']);
    expect([cfg['logging.delete_local_logs'], cfg['logging.encrypt_s3_logs']]).toEqual(['True', 'False']);

    const connection = '{"conn_type":"aws","extra":{"region_name":"eu-west-1"}}';
    for (const component of logUsers(version)) {
      const pods = podsOf(manifests, component);
      expect(pods.length, component).toBeGreaterThan(0);
      for (const pod of pods) {
        expect(serviceAccountAnnotations(manifests, pod.spec)['eks.amazonaws.com/role-arn'], pod.name).toBe(ROLE);
        for (const c of airflowContainers(pod.spec)) {
          expect(env(c, CONN), `${pod.name}/${c.name}`).toEqual({ name: CONN, value: connection });
          expect(env(c, 'AWS_ACCESS_KEY_ID')).toBeUndefined();
        }
        // remote logging uploads: nothing to groom by default.
        expect(containerNames(pod.spec).main).not.toContain('log-groomer');
      }
    }
    const migrations = podsOf(manifests, 'migrate')[0];
    expect(serviceAccountAnnotations(manifests, migrations.spec)['eks.amazonaws.com/role-arn']).toBeUndefined();
    expect(env(container(migrations.spec, 'migrate'), CONN)).toBeUndefined();
    // the connection is no secret, but no ConfigMap carries it either.
    expect(manifests.filter(m => m.kind === 'ConfigMap' && JSON.stringify(m.data).includes('AIRFLOW_CONN_') && !JSON.stringify(m.data).includes('kind: Pod'))).toEqual([]);
  });

  test('access keys and MinIO: the keys from secretKeyRef, the connection with the endpoint and path-style addressing', () => {
    const chart = testChart();
    const keys = kplus.Secret.fromSecretName(chart, 'Keys', 'minio-keys');
    new AirflowDeployment(chart, 'Airflow', {
      airflowVersion: version,
      executor: bothExecutors(),
      logs: AirflowLogs.s3({
        bucket: 'logs',
        endpointUrl: 'http://minio.minio:9000',
        region: 'us-east-1',
        encrypt: true,
        deleteLocalLogs: false,
        credentials: S3Credentials.fromAccessKeys({ secret: keys, key: 'id' }, { secret: keys, key: 'secret' }),
      }),
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['minio-keys'] } });
    const cfg = airflowCfg(manifests);
    expect([cfg['logging.remote_base_log_folder'], cfg['logging.delete_local_logs'], cfg['logging.encrypt_s3_logs']]).toEqual(['s3://logs', 'False', 'True']);
    const connection = JSON.stringify({
      conn_type: 'aws', extra: { region_name: 'us-east-1', endpoint_url: 'http://minio.minio:9000', config_kwargs: { s3: { addressing_style: 'path' } } },
    });
    for (const component of logUsers(version)) {
      for (const pod of podsOf(manifests, component)) {
        expect(serviceAccountAnnotations(manifests, pod.spec)['eks.amazonaws.com/role-arn']).toBeUndefined();
        for (const c of airflowContainers(pod.spec)) {
          expect(env(c, CONN).value, `${pod.name}/${c.name}`).toBe(connection);
          expect(env(c, 'AWS_ACCESS_KEY_ID')).toEqual({ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'minio-keys', key: 'id' } } });
          expect(env(c, 'AWS_SECRET_ACCESS_KEY')).toEqual({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'minio-keys', key: 'secret' } } });
        }
      }
    }
    expect(env(container(podsOf(manifests, 'migrate')[0].spec, 'migrate'), 'AWS_ACCESS_KEY_ID')).toBeUndefined();
  });

  test('the whole connection from your Secret', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'Conn', 'logs-connection');
    new AirflowDeployment(chart, 'Airflow', {
      airflowVersion: version,
      executor: bothExecutors(),
      logs: AirflowLogs.s3({ bucket: 'logs', connection: { secret, key: 'uri' } }),
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['logs-connection'] } });
    for (const component of logUsers(version)) {
      for (const pod of podsOf(manifests, component)) {
        for (const c of airflowContainers(pod.spec)) {
          expect(env(c, CONN), `${pod.name}/${c.name}`).toEqual({ name: CONN, valueFrom: { secretKeyRef: { name: 'logs-connection', key: 'uri' } } });
        }
      }
    }
  });
});

describe('AirflowLogs.s3() with groomer and StatefulSet workers', () => {
  test('remote logging leaves the claims of StatefulSet workers to delete_local_logs; an explicit groomer still runs', () => {
    const logs = (enabled?: boolean) => AirflowLogs.s3({
      bucket: 'logs', credentials: S3Credentials.fromEnvironment(), groomer: enabled === undefined ? undefined : { enabled },
    });
    const executor = () => AirflowExecutor.celery({ pools: [{ name: 'heavy', workloadKind: WorkerWorkloadKind.STATEFUL_SET }] });
    const byDefault = deploy({ executor: executor(), logs: logs() });
    expect(containerNames(podSpec(one(byDefault.manifests, 'StatefulSet', 'worker-heavy'))).main).toEqual(['worker']);
    const enabled = deploy({ executor: executor(), logs: logs(true) });
    expect(containerNames(podSpec(one(enabled.manifests, 'StatefulSet', 'worker-heavy'))).main).toEqual(['worker', 'log-groomer']);
    expect(containerNames(podSpec(one(enabled.manifests, 'Deployment', 'scheduler'))).main).toEqual(['scheduler', 'log-groomer']);
  });

  test('the settings remote logging needs are the library\'s', () => {
    const logs = AirflowLogs.s3({ bucket: 'logs', credentials: S3Credentials.fromEnvironment() });
    expect(() => deploy({ logs, settings: { 'logging.remote_logging': 'False' } }))
      .toThrow("Airflow setting 'logging.remote_logging' is managed by this library: set 'logs' instead of overriding it in 'settings'");
    expect(() => deploy({ logs, settings: { 'logging.delete_local_logs': 'False' } }))
      .toThrow("Airflow setting 'logging.delete_local_logs' is managed by this library: set 'logs (deleteLocalLogs)' instead of overriding it in 'settings'");
    expect(() => deploy({ logs, settings: { 'logging.encrypt_s3_logs': 'True' } }))
      .toThrow("Airflow setting 'logging.encrypt_s3_logs' is managed by this library: set 'logs (encrypt)' instead of overriding it in 'settings'");
  });

  test('is byte-identical run to run', () => {
    const props = (): AirflowDeploymentProps => ({
      executor: bothExecutors(),
      logs: AirflowLogs.s3({ bucket: 'logs', region: 'eu-west-1', endpointUrl: 'https://s3.example.com', credentials: S3Credentials.fromServiceAccountRole(ROLE) }),
    });
    expect(Yaml.stringify(...deploy(props()).manifests)).toBe(Yaml.stringify(...deploy(props()).manifests));
  });
});

describe.each([AF3, AF2])('AirflowLogs.gcs() on Airflow $version', (version) => {
  test('Workload Identity: the Google service account on every ServiceAccount of a pod that reads or writes logs', () => {
    const { manifests, airflow } = deploy({
      airflowVersion: version,
      executor: bothExecutors(),
      logs: AirflowLogs.gcs({ bucket: 'my-airflow-logs', prefix: 'airflow', credentials: GcsCredentials.fromWorkloadIdentity(GSA) }),
    });
    expect(airflow.recipe.logs.kind).toBe(AirflowLogsKind.GCS);
    const cfg = airflowCfg(manifests);
    expect([cfg['logging.remote_logging'], cfg['logging.remote_base_log_folder'], cfg['logging.remote_log_conn_id'], cfg['logging.delete_local_logs']])
      .toEqual(['True', 'gs://my-airflow-logs/airflow', 'airflow_remote_logs', 'True']);
    expect(cfg['logging.encrypt_s3_logs']).toBeUndefined();
    for (const component of logUsers(version)) {
      for (const pod of podsOf(manifests, component)) {
        expect(serviceAccountAnnotations(manifests, pod.spec)['iam.gke.io/gcp-service-account'], pod.name).toBe(GSA);
        for (const c of airflowContainers(pod.spec)) {
          expect(env(c, CONN), `${pod.name}/${c.name}`).toEqual({ name: CONN, value: '{"conn_type":"google_cloud_platform","extra":{}}' });
        }
      }
    }
    expect(serviceAccountAnnotations(manifests, podsOf(manifests, 'migrate')[0].spec)['iam.gke.io/gcp-service-account']).toBeUndefined();
  });

  test('a key file from a Secret, mounted read-only (0440) where logs are read or written, named by the connection', () => {
    const chart = testChart();
    const key = kplus.Secret.fromSecretName(chart, 'Key', 'gcs-key');
    new AirflowDeployment(chart, 'Airflow', {
      airflowVersion: version,
      executor: bothExecutors(),
      logs: AirflowLogs.gcs({ bucket: 'logs', credentials: GcsCredentials.fromKeyFile({ secret: key, key: 'sa.json' }), deleteLocalLogs: false }),
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['gcs-key'] } });
    expect(airflowCfg(manifests)['logging.delete_local_logs']).toBe('False');
    const connection = '{"conn_type":"google_cloud_platform","extra":{"key_path":"/opt/airflow/secrets/remote-logs/key.json"}}';
    for (const component of logUsers(version)) {
      for (const pod of podsOf(manifests, component)) {
        expect(volume(pod.spec, 'remote-logs-key'), pod.name).toEqual({
          name: 'remote-logs-key', secret: { secretName: 'gcs-key', defaultMode: 0o440, items: [{ key: 'sa.json', path: 'key.json' }] },
        });
        for (const c of airflowContainers(pod.spec)) {
          expect(c.volumeMounts, `${pod.name}/${c.name}`).toContainEqual({ mountPath: '/opt/airflow/secrets/remote-logs', name: 'remote-logs-key', readOnly: true });
          expect(env(c, CONN).value).toBe(connection);
        }
      }
    }
    const migrations = podsOf(manifests, 'migrate')[0].spec;
    expect(volume(migrations, 'remote-logs-key')).toBeUndefined();
  });
});

describe('bad log settings fail with the prop, the value and the fix', () => {
  const secret = () => ({ secret: kplus.Secret.fromSecretName(testChart(), 'S', 's'), key: 'k' });

  test.each<[string, () => unknown, string]>([
    ['S3 without credentials', () => AirflowLogs.s3({ bucket: 'logs' }),
      "AirflowLogs.s3: give 'credentials' (S3Credentials.fromServiceAccountRole(), .fromAccessKeys() or .fromEnvironment()) "
      + "or 'connection' (a Secret holding the whole Airflow connection)"],
    ['S3 connection with credentials and region', () => AirflowLogs.s3({ bucket: 'logs', connection: secret(), credentials: S3Credentials.fromEnvironment(), region: 'eu-west-1' }),
      "AirflowLogs.s3: 'connection' holds the whole Airflow connection, so 'credentials', 'region' must not be given: "
      + "put the region and endpoint into the connection's extra (region_name, endpoint_url), or leave 'connection' out"],
    ['S3 connection without key', () => AirflowLogs.s3({ bucket: 'logs', connection: { ...secret(), key: '' } }),
      "AirflowLogs.s3: 'connection.key' must name the Secret key that holds the Airflow connection (URI or JSON)"],
    ['bad S3 bucket', () => AirflowLogs.s3({ bucket: 'My_Logs', credentials: S3Credentials.fromEnvironment() }),
      "AirflowLogs.s3: 'bucket' must be a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-'), got 'My_Logs'"],
    ['S3 prefix with a leading slash', () => AirflowLogs.s3({ bucket: 'logs', prefix: '/airflow', credentials: S3Credentials.fromEnvironment() }),
      "AirflowLogs.s3: 'prefix' must not start with '/', got '/airflow': use 'airflow'"],
    ['bad region', () => AirflowLogs.s3({ bucket: 'logs', region: 'europe', credentials: S3Credentials.fromEnvironment() }),
      "AirflowLogs.s3: 'region' must be an AWS region like 'eu-west-1', got 'europe'"],
    ['bad endpoint', () => AirflowLogs.s3({ bucket: 'logs', endpointUrl: 'minio:9000', credentials: S3Credentials.fromEnvironment() }),
      "AirflowLogs.s3: 'endpointUrl' must be an http:// or https:// URL like 'http://minio.minio:9000', got 'minio:9000'"],
    ['bad GCS bucket', () => AirflowLogs.gcs({ bucket: 'Logs!', credentials: GcsCredentials.fromEnvironment() }),
      "AirflowLogs.gcs: 'bucket' must be a valid GCS bucket name (3-222 lower-case letters, digits, '.', '_' and '-'), got 'Logs!'"],
    ['GCS prefix with a leading slash', () => AirflowLogs.gcs({ bucket: 'logs', prefix: '//x', credentials: GcsCredentials.fromEnvironment() }),
      "AirflowLogs.gcs: 'prefix' must not start with '/', got '//x': use 'x'"],
    ['bad Google service account', () => GcsCredentials.fromWorkloadIdentity('airflow-logs'),
      "GcsCredentials.fromWorkloadIdentity: 'serviceAccountEmail' must be a Google service account like "
      + "'airflow-logs@my-project.iam.gserviceaccount.com', got 'airflow-logs'"],
    ['key file without key', () => GcsCredentials.fromKeyFile({ ...secret(), key: '' }),
      "GcsCredentials.fromKeyFile: 'keyFile.key' must name the Secret key that holds the service account key file (JSON)"],
    ['claim and storage', () => AirflowLogs.persistentVolume({
      claim: kplus.PersistentVolumeClaim.fromClaimName(testChart(), 'C', 'mine'), storage: Size.gibibytes(1), storageClassName: 'efs',
    }), "AirflowLogs.persistentVolume: 'storage' and 'storageClassName' only apply to the claim the library creates: remove them (claim 'mine' is yours)"],
    ['empty StorageClass', () => AirflowLogs.persistentVolume({ storageClassName: ' ' }),
      "AirflowLogs.persistentVolume: 'storageClassName' must not be empty: leave it out to use the cluster's default StorageClass"],
    ['retention under an hour', () => AirflowLogs.local({ groomer: { retention: Duration.minutes(30) } }),
      "AirflowLogs.local: 'groomer.retention' must be whole minutes, at least 1 hour, got 30 minutes"],
    ['retention in seconds', () => AirflowLogs.persistentVolume({ groomer: { retention: Duration.seconds(3630) } }),
      "AirflowLogs.persistentVolume: 'groomer.retention' must be whole minutes, at least 1 hour, got 60.5 minutes"],
    ['interval under a minute', () => AirflowLogs.gcs({ bucket: 'logs', credentials: GcsCredentials.fromEnvironment(), groomer: { interval: Duration.seconds(30) } }),
      "AirflowLogs.gcs: 'groomer.interval' must be whole seconds, at least 1 minute, got 30 seconds"],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  test('a claim that is not ReadWriteMany', () => {
    const chart = testChart();
    const rwo = new kplus.PersistentVolumeClaim(chart, 'Rwo', { accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE] });
    expect(() => AirflowLogs.persistentVolume({ claim: rwo }))
      .toThrow(`'logs': claim '${rwo.name}' of AirflowLogs.persistentVolume is ReadWriteOnce, but every Airflow pod, task pods included, mounts it at the same time: `
        + "give a ReadWriteMany claim (EFS, Filestore, Azure Files, NFS, CephFS), or leave 'claim' out to create one");
    const none = new kplus.PersistentVolumeClaim(chart, 'None');
    expect(() => AirflowLogs.persistentVolume({ claim: none })).toThrow(`'logs': claim '${none.name}' of AirflowLogs.persistentVolume is without access modes, but`);
  });

  test('a StatefulSet worker pool with a shared logs claim', () => {
    expect(() => deploy({
      executor: AirflowExecutor.celery({ pools: [{ name: 'heavy', workloadKind: WorkerWorkloadKind.STATEFUL_SET }] }),
      logs: AirflowLogs.persistentVolume(),
    })).toThrow("'logs' is AirflowLogs.persistentVolume(), one claim every pod shares, but 'test/Airflow/Celery/heavy/Resource' is a StatefulSet "
      + 'that keeps logs on a claim per pod: use WorkerWorkloadKind.DEPLOYMENT for its Celery pool, or another AirflowLogs');
  });

  test('IRSA on an imported ServiceAccount', () => {
    const chart = testChart();
    const serviceAccount = kplus.ServiceAccount.fromServiceAccountName(chart, 'Sa', 'my-scheduler');
    expect(() => new AirflowDeployment(chart, 'Airflow', {
      scheduler: { serviceAccount },
      logs: AirflowLogs.s3({ bucket: 'logs', credentials: S3Credentials.fromServiceAccountRole(ROLE) }),
    })).toThrow("'logs': S3Credentials.fromServiceAccountRole cannot annotate ServiceAccount 'my-scheduler' of pod 'test/Airflow/Scheduler/Resource': "
      + 'it is imported, not defined in this app; annotate the ServiceAccount yourself and use S3Credentials.fromEnvironment(), or use S3Credentials.fromAccessKeys()');
  });

  test('Workload Identity on a ServiceAccount that already has another one', () => {
    expect(() => deploy({
      triggerer: { serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'other@p-123456.iam.gserviceaccount.com' } },
      logs: AirflowLogs.gcs({ bucket: 'logs', credentials: GcsCredentials.fromWorkloadIdentity(GSA) }),
    })).toThrow(/^'logs': ServiceAccount '[a-z0-9-]+' of pod 'test\/Airflow\/Triggerer\/Resource' already has 'iam\.gke\.io\/gcp-service-account: other@p-123456\.iam\.gserviceaccount\.com', cannot set 'airflow-logs@my-project\.iam\.gserviceaccount\.com': a ServiceAccount has one identity; use the same one for logs and everything else the pod reads, or give the pod another ServiceAccount$/);
  });

  test('a pod without a ServiceAccount', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({
      config: new AirflowConfig(chart, 'Config'),
      logs: AirflowLogs.gcs({ bucket: 'logs', credentials: GcsCredentials.fromWorkloadIdentity(GSA) }),
    });
    const deployment = new kplus.Deployment(chart, 'Worker');
    expect(() => recipe.bind(deployment, deployment, { mode: DagPodMode.LONG_RUNNING, dags: false, component: 'worker', podMetadata: deployment.podMetadata }))
      .toThrow("'logs': GcsCredentials.fromWorkloadIdentity annotates the ServiceAccount of every pod that reads or writes logs, "
        + "but pod 'test/Worker' has none (it runs as 'default'): give the pod a kplus.ServiceAccount, or "
        + 'annotate the ServiceAccount yourself and use GcsCredentials.fromEnvironment(), or use GcsCredentials.fromKeyFile()');
  });

  test('two log server ports of one name', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
    const bind = (id: string) => {
      const deployment = new kplus.Deployment(chart, id);
      return recipe.bind(deployment, deployment, { mode: DagPodMode.LONG_RUNNING, dags: false, component: 'worker', podMetadata: deployment.podMetadata });
    };
    bind('A').addAirflowContainer({ name: 'worker', resources: {}, ports: [{ name: 'worker-logs', number: 8793 }] });
    expect(() => bind('B').addAirflowContainer({ name: 'worker', resources: {}, ports: [{ name: 'worker-logs', number: 9793 }] }))
      .toThrow("Airflow containers serve logs on port 'worker-logs' as both 8793 and 9793, but '[logging] worker_log_server_port' is one port "
        + 'for every pod: give every container the same port');
  });
});

test('docs/errors.md has a row for every logs error message', () => {
  const root = join(__dirname, '..', '..');
  const docs = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  const logs = docs.slice(docs.indexOf('\n## Logs\n'));
  const messages = sourceMessages(root).filter(m => m.where.startsWith(join('src', 'logging')) || m.text.includes('serve logs on port'));
  expect(messages.length).toBeGreaterThanOrEqual(19);
  expect(messages.filter(m => !logs.includes(m.fixedPart)).map(m => `${m.where}: ${m.fixedPart}`)).toEqual([]);
});
