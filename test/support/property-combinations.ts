/** The seeded generator of valid prop combinations shared by test/property.test.ts and test/real/. */
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { testChart } from './synth';
import {
  AirflowDeployment, AirflowDeploymentProps, AirflowExecutor, AirflowLogs, AirflowMetrics, AirflowVersion, DagBundle, DagSource, EfsDagVolume,
  GcsCredentials, GitAuth, GitSyncSidecar, IDagSource, MetadataDatabase, S3Credentials, S3SyncSidecar, WorkerAutoscaling,
} from '../../src';

/** Park-Miller minimal standard generator: seeded, so every run tries the same combinations. */
export function prng(seed: number): () => number {
  let state = seed % 2147483647;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

const KNOWN_HOSTS = 'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
export const USER_SECRETS = ['user-db', 'user-git'];

/** Construct ids the property test tries: the default, a digit-leading one and a long one (both need a `releaseName`). */
const IDS: Array<[string, string | undefined]> = [
  ['Airflow', undefined],
  ['2024-Airflow', 'af2024'],
  ['AnalyticsPlatformAirflowProductionEuropeWest1', 'analytics-platform-airflow-prod-euw1'],
];

export function randomProps(random: () => number, chart: Chart): { id: string; props: AirflowDeploymentProps; description: string } {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const version = pick([AirflowVersion.V2_10_5, AirflowVersion.V2_11_0, AirflowVersion.V3_0_6, AirflowVersion.V3_1_8, AirflowVersion.V3_2_2]);
  const userSecret = (name: string) => (chart.node.tryFindChild(`Secret-${name}`) as kplus.ISecret | undefined)
    ?? kplus.Secret.fromSecretName(chart, `Secret-${name}`, name);
  const git = () => new GitSyncSidecar({ repo: 'https://github.com/org/dags.git', subPath: pick(['', 'dags']) });
  const sources: Array<[string, () => IDagSource]> = [
    ['image', () => DagSource.fromImage()],
    ['git-https', git],
    ['git-ssh', () => new GitSyncSidecar({
      repo: 'git@github.com:org/dags.git', auth: GitAuth.ssh({ privateKey: { secret: userSecret('user-git'), key: 'ssh' }, knownHosts: KNOWN_HOSTS }),
    })],
    ['s3', () => new S3SyncSidecar({ bucket: 'dags-bucket', region: 'eu-west-1', credentials: S3Credentials.fromEnvironment() })],
    ['efs', () => new EfsDagVolume(chart, 'Efs', { fileSystemId: 'fs-0123456789abcdef0', populatedBy: git() })],
    ['combined', () => DagSource.combine([{ subfolder: 'a', source: git() }, { subfolder: 'b', source: git() }])],
    ['combined git+ssh+s3', () => DagSource.combine([
      { subfolder: 'team-a', source: git() },
      {
        subfolder: 'team-b',
        source: new GitSyncSidecar({
          repo: 'git@github.com:org/b.git', auth: GitAuth.ssh({ privateKey: { secret: userSecret('user-git'), key: 'ssh' }, knownHosts: KNOWN_HOSTS }),
        }),
      },
      { subfolder: 'team-c', source: new S3SyncSidecar({ bucket: 'dags-c', region: 'eu-west-1', credentials: S3Credentials.fromEnvironment() }) },
    ])],
  ];
  if (version.isAirflow3) {
    sources.push(['bundles', () => DagSource.fromBundles([DagBundle.git({ name: 'main-dags', repoUrl: 'https://github.com/org/dags.git' })])]);
  }
  const [sourceName, source] = pick(sources);
  const executors: Array<[string, () => AirflowExecutor]> = [
    ['kubernetes', () => AirflowExecutor.kubernetes({ deleteWorkerPodsOnFailure: random() < 0.5 })],
    ['celery', () => AirflowExecutor.celery({ pools: [{ name: 'default', replicas: 1 + Math.floor(random() * 3) }, { name: 'heavy', workerConcurrency: 2 }] })],
    ['celery+keda', () => AirflowExecutor.celery({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.keda() }] })],
    ['celery+hpa', () => AirflowExecutor.celery({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.hpa() }] })],
    ['celery+kubernetes', () => AirflowExecutor.celeryAndKubernetes()],
  ];
  if (!version.isAirflow3) executors.push(['celery-kubernetes', () => AirflowExecutor.celeryKubernetes()]);
  // issue #15: edge workers (Airflow 3): two in-cluster pools next to the KubernetesExecutor.
  if (version.isAirflow3) executors.push(['kubernetes+edge', () => AirflowExecutor.kubernetes().withEdge({ pools: [{ name: 'default' }, { name: 'remote-a', queues: ['a'] }] })]);
  const [executorName, executor] = pick(executors);
  const external = random() < 0.5;
  const logs: Array<[string, () => AirflowLogs]> = [
    ['local logs', () => AirflowLogs.local()],
    ['S3 logs', () => AirflowLogs.s3({ bucket: 'logs-bucket', region: 'eu-west-1', credentials: S3Credentials.fromServiceAccountRole('arn:aws:iam::123456789012:role/logs') })],
    ['logs claim', () => AirflowLogs.persistentVolume()],
    ['GCS logs', () => AirflowLogs.gcs({ bucket: 'logs-bucket', credentials: GcsCredentials.fromEnvironment() })],
  ];
  const [logsName, logsOf] = pick(logs);
  const production = random() < 0.5;
  const networkPolicies = production || random() < 0.3;
  const pgbouncer = random() < 0.3;
  const [id, releaseName] = pick(IDS);
  const props: AirflowDeploymentProps = {
    releaseName,
    pgbouncer: pgbouncer ? {} : undefined,
    airflowVersion: version,
    executor: executor(),
    dagSource: source(),
    database: external
      ? MetadataDatabase.external({ connection: { secret: userSecret('user-db'), key: 'url' }, kedaConnection: { secret: userSecret('user-db'), key: 'keda' } })
      : undefined,
    logs: logsOf(),
    metrics: random() < 0.5 ? AirflowMetrics.statsd({ serviceMonitor: true, alerts: random() < 0.5 }) : undefined,
    ingress: random() < 0.5 ? { host: 'airflow.example.com', path: pick(['/', '/airflow']) } : undefined,
    networkPolicies: networkPolicies ? {
      kubernetesApiCidrs: ['172.18.0.2/32'],
      databaseEgress: external ? [{ cidrs: ['10.1.0.0/16'], ports: [5432] }] : undefined,
      // the writer of a populated EFS volume reaches its git host.
      dagSourceEgress: sourceName === 'efs' ? [{ cidrs: ['140.82.112.0/20'], ports: [443] }] : undefined,
    } : undefined,
    maintenance: production ? { databaseCleanup: {} } : undefined,
    parallelism: 8 + Math.floor(random() * 64),
    scheduler: { replicas: 1 + Math.floor(random() * 3) },
    triggerer: { enabled: random() < 0.8 },
    dagProcessor: version.isAirflow3 ? undefined : { enabled: random() < 0.5 },
    loadExamples: random() < 0.5,
  };
  const extras = `${networkPolicies ? ' network policies' : ''}${production ? ' maintenance' : ''}${pgbouncer ? ' pgbouncer' : ''}`;
  return { id, props, description: `${id} ${version.version} ${executorName} ${sourceName} ${external ? 'external' : 'embedded'} db ${logsName}${extras}` };
}

/** The seed test/property.test.ts and test/real/ use: every run tries the same combinations. */
export const PROPERTY_SEED = 20261125;
/** How many combinations the property tests try. */
export const PROPERTY_CASES = 48;

/** One synthesized property-test combination. */
export interface PropertyCombination {
  readonly index: number;
  readonly description: string;
  readonly manifests: any[];
}

/**
 * The property-test combinations, in order, synthesized: the same sequence test/property.test.ts checks (one
 * generator, drawn from in order). Warnings the library prints are the caller's to silence.
 */
export function propertyCombinations(count: number = PROPERTY_CASES, seed: number = PROPERTY_SEED): PropertyCombination[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, index) => {
    const chart = testChart();
    const { id, props, description } = randomProps(random, chart);
    new AirflowDeployment(chart, id, props);
    return { index, description, manifests: Testing.synth(chart) };
  });
}
