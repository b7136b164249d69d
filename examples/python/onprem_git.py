"""examples/onprem-git.ts from Python: an external database, DAGs from a private git server over SSH, the
KubernetesExecutor with task pods on dedicated nodes."""
import cdk8s_plus_28 as kplus
from cdk8s import App, Chart, Duration
from cdk8s_airflow import (
    AirflowDeployment,
    AirflowExecutor,
    AirflowSchedulerOptions,
    GitAuth,
    GitSyncSidecar,
    MetadataDatabase,
)
from constructs import Construct


class OnPremGitChart(Chart):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id, namespace="airflow")
        deploy_key = kplus.Secret.from_secret_name(self, "GitSshKey", "airflow-git-ssh")
        database = kplus.Secret.from_secret_name(self, "Database", "airflow-db")

        self.airflow = AirflowDeployment(
            self,
            "Airflow",
            database=MetadataDatabase.external(connection=kplus.SecretValue(secret=database, key="url")),
            dag_source=GitSyncSidecar(
                repo="git@git.example.internal:data/airflow-dags.git",
                git_ref="main",
                sub_path="dags",
                period=Duration.seconds(30),
                auth=GitAuth.ssh(
                    private_key=kplus.SecretValue(secret=deploy_key, key="ssh"),
                    # `ssh-keyscan git.example.internal`, checked against the server's fingerprints.
                    known_hosts="git.example.internal ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBn5vP0Fq2tQyTjXh6m1tW3jvK7bQ8vZc9c0zJ4sP5qE",
                ),
            ),
            scheduler=AirflowSchedulerOptions(replicas=2),
            executor=AirflowExecutor.kubernetes(
                delete_worker_pods_on_failure=False,
                node_selector={"node-role.example.com/airflow-tasks": "true"},
            ),
        )


if __name__ == "__main__":
    app = App()
    OnPremGitChart(app, "onprem-git")
    app.synth()
