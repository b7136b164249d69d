import { Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { AirflowDeployment, AirflowExecutor, AirflowVersion, CeleryWorkerPoolOptions, GitSyncSidecar, KubernetesExecutorConfig, KubernetesExecutorOptions } from '../../src';
import { embeddedPods, expectValidManifests } from '../support/manifests';
import { airflowCfg, container, errorOf, one, podSpec, testChart } from '../support/synth';

/** Issue #15 section 1: an image per Celery pool, named KubernetesExecutor pod templates. */

const SPARK = 'registry.example.com/data/airflow:3.2.2-spark3.5';
const HADOOP = 'registry.example.com/data/airflow:3.2.2-hadoop3.4';
const GPU = 'registry.example.com/ml/airflow:3.2.2-cuda12';

const POOLS: CeleryWorkerPoolOptions[] = [
  { name: 'default' },
  { name: 'gpu', image: GPU, imagePullPolicy: kplus.ImagePullPolicy.ALWAYS, nodeSelector: { 'nvidia.com/gpu.present': 'true' } },
  { name: 'spark', image: SPARK },
];

const TASKS: KubernetesExecutorOptions = {
  nodeSelector: { pool: 'tasks' },
  podTemplates: {
    spark: {
      image: SPARK,
      resources: { cpu: { request: kplus.Cpu.units(2) }, memory: { request: Size.gibibytes(8), limit: Size.gibibytes(8) } },
      nodeSelector: { pool: 'spark' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'spark', effect: 'NoSchedule' }],
    },
    hadoop: { image: HADOOP, imagePullPolicy: kplus.ImagePullPolicy.ALWAYS },
  },
};

function synth() {
  const chart = testChart();
  const airflow = new AirflowDeployment(chart, 'Airflow', {
    executor: AirflowExecutor.celeryAndKubernetes({ pools: POOLS }, TASKS),
    dagSource: new GitSyncSidecar({ repo: 'https://git.example.com/data/dags.git', gitRef: 'main' }),
  });
  const manifests = Testing.synth(chart);
  const configMap = one(manifests, 'ConfigMap', 'pod-template');
  const templates = Object.fromEntries(Object.entries<string>(configMap.data).map(([k, v]) => [k, parse(v)]));
  return { chart, airflow, manifests, configMap, templates };
}

/** The pod spec without what a named template may change: image, pull policy, resources and placement. */
function recipePart(pod: any): any {
  const spec = structuredClone(pod.spec);
  delete spec.nodeSelector;
  delete spec.tolerations;
  for (const c of spec.containers) {
    delete c.image;
    delete c.imagePullPolicy;
    delete c.resources;
  }
  return spec;
}

