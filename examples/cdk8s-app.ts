import { App, Chart, Duration } from 'cdk8s';
import { AirflowDeployment, AirflowExecutor, AirflowVersion, GitSyncSidecar } from '../src';

const app = new App();
const chart = new Chart(app, 'airflow', { namespace: 'airflow' });

new AirflowDeployment(chart, 'Airflow', {
  airflowVersion: AirflowVersion.V3_2_2,
  dagSource: new GitSyncSidecar({
    repo: 'https://github.com/apache/airflow.git', // a public repository; private ones take GitAuth
    gitRef: 'main',
    subPath: 'airflow-core/src/airflow/example_dags',
    period: Duration.minutes(1),
  }),
  executor: AirflowExecutor.celery({
    pools: [{ name: 'default', replicas: 2, workerConcurrency: 16 }],
  }),
});

app.synth(); // dist/airflow.k8s.yaml
