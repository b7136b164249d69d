// The benchmark's deployments, for plain `node` on the compiled library (`lib/`), so that nothing (ts-node, vitest)
// adds to what is measured. `scenarios(lib, cdk8s)` returns props factories given the library and cdk8s modules.
'use strict';

module.exports = function scenarios(lib, cdk8s) {
  return {
    /** The quick start (examples/quickstart.ts). */
    quickstart: () => ({ loadExamples: true }),
    /**
     * A production deployment using every feature: Celery pools with KEDA next to the KubernetesExecutor, git-sync
     * DAGs, metrics with a ServiceMonitor and alerts, an Ingress, NetworkPolicies, maintenance CronJobs, PgBouncer.
     */
    production: () => ({
      executor: lib.AirflowExecutor.celeryAndKubernetes({
        pools: [
          { name: 'default', workerConcurrency: 16, autoscaling: lib.WorkerAutoscaling.keda() },
          {
            name: 'heavy',
            workerConcurrency: 2,
            longestTask: cdk8s.Duration.hours(2),
            workloadKind: lib.WorkerWorkloadKind.STATEFUL_SET,
            logsStorage: cdk8s.Size.gibibytes(20),
            autoscaling: lib.WorkerAutoscaling.keda({ maxReplicas: 4 }),
          },
        ],
      }),
      dagSource: new lib.GitSyncSidecar({ repo: 'https://github.com/apache/airflow.git', gitRef: 'main', subPath: 'airflow-core/src/airflow/example_dags' }),
      scheduler: { replicas: 2 },
      apiServer: { replicas: 2 },
      metrics: lib.AirflowMetrics.statsd({ serviceMonitor: true, alerts: true }),
      ingress: { host: 'airflow.example.com' },
      networkPolicies: { kubernetesApiCidrs: ['10.0.0.1/32'], extraEgress: [{ cidrs: ['0.0.0.0/0'], ports: [443] }] },
      maintenance: { databaseCleanup: {}, podCleanup: {} },
      pgbouncer: {},
    }),
  };
};
