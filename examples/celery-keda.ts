import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowApp, AirflowDeployment, AirflowExecutor, AirflowVersion, GitSyncSidecar, WorkerAutoscaling } from '../src';

/**
 * Airflow 3 with Celery workers that cost nothing while idle, and the KubernetesExecutor alongside.
 *
 * - Pool `default` (queue `default`): small workers, 16 tasks each, scaled by KEDA from 0 to 10 on the
 *   running and queued task instances of the queue.
 * - Pool `heavy` (queue `heavy`, tasks choose it with `queue="heavy"`): 2 tasks per worker on big nodes,
 *   0 to 4 workers; a rollout or scale-down gives running tasks up to 1.5 × 3 hours to finish.
 * - Tasks with `executor="KubernetesExecutor"` (e.g. a KubernetesPodOperator-style task that needs its own
 *   image or resources) get a pod of their own and are not counted by the pools' KEDA queries.
 * - The triggerer scales with KEDA on the deferred tasks' triggers (at least one runs).
 *
 * DAGs come from a public git repository over HTTPS; the metadata database is the embedded PostgreSQL,
 * which also generates the connection string KEDA reads (Secret key `keda-connection`). Needs KEDA 2.x in
 * the cluster (`helm install keda kedacore/keda -n keda --create-namespace`) and the namespace `airflow`.
 */
export class CeleryKedaChart extends Chart {
  public readonly airflow: AirflowDeployment;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'airflow' });

    this.airflow = new AirflowDeployment(this, 'Airflow', {
      airflowVersion: AirflowVersion.V3_2_2,
      dagSource: new GitSyncSidecar({
        repo: 'https://github.com/acme/airflow-dags.git',
        gitRef: 'main',
        subPath: 'dags',
        period: Duration.seconds(30),
      }),
      executor: AirflowExecutor.celeryAndKubernetes({
        pools: [
          {
            name: 'default',
            workerConcurrency: 16,
            autoscaling: WorkerAutoscaling.keda({ maxReplicas: 10 }),
          },
          {
            name: 'heavy',
            workerConcurrency: 2,
            longestTask: Duration.hours(3),
            nodeSelector: { 'node.example.com/size': 'xlarge' },
            tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'airflow-heavy', effect: 'NoSchedule' }],
            resources: {
              cpu: { request: kplus.Cpu.units(4) },
              memory: { request: Size.gibibytes(16), limit: Size.gibibytes(16) },
            },
            autoscaling: WorkerAutoscaling.keda({ maxReplicas: 4, cooldownPeriod: Duration.minutes(5) }),
          },
        ],
      }, {
        nodeSelector: { 'node.example.com/size': 'large' },
      }),
      triggerer: { autoscaling: WorkerAutoscaling.keda({ maxReplicas: 3 }) },
    });
  }
}

if (require.main === module) {
  const app = new AirflowApp();
  new CeleryKedaChart(app, 'celery-keda');
  app.synth();
}
