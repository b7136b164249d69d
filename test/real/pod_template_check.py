"""The KubernetesExecutor's pod, built the way the executor builds it (apache-airflow-providers-cncf-kubernetes 10.14.0,
airflow/providers/cncf/kubernetes/executors/kubernetes_executor_utils.py `AirflowKubernetesScheduler.run_next`):

    base_worker_pod = get_base_pod_from_template(pod_template_file, self.kube_config)   # PodGenerator.deserialize_model_file
    pod = PodGenerator.construct_pod(..., kube_image=self.kube_config.kube_image, args=command,
                                     pod_override_object=kube_executor_config, base_worker_pod=base_worker_pod,
                                     with_mutation_hook=True)                             # reduce(reconcile_pods, ...)

`KubeConfig()` reads `[kubernetes_executor] pod_template_file` and the worker image from our airflow.cfg, in the
scheduler's filesystem, where the pod template ConfigMap is mounted.
"""
from __future__ import annotations


def check_pod_template(request):
    from kubernetes.client import ApiClient, models as k8s

    from airflow.providers.cncf.kubernetes.executors.kubernetes_executor_utils import get_base_pod_from_template
    from airflow.providers.cncf.kubernetes.kube_config import KubeConfig
    from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator

    kube_config = KubeConfig()
    base = get_base_pod_from_template(request.get("pod_template_file"), kube_config)
    override = None
    if request.get("override"):
        # a task's `executor_config={"pod_override": k8s.V1Pod(...)}`, as a DAG author writes it
        override = PodGenerator.deserialize_model_dict(request["override"])
    pod = PodGenerator.construct_pod(
        namespace=kube_config.executor_namespace,
        scheduler_job_id="1",
        pod_id="example-dag-example-task-abc123",
        dag_id="example_dag",
        task_id="example_task",
        kube_image=kube_config.kube_image,
        try_number=1,
        map_index=-1,
        date=None,
        run_id="manual__2026-01-01T00:00:00+00:00",
        args=["airflow", "tasks", "run", "example_dag", "example_task", "manual__2026-01-01T00:00:00+00:00"],
        pod_override_object=override,
        base_worker_pod=base,
        with_mutation_hook=True,
    )
    api = ApiClient()
    return {
        "pod_template_file": kube_config.pod_template_file,
        "kube_image": kube_config.kube_image,
        "namespace": kube_config.executor_namespace,
        "base": api.sanitize_for_serialization(base),
        "pod": api.sanitize_for_serialization(pod),
        "k8s_classes": k8s.__name__,
    }
