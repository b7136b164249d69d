import { App, Chart, Duration, Size } from 'cdk8s';
import {
  AirflowDeployment, AirflowDeploymentProps, AirflowExecutor, AirflowMetrics, GitSyncSidecar, WorkerAutoscaling, WorkerWorkloadKind,
} from '../src';

/**
 * A deployment using every feature: Celery pools with KEDA next to the KubernetesExecutor, git-sync DAGs,
 * metrics with a ServiceMonitor and alerts, an Ingress, NetworkPolicies, maintenance CronJobs, embedded database
 * and broker.
 */
export function fullDeploymentProps(): AirflowDeploymentProps {
  return {
    executor: AirflowExecutor.celeryAndKubernetes({
      pools: [
        { name: 'default', workerConcurrency: 16, autoscaling: WorkerAutoscaling.keda() },
        {
          name: 'heavy',
          workerConcurrency: 2,
          longestTask: Duration.hours(2),
          workloadKind: WorkerWorkloadKind.STATEFUL_SET,
          logsStorage: Size.gibibytes(20),
          autoscaling: WorkerAutoscaling.keda({ maxReplicas: 4 }),
        },
      ],
    }),
    dagSource: new GitSyncSidecar({ repo: 'https://github.com/apache/airflow.git', gitRef: 'main', subPath: 'airflow-core/src/airflow/example_dags' }),
    scheduler: { replicas: 2 },
    apiServer: { replicas: 2 },
    metrics: AirflowMetrics.statsd({ serviceMonitor: true, alerts: true }),
    ingress: { host: 'airflow.example.com' },
    networkPolicies: { kubernetesApiCidrs: ['10.0.0.1/32'], extraEgress: [{ cidrs: ['0.0.0.0/0'], ports: [443] }] },
    maintenance: { databaseCleanup: {}, podCleanup: {} },
    pgbouncer: {},
  };
}

/** The quick start's props (see examples/quickstart.ts). */
export function quickstartProps(): AirflowDeploymentProps {
  return { loadExamples: true, settings: { 'core.simple_auth_manager_all_admins': 'True' } };
}

/** Builds `count` deployments, each in its own chart and namespace, in one App; returns the charts. */
export function buildApp(count: number, props: () => AirflowDeploymentProps): { app: App; charts: Chart[] } {
  const app = new App({ outdir: '/tmp/cdk8s-airflow-bench' });
  const charts: Chart[] = [];
  for (let i = 0; i < count; i++) {
    const chart = new Chart(app, `airflow-${i}`, { namespace: `airflow-${i}` });
    new AirflowDeployment(chart, 'Airflow', props());
    charts.push(chart);
  }
  return { app, charts };
}

/** Synthesizes the charts to manifests (validation included), as `cdk8s synth` does before writing. */
export function synthCharts(charts: Chart[]): any[] {
  return charts.flatMap(chart => chart.toJson());
}
