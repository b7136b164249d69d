import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowApp, AirflowDeployment, EfsDagVolume, MetadataDatabase, S3Credentials, S3SyncSidecar } from '../src';

/**
 * Airflow 3 on EKS: DAGs published to S3 by CI are synced by ONE writer into an EFS volume that every
 * Airflow pod (dag-processor, triggerer, task pods) mounts read-only; the writer reads S3 through an IAM
 * role for its ServiceAccount (IRSA). The metadata database is RDS, its URL in a Secret you create:
 *   kubectl -n airflow create secret generic airflow-rds --from-literal=url=postgresql://airflow:...@airflow.xxxx.eu-west-1.rds.amazonaws.com:5432/airflow
 * Outside the manifests: the EFS file system with a mount target per AZ, the EFS CSI driver, and the IAM role.
 */
export class EksEfsS3Chart extends Chart {
  public readonly airflow: AirflowDeployment;
  public readonly dags: EfsDagVolume;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'airflow' });
    const rds = kplus.Secret.fromSecretName(this, 'Rds', 'airflow-rds');

    this.dags = new EfsDagVolume(this, 'Dags', {
      fileSystemId: 'fs-0123456789abcdef0',
      populatedBy: new S3SyncSidecar({
        bucket: 'acme-airflow-dags',
        prefix: 'dags/',
        region: 'eu-west-1',
        interval: Duration.seconds(60),
        credentials: S3Credentials.fromServiceAccountRole('arn:aws:iam::123456789012:role/airflow-dags-reader'),
      }),
    });

    this.airflow = new AirflowDeployment(this, 'Airflow', {
      database: MetadataDatabase.external({ connection: { secret: rds, key: 'url' } }),
      dagSource: this.dags,
      scheduler: { replicas: 2 },
    });
  }
}

if (require.main === module) {
  const app = new AirflowApp();
  new EksEfsS3Chart(app, 'eks-efs-s3');
  app.synth();
}
