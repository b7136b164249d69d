"""The compact Airflow (examples/compact.ts) from Python: the API server, scheduler, dag-processor and triggerer as
containers of ONE pod (plus the embedded PostgreSQL), tasks run by the LocalExecutor inside the scheduler container.
`python compact.py` writes dist/compact.k8s.yaml.
"""
import cdk8s_plus_28 as kplus
from cdk8s import App, Chart, Size
from cdk8s_airflow import AirflowDeployment, AirflowExecutor, AirflowTopology
from constructs import Construct


class CompactChart(Chart):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id, namespace="airflow")
        self.airflow = AirflowDeployment(
            self,
            "Airflow",
            topology=AirflowTopology.compact(),
            executor=AirflowExecutor.local(),
            load_examples=True,
            # at most 8 tasks at once, each a process of the scheduler container: size its memory for them.
            parallelism=8,
            scheduler={
                "resources": {
                    "cpu": {"request": kplus.Cpu.millis(500)},
                    "memory": {"request": Size.gibibytes(2), "limit": Size.gibibytes(4)},
                },
            },
        )


if __name__ == "__main__":
    app = App()
    CompactChart(app, "compact")
    app.synth()
