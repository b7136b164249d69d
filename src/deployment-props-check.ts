import * as kplus from 'cdk8s-plus-28';
import { AirflowTopology } from './components/airflow-topology';
import { MetadataDatabase } from './database/metadata-database';
import { AirflowExecutor } from './executors/airflow-executor';
import { WorkerAutoscaling } from './executors/worker-autoscaling';
import { AirflowLogs } from './logging/airflow-logs';
import { AirflowMetrics } from './observability/airflow-metrics';
import { SecretsBackend } from './secrets/secrets-backend';
import {
  expectArray, expectBoolean, expectDuration, expectEnum, expectInstance, expectNumber, expectObject, expectPresent, expectSecretValue,
  expectString, expectStringMap,
} from './utils/props-check';
import { AirflowVersion } from './version';

/**
 * The run-time type check of `AirflowDeploymentProps` (for JavaScript and other jsii callers): every prop TypeScript
 * would check, checked with the shared helpers of utils/props-check.ts, before anything is built.
 *
 * @internal
 */
export function checkDeploymentProps(props: unknown): void {
  expectObject(props, 'props');
  const p = (props ?? {}) as Record<string, any>;
  expectString(p.releaseName, 'releaseName');
  expectInstance(p.airflowVersion, AirflowVersion, 'airflowVersion', 'an AirflowVersion (e.g. AirflowVersion.V3_1_8)');
  expectString(p.image, 'image');
  expectEnum(p.imagePullPolicy, kplus.ImagePullPolicy, 'imagePullPolicy', 'ImagePullPolicy');
  expectInstance(p.database, MetadataDatabase, 'database', 'a MetadataDatabase (MetadataDatabase.external(...) or .embeddedPostgres(...))');
  expectObject(p.pgbouncer, 'pgbouncer');
  expectObject(p.secrets, 'secrets');
  for (const key of ['fernetKey', 'apiSecretKey', 'jwtSecret', 'webserverSecretKey']) expectSecretValue(p.secrets?.[key], `secrets.${key}`);
  if (p.dagSource !== undefined && typeof p.dagSource?.bind !== 'function') {
    expectInstance(p.dagSource, NoDagSource, 'dagSource', 'a DAG source (DagSource.fromImage(), new GitSyncSidecar(...), DagSource.combine(...), ...)');
  }
  expectInstance(p.logs, AirflowLogs, 'logs', 'an AirflowLogs (AirflowLogs.local(), .s3(...), ...)');
  expectInstance(p.executor, AirflowExecutor, 'executor', 'an AirflowExecutor (AirflowExecutor.kubernetes(), .celery(...), ...), not its name');
  expectInstance(p.topology, AirflowTopology, 'topology', 'an AirflowTopology (AirflowTopology.standard() or .compact())');
  expectStringMap(p.settings, 'settings');
  expectStringMap(p.unknownSettings, 'unknownSettings');
  expectObject(p.connections, 'connections');
  expectObject(p.variables, 'variables');
  expectInstance(p.secretsBackend, SecretsBackend, 'secretsBackend', 'a SecretsBackend (SecretsBackend.awsSecretsManager(), .hashicorpVault(...), ...)');
  expectArray(p.pools, 'pools', (pool, prop) => {
    expectObject(pool, prop);
    expectString((pool as any)?.name, `${prop}.name`);
    expectNumber((pool as any)?.slots, `${prop}.slots`);
  });
  expectBoolean(p.strict, 'strict');
  expectBoolean(p.loadExamples, 'loadExamples');
  for (const key of ['parallelism', 'maxActiveTasksPerDag', 'maxActiveRunsPerDag']) expectNumber(p[key], key);
  for (const component of ['scheduler', 'apiServer', 'executionApiServer', 'webserver', 'triggerer', 'dagProcessor']) {
    const c = p[component];
    expectObject(c, component);
    if (c === undefined) continue;
    expectNumber(c.replicas, `${component}.replicas`, true);
    expectBoolean(c.enabled, `${component}.enabled`);
    expectDuration(c.terminationGracePeriod, `${component}.terminationGracePeriod`);
    expectObject(c.resources, `${component}.resources`);
    expectStringMap(c.podLabels, `${component}.podLabels`);
    expectStringMap(c.podAnnotations, `${component}.podAnnotations`);
    expectStringMap(c.nodeSelector, `${component}.nodeSelector`);
    expectString(c.priorityClassName, `${component}.priorityClassName`);
    expectInstance(c.autoscaling, WorkerAutoscaling, `${component}.autoscaling`, 'a WorkerAutoscaling (WorkerAutoscaling.keda(...))');
  }
  expectInstance(p.metrics, AirflowMetrics, 'metrics', 'an AirflowMetrics (AirflowMetrics.statsd(...), ...)');
  expectObject(p.ingress, 'ingress');
  expectString(p.ingress?.host, 'ingress.host');
  expectString(p.ingress?.path, 'ingress.path');
  expectArray(p.imagePullSecrets, 'imagePullSecrets', (s, prop) => expectString((s as any)?.name, `${prop}.name`));
  expectObject(p.maintenance, 'maintenance');
  expectObject(p.maintenance?.databaseCleanup, 'maintenance.databaseCleanup');
  expectString(p.maintenance?.databaseCleanup?.schedule, 'maintenance.databaseCleanup.schedule');
  expectDuration(p.maintenance?.databaseCleanup?.retention, 'maintenance.databaseCleanup.retention');
  expectObject(p.networkPolicies, 'networkPolicies');
  expectArray(p.networkPolicies?.kubernetesApiCidrs, 'networkPolicies.kubernetesApiCidrs', expectString);
  for (const key of ['databaseEgress', 'brokerEgress', 'extraEgress']) {
    expectArray(p.networkPolicies?.[key], `networkPolicies.${key}`, (rule, prop) => checkEgressRule(rule, prop));
  }
}

/**
 * A `NetworkPolicyEgressRule`: `{ cidrs: string[], ports: number[] }`.
 *
 * @internal
 */
export function checkEgressRule(rule: unknown, prop: string): void {
  expectPresent(rule, prop, "an egress rule: { cidrs: ['10.0.0.0/16'], ports: [5432] }");
  expectObject(rule, prop);
  const r = rule as Record<string, unknown>;
  expectArray(r.cidrs, `${prop}.cidrs`, expectString);
  expectPresent(r.ports, `${prop}.ports`, 'an array of port numbers (e.g. [5432]): an egress rule without ports would open every port');
  expectArray(r.ports, `${prop}.ports`, (port, portProp) => expectNumber(port, portProp));
}

/** No class matches: a value without `bind` is never a DAG source. */
abstract class NoDagSource {}
