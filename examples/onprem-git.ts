import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowApp, AirflowDeployment, AirflowExecutor, GitAuth, GitSyncSidecar, MetadataDatabase } from '../src';

/**
 * On-premises Airflow 3 with the KubernetesExecutor and DAGs from a private git repository over SSH.
 *
 * Before applying, create the Secrets this chart references (it never holds secret values itself):
 *   kubectl -n airflow create secret generic airflow-git-ssh --from-file=ssh=./deploy_key
 *   kubectl -n airflow create secret generic airflow-db --from-literal=url=postgresql://airflow:...@db.internal:5432/airflow
 */
export class OnPremGitChart extends Chart {
  public readonly airflow: AirflowDeployment;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'airflow' });
    const deployKey = kplus.Secret.fromSecretName(this, 'GitSshKey', 'airflow-git-ssh');
    const database = kplus.Secret.fromSecretName(this, 'Database', 'airflow-db');

    this.airflow = new AirflowDeployment(this, 'Airflow', {
      database: MetadataDatabase.external({ connection: { secret: database, key: 'url' } }),
      dagSource: new GitSyncSidecar({
        repo: 'git@git.example.internal:data/airflow-dags.git',
        gitRef: 'main',
        subPath: 'dags',
        period: Duration.seconds(30),
        auth: GitAuth.ssh({
          privateKey: { secret: deployKey, key: 'ssh' },
          // `ssh-keyscan git.example.internal`, checked against the server's fingerprints.
          knownHosts: 'git.example.internal ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBn5vP0Fq2tQyTjXh6m1tW3jvK7bQ8vZc9c0zJ4sP5qE',
        }),
      }),
      scheduler: { replicas: 2 },
      executor: AirflowExecutor.kubernetes({
        deleteWorkerPodsOnFailure: false,
        nodeSelector: { 'node-role.example.com/airflow-tasks': 'true' },
      }),
    });
  }
}

if (require.main === module) {
  const app = new AirflowApp();
  new OnPremGitChart(app, 'onprem-git');
  app.synth();
}
