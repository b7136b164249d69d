"""The quick start (examples/quickstart.ts) from Python: Airflow 3 with the KubernetesExecutor, an embedded
PostgreSQL, generated secrets and Airflow's example DAGs. `python quickstart.py` writes dist/quickstart.k8s.yaml.
"""
from cdk8s import App, Chart
from cdk8s_airflow import AirflowDeployment
from constructs import Construct


class QuickstartChart(Chart):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id, namespace="airflow")
        self.airflow = AirflowDeployment(
            self,
            "Airflow",
            load_examples=True,
            # the default login: user `admin`, its password generated once in the cluster (see README, "Logging in"):
            # kubectl -n airflow get secret airflow-simple-auth -o jsonpath='{.data.password-admin}' | base64 -d
        )


if __name__ == "__main__":
    app = App()
    QuickstartChart(app, "quickstart")
    app.synth()
