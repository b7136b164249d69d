import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test, vi } from 'vitest';
import {
  AirflowConfig, AirflowDeployment, AirflowExecutor, AirflowVersion, CeleryBroker, DagBundle, DagSource, EfsDagVolume, GeneratedSecret,
  GeneratedValue, GitAuth, GitSyncSidecar, MetadataDatabase, PvcDagSource, S3Credentials, S3SyncSidecar,
} from '../src';
import { testChart } from './support/synth';

/** One bad input: what a user writes, and the exact message synth gives back. */
type BadInput = [string, () => unknown, string];

const secret = () => ({ secret: kplus.Secret.fromSecretName(testChart(), 'S', 's'), key: 'k' });
const deploy = (props: any) => () => {
  const chart = testChart();
  new AirflowDeployment(chart, 'Airflow', props);
  return Testing.synth(chart);
};
const celery = (options: any) => deploy({ executor: AirflowExecutor.celery(options) });

const BAD_INPUTS: BadInput[] = [
  // version and settings
  ['version form', () => AirflowVersion.of('3.2'), "'airflowVersion' must look like MAJOR.MINOR.PATCH (for example '3.2.2'), got '3.2'"],
  ['too old', () => AirflowVersion.of('2.9.3'), "'airflowVersion' 2.9.3 is not supported: use Airflow 2.10 or later, up to 3.x"],
  ['setting not section.key', deploy({ settings: { parallelism: '8' } }), "'settings' keys must be 'section.key' in lower case (for example 'core.parallelism'), got 'parallelism'"],
  ['misspelled setting', deploy({ settings: { 'core.paralelism': '8' } }), "Airflow 3.2.2 has no setting 'core.paralelism' (in 'settings'): did you mean 'core.parallelism'?"],
  ['renamed setting', deploy({ settings: { 'core.dag_concurrency': '8' } }), "Airflow setting 'core.dag_concurrency' was renamed to 'core.max_active_tasks_per_dag'"],
  ['moved section on Airflow 2', deploy({ airflowVersion: AirflowVersion.V2_11_0, settings: { 'kubernetes.namespace': 'x' } }),
    "Airflow setting 'kubernetes.namespace' was renamed to 'kubernetes_executor.namespace'"],
  ['webserver key moved in Airflow 3', deploy({ settings: { 'webserver.workers': '2' } }), "Airflow setting 'webserver.workers' was renamed to 'api.workers'"],
  ['integer that is not', deploy({ settings: { 'core.parallelism': 'ten' } }), "Airflow setting 'core.parallelism' must be an integer, got 'ten'"],
  ['boolean that is not', deploy({ settings: { 'api.enable_swagger_ui': 'yes' } }),
    "Airflow setting 'api.enable_swagger_ui' must be a boolean (True or False), got 'yes'"],
  ['executor through settings', deploy({ settings: { 'core.executor': 'LocalExecutor' } }),
    "Airflow setting 'core.executor' is managed by this library: set 'executor' instead of overriding it in 'settings'"],
  ['database through settings (sensitive)', deploy({ settings: { 'database.sql_alchemy_conn': 'sqlite://' } }),
    "Airflow marks setting 'database.sql_alchemy_conn' (in 'settings') as sensitive, so it is never written into the airflow.cfg ConfigMap"],
  ['database through secretSettings', deploy({ secretSettings: { 'database.sql_alchemy_conn': secret() } }),
    "Airflow setting 'database.sql_alchemy_conn' is managed by this library: set 'database' instead of overriding it in 'secretSettings'"],
  ['line break in a setting', deploy({ settings: { 'core.default_timezone': 'UTC\n[webserver]\nexpose_config = True' } }),
    "Airflow setting 'core.default_timezone' (in 'settings') holds a line break"],
  ['credentials in a git URL', () => new GitSyncSidecar({ repo: 'https://git:ghp_x@github.com/a/d.git' }),
    "GitSyncSidecar: 'repo' https://***@github.com/a/d.git holds credentials"],
  ['literal connection env', deploy({ scheduler: { envVariables: { AIRFLOW_CONN_X: kplus.EnvValue.fromValue('postgresql://u:pw@db/x') } } }),
    "Environment variable 'AIRFLOW_CONN_X' (in 'envVariables of scheduler') holds an Airflow connection, but its value is a literal"],
  ['typed prop and setting', deploy({ parallelism: 8, settings: { 'core.parallelism': '16' } }),
    "Airflow setting 'core.parallelism' is managed by this library: set 'parallelism' instead of overriding it in 'settings'"],
  ['parallelism below 1', deploy({ parallelism: 0 }), "'parallelism' must be a whole number >= 1, got 0"],
  // major-version-only options
  ['Airflow 3 option on Airflow 2', deploy({ airflowVersion: AirflowVersion.V2_11_0, apiServer: { replicas: 2 } }),
    "'apiServer' is for Airflow 3 only, but 'airflowVersion' is 2.11.0: remove it or change 'airflowVersion'"],
  ['Airflow 2 option on Airflow 3', deploy({ webserver: {} }), "'webserver' is for Airflow 2 only, but 'airflowVersion' is 3.2.2: remove it or change 'airflowVersion'"],
  ['dag-processor off on Airflow 3', deploy({ dagProcessor: { enabled: false } }),
    "'dagProcessor.enabled' cannot be false on Airflow 3.2.2: Airflow 3 always parses DAGs in a standalone dag-processor"],
  ['CeleryKubernetesExecutor on Airflow 3', deploy({ executor: AirflowExecutor.celeryKubernetes() }), "AirflowExecutor.celeryKubernetes() is for Airflow 2 only, but 'airflowVersion' is 3.2.2"],
  ['DAG bundles on Airflow 2', deploy({ airflowVersion: AirflowVersion.V2_11_0, dagSource: DagSource.fromBundles([DagBundle.git({ name: 'd', repoUrl: 'https://g/x.git' })]) }),
    'DAG bundles need Airflow 3, but the deployment runs Airflow 2.11.0: use GitSyncSidecar or S3SyncSidecar on Airflow 2'],
  // replicas and resources
  ['negative replicas', deploy({ scheduler: { replicas: -1 } }), "'replicas' of scheduler must be a whole number >= 0, got -1"],
  ['creation batch below 1', deploy({ executor: AirflowExecutor.kubernetes({ workerPodsCreationBatchSize: 0 }) }), "'workerPodsCreationBatchSize' must be a whole number >= 1, got 0"],
  // executor needs
  ['Celery without pools', celery({ pools: [] }), "Celery 'pools' is empty, so no worker would run the tasks: give at least one pool, e.g. { name: 'default' }"],
  ['pool without queue', celery({ pools: [{ name: 'heavy', queues: [] }] }),
    "CeleryWorkerPool 'heavy': 'queues' is empty, so the pool would take no task: name at least one queue (tasks pick one with queue=...)"],
  ['two pools, one queue', celery({ pools: [{ name: 'a', queues: ['q'] }, { name: 'b', queues: ['q'] }] }),
    "Celery queue 'q' is served by pools 'a' and 'b': a queue belongs to one pool, or autoscaling counts its tasks twice"],
  ['pool name too long', celery({ pools: [{ name: 'x'.repeat(40) }] }), "CeleryWorkerPool: 'name' must be 1-32 lower-case letters, digits and '-'"],
  ['grace period shorter than the longest task', celery({ pools: [{ name: 'a', longestTask: Duration.hours(1), terminationGracePeriod: Duration.minutes(30) }] }),
    "CeleryWorkerPool 'a': 'terminationGracePeriod' (1800s) is shorter than 'longestTask' (3600s), so a rollout would kill running tasks"],
  ['external broker without key', () => CeleryBroker.external({ url: { ...secret(), key: '' } }), "CeleryBroker.external: 'url.key' must name the Secret key that holds the broker URL"],
  ['external database without key', () => MetadataDatabase.external({ connection: { ...secret(), key: '' } }),
    "MetadataDatabase.external: 'connection.key' must name the Secret key that holds the connection URL"],
  // DAG sources
  ['SSH repo without key', () => new GitSyncSidecar({ repo: 'git@github.com:org/dags.git' }),
    "GitSyncSidecar: 'repo' git@github.com:org/dags.git is an SSH URL, which needs 'auth: GitAuth.ssh({ privateKey, knownHosts })'"],
  ['SSH without known_hosts', () => GitAuth.ssh({ privateKey: secret() }), "GitAuth.ssh: 'knownHosts' is required so that git-sync can verify the git host"],
  ['credentials over plain http', () => new GitSyncSidecar({ repo: 'http://g.example.com/d.git', auth: GitAuth.https({ username: 'u', password: secret() }) }),
    "GitSyncSidecar: 'repo' http://g.example.com/d.git uses plain http, which would send credentials in clear text: use https://"],
  ['abbreviated SHA', () => new GitSyncSidecar({ repo: 'https://g.example.com/d.git', gitRef: 'abc1234' }),
    "GitSyncSidecar: 'gitRef' abc1234 looks like an abbreviated commit SHA: git-sync needs the full 40-character SHA"],
  ['git-sync image without version tag', () => new GitSyncSidecar({ repo: 'https://g.example.com/d.git', image: 'registry.k8s.io/git-sync/git-sync:latest' }),
    "GitSyncSidecar: 'image' must carry a version tag such as ':v4.7.1'"],
  ['old env family on a v4 image', () => new GitSyncSidecar({ repo: 'https://g.example.com/d.git', extraEnv: { GIT_SYNC_WAIT: kplus.EnvValue.fromValue('5') } }),
    "GitSyncSidecar: 'extraEnv' GIT_SYNC_WAIT belongs to the other git-sync generation than the v4 image"],
  ['two sources in one subfolder', () => DagSource.combine([{ subfolder: 'a', source: DagSource.fromImage() }, { subfolder: 'a', source: DagSource.fromImage() }]),
    "DagSource.combine: two sources use subfolder 'a': give each source its own subfolder"],
  ['bad S3 bucket', () => new S3SyncSidecar({ bucket: 'My_Bucket', region: 'eu-west-1' }), "S3SyncSidecar: 'bucket' must be a valid S3 bucket name"],
  ['bad region', () => new S3SyncSidecar({ bucket: 'dags', region: 'europe' }), "S3SyncSidecar: 'region' must be an AWS region like 'eu-west-1', got 'europe'"],
  ['bad role ARN', () => S3Credentials.fromServiceAccountRole('role/airflow'), "S3Credentials.fromServiceAccountRole: 'roleArn' must be an IAM role ARN like 'arn:aws:iam::123456789012:role/airflow-dags', got 'role/airflow'"],
  ['ReadWriteOnce claim on several pods', () => {
    const chart = testChart();
    const claim = new kplus.PersistentVolumeClaim(chart, 'Claim', { accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE] });
    new AirflowDeployment(chart, 'Airflow', { dagSource: new PvcDagSource({ claim }) });
  }, 'is ReadWriteOnce but 2 pods mount it'],
  ['EFS source without a file system', () => new EfsDagVolume(testChart(), 'Efs', {}), "EfsDagVolume: give exactly one of 'fileSystemId', 'storageClassName' or 'claim'"],
  ['bad EFS file system id', () => new EfsDagVolume(testChart(), 'Efs', { fileSystemId: 'efs-123' }), "EfsDagVolume: 'fileSystemId' must be"],
  // secrets
  ['generated secret template of a later key', () => new GeneratedSecret(testChart(), 'S', { keys: [{ key: 'url', value: GeneratedValue.template('x://{pw}@h') }] }),
    "GeneratedSecret 'test/S': the template of 'url' uses '{pw}', which is not a key generated before it"],
  ['short random secret', () => GeneratedValue.randomString(8), "GeneratedValue.randomString: 'length' must be an integer from 16 to 256, got 8"],
  ['config file twice', () => {
    const config = new AirflowConfig(testChart(), 'C');
    config.addFile('x.py', '/opt/airflow/x.py', '');
    config.addFile('x.py', '/opt/airflow/x.py', '');
  }, "AirflowConfig.addFile: the config already has a file 'x.py'"],
];

describe('bad inputs give an exact, actionable message at synth', () => {
  test('there are at least 40 of them', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(40);
  });

  test.each(BAD_INPUTS)('%s', (_name, build, message) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(build).toThrow(message);
  });
});
