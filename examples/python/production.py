"""The production example (examples/production.ts) from Python: Airflow 3 on EKS with an external PostgreSQL (RDS)
and Redis (ElastiCache), Celery pools scaled to zero by KEDA next to the KubernetesExecutor, DAGs from a private git
repository, task logs in S3 through IRSA, StatsD metrics with a ServiceMonitor and alerts, an Ingress with TLS, two
schedulers and API servers, PgBouncer, maintenance CronJobs and NetworkPolicies.

It references the same user Secrets as the TypeScript example (airflow-db, airflow-redis, airflow-core, airflow-git,
airflow-tls, registry-credentials, flower-auth, airflow-admin) and writes the same YAML, byte for byte.
"""
import cdk8s_plus_28 as kplus
from cdk8s import App, Chart, Duration, Size
from cdk8s_airflow import (
    AirflowAuth,
    AirflowDeployment,
    AirflowExecutor,
    AirflowIngressOptions,
    AirflowLogs,
    AirflowMetrics,
    AirflowSchedulerOptions,
    AirflowApiServerOptions,
    AirflowSecretsOptions,
    CeleryBroker,
    CeleryExecutorOptions,
    CeleryWorkerPoolOptions,
    DatabaseCleanupOptions,
    FabAdminOptions,
    FlowerOptions,
    GitAuth,
    GitSyncSidecar,
    MaintenanceOptions,
    MetadataDatabase,
    NetworkPeer,
    NetworkPolicyEgressRule,
    NetworkPolicyOptions,
    PgBouncerOptions,
    PodCleanupOptions,
    S3Credentials,
    TriggererDeploymentOptions,
    WorkerAutoscaling,
)
from cdk8s_plus_28.k8s import Toleration
from constructs import Construct


class ProductionChart(Chart):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id, namespace="airflow")

        def secret(name: str) -> kplus.ISecret:
            return kplus.Secret.from_secret_name(self, name, name)

        db = secret("airflow-db")
        core = secret("airflow-core")
        logs_role = S3Credentials.from_service_account_role("arn:aws:iam::123456789012:role/airflow-task-logs")

        self.airflow = AirflowDeployment(
            self,
            "Airflow",
            strict=True,
            database=MetadataDatabase.external(
                connection=kplus.SecretValue(secret=db, key="url"),
                keda_connection=kplus.SecretValue(secret=db, key="keda"),
            ),
            secrets=AirflowSecretsOptions(
                fernet_key=kplus.SecretValue(secret=core, key="fernet-key"),
                api_secret_key=kplus.SecretValue(secret=core, key="api-secret-key"),
                jwt_secret=kplus.SecretValue(secret=core, key="jwt-secret"),
            ),
            # FAB in production: a first admin created once by a Job; add OAuth or LDAP with `webserver_config`.
            auth=AirflowAuth.fab(
                admin=FabAdminOptions(
                    email="data-platform@example.com",
                    password=kplus.SecretValue(secret=secret("airflow-admin"), key="password"),
                )
            ),
            image_pull_secrets=[secret("registry-credentials")],
            executor=AirflowExecutor.celery_and_kubernetes(
                CeleryExecutorOptions(
                    broker=CeleryBroker.external(url=kplus.SecretValue(secret=secret("airflow-redis"), key="url")),
                    pools=[
                        CeleryWorkerPoolOptions(
                            name="default",
                            worker_concurrency=16,
                            autoscaling=WorkerAutoscaling.keda(max_replicas=20),
                        ),
                        CeleryWorkerPoolOptions(
                            name="heavy",
                            worker_concurrency=2,
                            longest_task=Duration.hours(3),
                            max_memory_per_child=Size.gibibytes(6),
                            node_selector={"node.example.com/pool": "airflow-heavy"},
                            tolerations=[Toleration(key="airflow-heavy", operator="Exists", effect="NoSchedule")],
                            autoscaling=WorkerAutoscaling.keda(max_replicas=5),
                        ),
                    ],
                    flower=FlowerOptions(basic_auth=kplus.SecretValue(secret=secret("flower-auth"), key="auth")),
                ),
                node_selector={"node.example.com/pool": "airflow-tasks"},
            ),
            dag_source=GitSyncSidecar(
                repo="git@github.com:example/airflow-dags.git",
                git_ref="main",
                sub_path="dags",
                auth=GitAuth.ssh(
                    private_key=kplus.SecretValue(secret=secret("airflow-git"), key="ssh"),
                    known_hosts="github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
                ),
            ),
            pgbouncer=PgBouncerOptions(replicas=2),
            logs=AirflowLogs.s3(bucket="example-airflow-logs", prefix="task-logs", region="eu-west-1", credentials=logs_role),
            metrics=AirflowMetrics.statsd(
                service_monitor=True, alerts=True, prometheus_labels={"release": "kube-prometheus-stack"}
            ),
            ingress=AirflowIngressOptions(ingress_class_name="nginx", host="airflow.example.com", tls=secret("airflow-tls")),
            scheduler=AirflowSchedulerOptions(replicas=2),
            api_server=AirflowApiServerOptions(replicas=2),
            triggerer=TriggererDeploymentOptions(replicas=2),
            maintenance=MaintenanceOptions(
                database_cleanup=DatabaseCleanupOptions(retention=Duration.days(60)),
                pod_cleanup=PodCleanupOptions(),
            ),
            network_policies=NetworkPolicyOptions(
                # the API server's endpoints, not the `kubernetes` Service's ClusterIP (policies see translated addresses):
                # kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes (on EKS: the control plane's ENI subnets).
                kubernetes_api_cidrs=["10.0.0.0/20"],
                database_egress=[NetworkPolicyEgressRule(cidrs=["10.0.32.0/20"], ports=[5432])],
                broker_egress=[NetworkPolicyEgressRule(cidrs=["10.0.48.0/24"], ports=[6379])],
                ui_ingress_from=[NetworkPeer.in_namespace("ingress-nginx")],
                metrics_scrape_from=[NetworkPeer.in_namespace("monitoring")],
                extra_egress=[
                    NetworkPolicyEgressRule(cidrs=["140.82.112.0/20"], ports=[22]),  # github.com over SSH
                    NetworkPolicyEgressRule(cidrs=["0.0.0.0/0"], ports=[443]),  # S3 and the AWS STS endpoint for IRSA
                ],
            ),
        )


if __name__ == "__main__":
    app = App()
    ProductionChart(app, "production")
    app.synth()
