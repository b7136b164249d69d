import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { AirflowApp, AirflowDeployment, AirflowVersion, MetadataDatabase } from '../src';

const app = new AirflowApp();
const chart = new Chart(app, 'airflow', { namespace: 'airflow' });
const db = kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db'); // your Secret: key `url` = postgresql://...

new AirflowDeployment(chart, 'Airflow', {
  airflowVersion: AirflowVersion.V3_2_2,
  database: MetadataDatabase.external({ connection: { secret: db, key: 'url' } }),
  parallelism: 64,
  scheduler: { replicas: 2 },
});
app.synth(); // dist/airflow.k8s.yaml, and dist/airflow.airflow.md: what runs, what to create first
