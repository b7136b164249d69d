"""examples/eks-efs-s3.ts from Python: an external database (RDS), DAGs on EFS filled from S3 by one writer."""
import cdk8s_plus_28 as kplus
from cdk8s import App, Chart, Duration
from cdk8s_airflow import (
    AirflowDeployment,
    AirflowSchedulerOptions,
    EfsDagVolume,
    MetadataDatabase,
    S3Credentials,
    S3SyncSidecar,
)
from constructs import Construct


class EksEfsS3Chart(Chart):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id, namespace="airflow")
        rds = kplus.Secret.from_secret_name(self, "Rds", "airflow-rds")

        self.dags = EfsDagVolume(
            self,
            "Dags",
            file_system_id="fs-0123456789abcdef0",
            populated_by=S3SyncSidecar(
                bucket="acme-airflow-dags",
                prefix="dags/",
                region="eu-west-1",
                interval=Duration.seconds(60),
                credentials=S3Credentials.from_service_account_role("arn:aws:iam::123456789012:role/airflow-dags-reader"),
            ),
        )

        self.airflow = AirflowDeployment(
            self,
            "Airflow",
            database=MetadataDatabase.external(connection=kplus.SecretValue(secret=rds, key="url")),
            dag_source=self.dags,
            scheduler=AirflowSchedulerOptions(replicas=2),
        )


if __name__ == "__main__":
    app = App()
    EksEfsS3Chart(app, "eks-efs-s3")
    app.synth()
