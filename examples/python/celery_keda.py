"""examples/celery-keda.ts from Python: Celery pools scaled by KEDA next to the KubernetesExecutor, DAGs from a
public git repository.

Options given directly may be dicts with snake_case keys (`triggerer={...}`, the Celery options below): jsii turns
them into the struct classes. Inside a list, write the struct classes (`CeleryWorkerPoolOptions(...)`,
`Toleration(...)`): jsii passes a dict there without its snake_case keys, so `worker_concurrency` would be lost.
"""
import cdk8s_plus_28 as kplus
from cdk8s import App, Chart, Duration, Size
from cdk8s_airflow import (
    AirflowDeployment,
    AirflowExecutor,
    AirflowVersion,
    CeleryWorkerPoolOptions,
    GitSyncSidecar,
    WorkerAutoscaling,
)
from cdk8s_plus_28.k8s import Toleration
from constructs import Construct


class CeleryKedaChart(Chart):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id, namespace="airflow")

        self.airflow = AirflowDeployment(
            self,
            "Airflow",
            airflow_version=AirflowVersion.V3_2_2,
            dag_source=GitSyncSidecar(
                repo="https://github.com/acme/airflow-dags.git",
                git_ref="main",
                sub_path="dags",
                period=Duration.seconds(30),
            ),
            executor=AirflowExecutor.celery_and_kubernetes(
                {
                    "pools": [
                        CeleryWorkerPoolOptions(
                            name="default",
                            worker_concurrency=16,
                            autoscaling=WorkerAutoscaling.keda(max_replicas=10),
                        ),
                        CeleryWorkerPoolOptions(
                            name="heavy",
                            worker_concurrency=2,
                            longest_task=Duration.hours(3),
                            node_selector={"node.example.com/size": "xlarge"},
                            tolerations=[Toleration(key="dedicated", operator="Equal", value="airflow-heavy", effect="NoSchedule")],
                            resources={
                                "cpu": {"request": kplus.Cpu.units(4)},
                                "memory": {"request": Size.gibibytes(16), "limit": Size.gibibytes(16)},
                            },
                            autoscaling=WorkerAutoscaling.keda(max_replicas=4, cooldown_period=Duration.minutes(5)),
                        ),
                    ],
                },
                node_selector={"node.example.com/size": "large"},
            ),
            triggerer={"autoscaling": WorkerAutoscaling.keda(max_replicas=3)},
        )


if __name__ == "__main__":
    app = App()
    CeleryKedaChart(app, "celery-keda")
    app.synth()