describe('images per workload (issue #15, section 1)', () => {
  test('two pools with different images and two named pod templates synthesize and pass the harness', () => {
    const { manifests, templates } = synth();
    expectValidManifests(manifests);
    // every template is a Pod inside the ConfigMap, held to the schemas and Pod Security like any pod.
    expect(embeddedPods(manifests).map(p => p.where).sort()).toEqual([
      'ConfigMap/airflow-pod-template#hadoop.yaml', 'ConfigMap/airflow-pod-template#pod_template_file.yaml', 'ConfigMap/airflow-pod-template#spark.yaml',
    ]);
    expect(Object.keys(templates).sort()).toEqual(['hadoop.yaml', 'pod_template_file.yaml', 'spark.yaml']);
  });

  test('each pool runs its own image (or the deployment\'s), with its pull policy', () => {
    const { manifests } = synth();
    const worker = (name: string) => container(podSpec(one(manifests, 'Deployment', name)), 'worker');
    expect(worker('airflow-worker-gpu').image).toBe(GPU);
    expect(worker('airflow-worker-gpu').imagePullPolicy).toBe('Always');
    expect(worker('airflow-worker-spark').image).toBe(SPARK);
    expect(worker('airflow-worker-spark').imagePullPolicy).toBe('IfNotPresent');
    const defaultPool = manifests.find(m => m.kind === 'Deployment' && m.metadata.name === 'airflow-worker');
    expect(container(podSpec(defaultPool), 'worker').image).toBe(AirflowVersion.DEFAULT.officialImage);
    // the migration wait of the pool runs the pool's image too: one image to pull on a GPU node.
    expect(container(podSpec(one(manifests, 'Deployment', 'airflow-worker-gpu')), 'wait-for-airflow-migrations').image).toBe(GPU);
  });

  test('the Spark template has the default template\'s security context, DAGs, config, env and volumes; only image, resources and placement differ', () => {
    const { templates } = synth();
    const base = templates['pod_template_file.yaml'];
    const spark = templates['spark.yaml'];
    expect(recipePart(spark)).toEqual(recipePart(base));
    expect(spark.metadata).toEqual(base.metadata);
    expect(spark.spec.securityContext).toEqual(base.spec.securityContext);
    expect(spark.spec.containers[0].securityContext).toEqual(base.spec.containers[0].securityContext);
    const mounts = (pod: any) => pod.spec.containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts(spark)).toEqual(expect.arrayContaining(['/opt/airflow/airflow.cfg', '/opt/airflow/dags', '/opt/airflow/logs', '/tmp']));
    // the DAGs arrive the same way (git-sync's one-shot clone before the task)
    expect(spark.spec.initContainers.map((c: any) => c.name)).toEqual(base.spec.initContainers.map((c: any) => c.name));
    expect(spark.spec.initContainers.length).toBeGreaterThan(0);
    expect(spark.spec.containers[0]).toMatchObject({
      name: 'base', image: SPARK, imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: '2', memory: '8192Mi' }, limits: { memory: '8192Mi' } },
    });
    expect(spark.spec.nodeSelector).toEqual({ pool: 'spark' });
    expect(spark.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'spark', effect: 'NoSchedule' }]);
    // a template without placement of its own keeps the executor's.
    expect(templates['hadoop.yaml'].spec.nodeSelector).toEqual({ pool: 'tasks' });
    expect(templates['hadoop.yaml'].spec.containers[0]).toMatchObject({ image: HADOOP, imagePullPolicy: 'Always' });
    expect(templates['hadoop.yaml'].spec.containers[0].resources).toEqual(base.spec.containers[0].resources);
    expect(base.spec.containers[0].image).toBe(AirflowVersion.DEFAULT.officialImage);
  });

  test('the scheduler mounts every template at the path KubernetesExecutorConfig.podTemplateFile gives', () => {
    const { manifests, configMap } = synth();
    const scheduler = podSpec(one(manifests, 'Deployment', 'airflow-scheduler'));
    const mount = container(scheduler, 'scheduler').volumeMounts.find((m: any) => m.mountPath === '/opt/airflow/pod_templates');
    expect(mount).toMatchObject({ readOnly: true });
    expect(mount.subPath).toBeUndefined();
    const volume = scheduler.volumes.find((v: any) => v.name === mount.name);
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    expect(volume.configMap.items).toBeUndefined();
    expect(KubernetesExecutorConfig.podTemplateFile('spark')).toBe('/opt/airflow/pod_templates/spark.yaml');
    expect(KubernetesExecutorConfig.podTemplateFile()).toBe('/opt/airflow/pod_templates/pod_template_file.yaml');
    expect(airflowCfg(manifests)['kubernetes_executor.pod_template_file']).toBe(KubernetesExecutorConfig.podTemplateFile());
  });

  test('with a template of another image, Airflow\'s worker image settings stay empty (they would replace every template\'s image)', () => {
    const { manifests, airflow } = synth();
    const cfg = airflowCfg(manifests);
    expect(cfg['kubernetes_executor.worker_container_repository']).toBeUndefined();
    expect(cfg['kubernetes_executor.worker_container_tag']).toBeUndefined();
    expect(airflow.kubernetesExecutor!.allPodTemplates).toHaveLength(3);
    // and users cannot set them either
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', {
      executor: AirflowExecutor.kubernetes(TASKS), settings: { 'kubernetes_executor.worker_container_repository': 'apache/airflow' },
    }))).toContain("Airflow setting 'kubernetes_executor.worker_container_repository' is managed by this library: set 'podTemplates.hadoop.image");
    // templates with the deployment's image keep them
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { executor: AirflowExecutor.kubernetes({ podTemplates: { big: { resources: { cpu: { request: kplus.Cpu.units(4) } } } } }) });
    const same = airflowCfg(Testing.synth(chart));
    expect(same['kubernetes_executor.worker_container_repository']).toBe('apache/airflow');
  });

  test('the report lists the named templates by their ConfigMap key', () => {
    const { airflow } = synth();
    const report = airflow.report();
    expect(report).toContain('airflow-pod-template (template)');
    expect(report).toContain('airflow-pod-template spark.yaml');
    expect(report).toContain(`\`${SPARK}\``);
    expect(report).toContain(`\`${GPU}\``);
  });

  test('bad images and names are refused, naming the prop', () => {
    const deploy = (props: any) => () => new AirflowDeployment(testChart(), 'Airflow', props);
    expect(errorOf(deploy({ executor: AirflowExecutor.celery({ pools: [{ name: 'gpu', image: 'registry.example.com/ml/airflow:3.1.0-cuda12' }] }) })))
      .toBe("'pools[gpu].image' registry.example.com/ml/airflow:3.1.0-cuda12 is Airflow 3.1.0, but 'airflowVersion' is 3.2.2: "
        + "set 'airflowVersion' to AirflowVersion.of('3.1.0'), or use the image of 3.2.2 (e.g. 'apache/airflow:3.2.2')");
    expect(errorOf(deploy({ executor: AirflowExecutor.celery({ pools: [{ name: 'gpu', image: 'registry.example.com/ml/airflow' }] }) })))
      .toBe("'pools[gpu].image' must be pinned to a version tag or digest, got 'registry.example.com/ml/airflow': use e.g. 'apache/airflow:3.2.2'");
    expect(errorOf(deploy({ executor: AirflowExecutor.kubernetes({ podTemplates: { spark: { image: 'apache/airflow:2.11.0' } } }) })))
      .toContain("'podTemplates.spark.image' apache/airflow:2.11.0 is Airflow 2.11.0, but 'airflowVersion' is 3.2.2");
    expect(errorOf(deploy({ executor: AirflowExecutor.kubernetes({ podTemplates: { Spark_Jobs: {} } }) })))
      .toBe("'podTemplates' name 'Spark_Jobs' must be a DNS label (at most 63 lower-case letters, digits and '-', starting and ending with a letter "
        + "or digit): it names the file /opt/airflow/pod_templates/<name>.yaml, e.g. 'spark'");
    expect(errorOf(() => KubernetesExecutorConfig.podTemplateFile('pod_template_file')))
      .toBe("KubernetesExecutorConfig.podTemplateFile: 'pod_template_file' is not a pod template name (a DNS label, e.g. 'spark')");
    // untyped callers (JavaScript, jsii languages)
    expect(errorOf(() => AirflowExecutor.kubernetes({ podTemplates: { spark: { image: 3 } } } as any)))
      .toBe("'AirflowExecutor.kubernetes options.podTemplates.spark.image' must be a string, got the number 3");
    expect(errorOf(() => AirflowExecutor.celery({ pools: [{ name: 'gpu', image: ['x'] }] } as any)))
      .toBe("'AirflowExecutor.celery options.pools[0].image' must be a string, got an array of 1");
  });
});
