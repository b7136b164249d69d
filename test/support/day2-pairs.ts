import { Size } from 'cdk8s';
import { synthDeployment } from './synth';
import { AirflowAuth, AirflowDeploymentProps, AirflowExecutor, AirflowTopology, AirflowLogs, AirflowMetrics, AirflowVersion, DagSource, GitSyncSidecar, MetadataDatabase } from '../../src';

/**
 * Day-2 pairs: the output of a deployment, then of the same deployment with one change, as an operator applies them
 * one on top of the other (issue #11). Shared by the rule mirror's suite and the real API server's
 * (test/real/day2.test.ts); the lead's upgrade suite can extend the list.
 */
export interface Day2Pair {
  readonly name: string;
  readonly before: AirflowDeploymentProps;
  readonly after: AirflowDeploymentProps;
}

const celery = (pools: string[]) => AirflowExecutor.celery({ pools: pools.map(name => ({ name })) });

export const DAY2_PAIRS: Day2Pair[] = [
  { name: 'applied again unchanged', before: {}, after: {} },
  { name: 'a setting changed (parallelism)', before: { parallelism: 32 }, after: { parallelism: 64 } },
  { name: 'an Airflow patch upgrade (3.2.1 -> 3.2.2)', before: { airflowVersion: AirflowVersion.of('3.2.1') }, after: { airflowVersion: AirflowVersion.V3_2_2 } },
  { name: 'an Airflow 3.x minor upgrade (3.1.8 -> 3.2.2)', before: { airflowVersion: AirflowVersion.V3_1_8 }, after: { airflowVersion: AirflowVersion.V3_2_2 } },
  // the FAB users of Airflow 2 (its default auth) stay only if Airflow 3 keeps FAB: Airflow 3 defaults to the SimpleAuthManager.
  {
    name: 'Airflow 2.11 -> 3.x (2.11.0 -> 3.2.2), FAB kept',
    before: { airflowVersion: AirflowVersion.V2_11_0, auth: AirflowAuth.fab() },
    after: { airflowVersion: AirflowVersion.V3_2_2, auth: AirflowAuth.fab() },
  },
  { name: 'a Celery pool added', before: { executor: celery(['default']) }, after: { executor: celery(['default', 'heavy']) } },
  {
    name: 'a Celery pool and a task pod template with images of their own added (issue #15)',
    before: { executor: AirflowExecutor.celeryAndKubernetes({ pools: [{ name: 'default' }] }) },
    after: {
      executor: AirflowExecutor.celeryAndKubernetes(
        { pools: [{ name: 'default' }, { name: 'gpu', image: 'registry.example.com/ml/airflow:3.2.2-cuda12' }] },
        { podTemplates: { spark: { image: 'registry.example.com/data/airflow:3.2.2-spark3.5' } } }),
    },
  },
  { name: 'topology standard -> compact, LocalExecutor (issue #15)', before: {}, after: { topology: AirflowTopology.compact(), executor: AirflowExecutor.local() } },
  { name: 'PgBouncer enabled', before: {}, after: { pgbouncer: {} } },
  { name: 'metrics enabled', before: {}, after: { metrics: AirflowMetrics.statsd() } },
  { name: 'logs local -> persistent volume', before: { logs: AirflowLogs.local() }, after: { logs: AirflowLogs.persistentVolume() } },
  { name: 'scheduler replicas changed', before: { scheduler: { replicas: 1 } }, after: { scheduler: { replicas: 2 } } },
  { name: 'executor switched (Kubernetes -> Celery)', before: { executor: AirflowExecutor.kubernetes() }, after: { executor: celery(['default']) } },
  {
    name: 'DAGs from git instead of the image',
    before: { dagSource: DagSource.fromImage() },
    after: { dagSource: new GitSyncSidecar({ repo: 'https://github.com/org/dags.git' }) },
  },
  { name: 'ingress enabled', before: {}, after: { ingress: { host: 'airflow.example.com' } } },
  { name: 'maintenance enabled', before: {}, after: { maintenance: { databaseCleanup: {} } } },
  { name: 'a SimpleAuthManager user added', before: {}, after: { auth: AirflowAuth.simple({ users: [{ username: 'admin' }, { username: 'viewer' }] }) } },
  {
    name: 'pod launching enabled for Celery workers',
    before: { executor: celery(['default']) },
    after: { executor: celery(['default']), podLaunching: { celeryWorkers: true } },
  },
  // issue #15: the Execution API moves to a Deployment of its own; the API server's args change (--apps core).
  { name: 'Execution API split off the API server', before: {}, after: { executionApiServer: {} } },
  // issue #15: the pools Job is named by its content, so a changed list is a new Job next to the finished one.
  { name: 'a pool added', before: { pools: [{ name: 'warehouse', slots: 4 }] }, after: { pools: [{ name: 'warehouse', slots: 4 }, { name: 'spark', slots: 2 }] } },
  // issue #15: edge workers added next to the KubernetesExecutor (executor list, [edge] settings, a worker Deployment),
  // then a second edge pool.
  { name: 'edge workers added', before: {}, after: { executor: AirflowExecutor.kubernetes().withEdge() } },
  {
    name: 'an edge worker pool added',
    before: { executor: AirflowExecutor.kubernetes().withEdge() },
    after: { executor: AirflowExecutor.kubernetes().withEdge({ pools: [{ name: 'default' }, { name: 'gpu', queues: ['gpu'] }] }) },
  },
  {
    name: 'embedded PostgreSQL image upgraded',
    before: { database: MetadataDatabase.embeddedPostgres({ image: 'postgres:17.4' }) },
    after: { database: MetadataDatabase.embeddedPostgres({ image: 'postgres:17.5' }) },
  },
];

/**
 * A pair whose verdict depends on the cluster, so it is judged by the rule mirror only: growing the embedded
 * PostgreSQL's claim is allowed for a bound claim whose StorageClass has `allowVolumeExpansion: true`
 * (ValidatePersistentVolumeClaimUpdate, PersistentVolumeClaimResize admission); the library leaves the StorageClass
 * to the cluster's default. The test API server has no PV controller, so there the claim stays Pending and any
 * change of its requests is refused.
 */
export const STORAGE_GROWN_PAIR: Day2Pair = {
  name: 'embedded PostgreSQL storage grown (8Gi -> 20Gi)',
  before: { database: MetadataDatabase.embeddedPostgres({ storage: Size.gibibytes(8) }) },
  after: { database: MetadataDatabase.embeddedPostgres({ storage: Size.gibibytes(20) }) },
};

/** The manifests of both sides of a pair (each synthesized in its own app, chart `test`, namespace `airflow`). */
export function synthPair(pair: Day2Pair): { before: any[]; after: any[] } {
  return { before: synthDeployment(pair.before).manifests, after: synthDeployment(pair.after).manifests };
}
