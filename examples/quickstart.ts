import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AirflowApp, AirflowDeployment } from '../src';

/**
 * The quick start: Airflow 3 with the KubernetesExecutor, an embedded PostgreSQL, generated secrets and
 * Airflow's example DAGs. `npm run quickstart` writes it to manifests/; apply it with `kubectl apply -f manifests/`.
 */
export class QuickstartChart extends Chart {
  public readonly airflow: AirflowDeployment;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'airflow' });
    this.airflow = new AirflowDeployment(this, 'Airflow', {
      loadExamples: true,
      // the default login: user `admin`, its password generated once in the cluster (see README, "Logging in"):
      // kubectl -n airflow get secret airflow-simple-auth -o jsonpath='{.data.password-admin}' | base64 -d
    });
  }
}

if (require.main === module) {
  const app = new AirflowApp();
  new QuickstartChart(app, 'quickstart');
  app.synth();
}
