import cdk8s_plus_28 as kplus
from cdk8s import App, Chart
from cdk8s_airflow import AirflowDeployment, AirflowSchedulerOptions, AirflowVersion, MetadataDatabase

app = App()
chart = Chart(app, "airflow", namespace="airflow")
db = kplus.Secret.from_secret_name(chart, "Db", "airflow-db")  # your Secret: key `url` = postgresql://...

AirflowDeployment(
    chart,
    "Airflow",
    airflow_version=AirflowVersion.V3_2_2,
    database=MetadataDatabase.external(connection=kplus.SecretValue(secret=db, key="url")),
    parallelism=64,
    scheduler=AirflowSchedulerOptions(replicas=2),
)
app.synth()  # dist/airflow.k8s.yaml: kubectl apply -f dist/
