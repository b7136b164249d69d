import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { beforeAll, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { runChecks, STAND_INS } from './support';
import { AirflowDeployment, AirflowExecutor, AirflowVersion, KubernetesExecutorConfig } from '../../src';
import { AIRFLOW_VENV_VERSIONS, canEmulatePods, PodProcess, podProcess, workload } from '../support/real-airflow';
import { describeWith } from '../support/real-components';
import { testChart } from '../support/synth';

/**
 * Issue #15: a task picks a named pod template with `executor_config={"pod_template_file": <path>}`. The
 * KubernetesExecutor reads it in the scheduler (cncf.kubernetes 10.14.0, executors/kubernetes_executor.py
 * `execute_async` takes `executor_config["pod_template_file"]`; kubernetes_executor_utils.py `run_next` ->
 * `get_base_pod_from_template(pod_template_file, kube_config)` -> `PodGenerator.deserialize_model_file`, then
 * `PodGenerator.construct_pod(kube_image=kube_config.kube_image, ...)`). test/real/pod_template_check.py does exactly
 * that in the scheduler's filesystem (our airflow.cfg, the template ConfigMap mounted at /opt/airflow/pod_templates).
 */

const SPARK = 'registry.example.com/data/airflow:3.2.2-spark3.5';

function synth() {
  const chart = testChart();
  new AirflowDeployment(chart, 'Airflow', {
    airflowVersion: AirflowVersion.V3_2_2,
    executor: AirflowExecutor.kubernetes({
      podTemplates: {
        spark: { image: SPARK, resources: { cpu: { request: kplus.Cpu.units(2) } }, nodeSelector: { pool: 'spark' } },
        small: { resources: { cpu: { request: kplus.Cpu.millis(100) } } },
      },
    }),
  });
  return Testing.synth(chart);
}

/** The scheduler's process, with its airflow.cfg changed by `mutate`. */
function scheduler(manifests: any[], mutate?: (cfg: string) => string): PodProcess {
  const pod = podProcess(manifests, workload(manifests, 'scheduler'), 'scheduler', STAND_INS);
  return { ...pod, files: pod.files.map(f => f.path === '/opt/airflow/airflow.cfg' && mutate ? { ...f, content: mutate(f.content) } : f) };
}

async function buildPod(pod: PodProcess, template: string | null): Promise<any> {
  const results = await runChecks('3.2.2', pod, { checks: ['pod_template'], pod_template: { pod_template_file: template, override: null } });
  return results.pod_template;
}

function templateOf(manifests: any[], key: string): any {
  const cm = manifests.find(m => m.kind === 'ConfigMap' && m.data?.['pod_template_file.yaml'] !== undefined);
  return YAML.parse(cm.data[key]);
}

describeWith(['airflow'], 'named pod templates: Airflow\'s KubernetesExecutor builds task pods from them', () => {
  const usable = canEmulatePods() && AIRFLOW_VENV_VERSIONS.includes('3.2.2');
  let manifests: any[];
  let spark: any;
  let fallback: any;
  let replaced: any;
  beforeAll(async () => {
    if (!usable) return;
    manifests = synth();
    const pod = scheduler(manifests);
    spark = await buildPod(pod, KubernetesExecutorConfig.podTemplateFile('spark'));
    fallback = await buildPod(pod, null);
    // the oracle can fail: with worker_container_repository/tag set (as the library sets them when every template has
    // the deployment's image), Airflow's kube_image replaces the Spark image
    replaced = await buildPod(scheduler(manifests, cfg => cfg.replace('[kubernetes_executor]\n',
      '[kubernetes_executor]\nworker_container_repository = apache/airflow\nworker_container_tag = 3.2.2\n')), KubernetesExecutorConfig.podTemplateFile('spark'));
  }, 300_000);

  it('this machine can run the scheduler\'s filesystem (root, unshare) with Airflow 3.2.2', () => {
    expect(usable, 'needs root with unshare/nsenter and the airflow-3.2.2 venv').toBe(true);
  });

  it('the Spark template: the task pod has the Spark image, the template\'s resources and placement, and the default\'s security context, mounts and env', () => {
    expect(spark.fatal, 'the provider building the pod').toBeUndefined();
    const template = templateOf(manifests, 'spark.yaml');
    const standard = templateOf(manifests, 'pod_template_file.yaml');
    const base = spark.pod.spec.containers[0];
    expect(base.name).toBe('base');
    expect(base.image).toBe(SPARK);
    expect(spark.kube_image).toBeNull();
    expect(base.resources).toEqual(template.spec.containers[0].resources);
    expect(spark.pod.spec.nodeSelector).toEqual({ pool: 'spark' });
    expect(spark.pod.spec.securityContext).toEqual(standard.spec.securityContext);
    expect(base.securityContext).toEqual(standard.spec.containers[0].securityContext);
    expect(base.volumeMounts).toEqual(standard.spec.containers[0].volumeMounts);
    expect(spark.pod.spec.volumes).toEqual(standard.spec.volumes);
    const envNames = (c: any) => (c.env ?? []).map((e: any) => e.name).filter((n: string) => n !== 'AIRFLOW_IS_K8S_EXECUTOR_POD');
    expect(envNames(base)).toEqual(envNames(standard.spec.containers[0]));
    expect(base.args).toEqual(['airflow', 'tasks', 'run', 'example_dag', 'example_task', 'manual__2026-01-01T00:00:00+00:00']);
  });

  it('a task without executor_config gets the default template and the deployment\'s image', () => {
    expect(fallback.fatal).toBeUndefined();
    expect(fallback.pod_template_file).toBe(KubernetesExecutorConfig.podTemplateFile());
    expect(fallback.pod.spec.containers[0].image).toBe(AirflowVersion.V3_2_2.officialImage);
  });

  it('the oracle fails when Airflow\'s worker image settings are set: kube_image replaces the Spark image', () => {
    expect(replaced.fatal).toBeUndefined();
    expect(replaced.kube_image).toBe('apache/airflow:3.2.2');
    expect(replaced.pod.spec.containers[0].image).toBe('apache/airflow:3.2.2');
  });
});
