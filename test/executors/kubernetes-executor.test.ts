import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { AirflowConfig, AirflowPodRecipe, AirflowScheduler, KubernetesExecutorConfig, KubernetesExecutorOptions } from '../../src';
import { embeddedPods, expectValidManifests } from '../support/manifests';
import { env, one, testChart } from '../support/synth';

function synthExecutor(options: KubernetesExecutorOptions = {}, image?: string) {
  const chart = testChart();
  const config = new AirflowConfig(chart, 'Config');
  const recipe = new AirflowPodRecipe({ config, image, waitForMigrations: false });
  const executor = new KubernetesExecutorConfig(chart, 'Executor', { recipe, ...options });
  const scheduler = new AirflowScheduler(chart, 'Scheduler', { recipe, automountServiceAccountToken: true });
  executor.grantLaunch(scheduler);
  const manifests = Testing.synth(chart);
  const template = parse(one(manifests, 'ConfigMap', 'pod-template').data['pod_template_file.yaml']);
  return { chart, config, executor, manifests, template };
}

describe('KubernetesExecutorConfig', () => {
  test('the pod template: container base, restartPolicy Never, own ServiceAccount without token, 600 s grace', () => {
    const { template, manifests, executor } = synthExecutor();
    expect(template.kind).toBe('Pod');
    expect(template.spec.restartPolicy).toBe('Never');
    expect(template.spec.terminationGracePeriodSeconds).toBe(600);
    expect(template.spec.automountServiceAccountToken).toBe(false);
    expect(template.spec.serviceAccountName).toBe(executor.serviceAccount.name);
    expect(template.spec.containers.map((c: any) => c.name)).toEqual(['base']);
    expect(template.spec.containers[0].args).toBeUndefined();
    expect(template.spec.initContainers).toBeUndefined();
    expect(template.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'task', 'app.kubernetes.io/name': 'airflow' });
    expect(env(template.spec.containers[0], 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE').valueFrom.fieldRef.fieldPath).toBe('metadata.namespace');
    expect(embeddedPods(manifests)).toHaveLength(1);
    expectValidManifests(manifests);
  });

  test('options reach the template and airflow.cfg', () => {
    const { template, config, manifests } = synthExecutor({
      terminationGracePeriod: Duration.minutes(30),
      podLabels: { team: 'data' },
      podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
      nodeSelector: { workload: 'tasks' },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'spot', operator: 'DoesNotExist' }] }] } } },
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/airflow-tasks' },
      automountServiceAccountToken: true,
      deleteWorkerPods: false,
      deleteWorkerPodsOnFailure: true,
      workerPodsCreationBatchSize: 32,
      resources: { cpu: { request: kplus.Cpu.millis(1000) } },
    });
    expect(template.spec.terminationGracePeriodSeconds).toBe(1800);
    expect(template.metadata.labels.team).toBe('data');
    expect(template.metadata.annotations['cluster-autoscaler.kubernetes.io/safe-to-evict']).toBe('false');
    expect(template.spec.nodeSelector).toEqual({ workload: 'tasks' });
    expect(template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key).toBe('spot');
    expect(template.spec.automountServiceAccountToken).toBe(true);
    expect(template.spec.containers[0].resources).toEqual({ requests: { cpu: '1000m' } });
    const sa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === template.spec.serviceAccountName);
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/airflow-tasks' });
    expect([config.get('kubernetes_executor', 'delete_worker_pods'), config.get('kubernetes_executor', 'delete_worker_pods_on_failure'),
      config.get('kubernetes_executor', 'worker_pods_creation_batch_size')]).toEqual(['False', 'True', '32']);
    expectValidManifests(manifests);
  });

  test('worker image settings follow the image, and are left out for digests', () => {
    const tagged = synthExecutor({}, 'registry.example.com:5000/team/airflow:3.2.2-1').config;
    expect([tagged.get('kubernetes_executor', 'worker_container_repository'), tagged.get('kubernetes_executor', 'worker_container_tag')])
      .toEqual(['registry.example.com:5000/team/airflow', '3.2.2-1']);
    const digest = synthExecutor({}, 'apache/airflow@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef').config;
    expect(digest.get('kubernetes_executor', 'worker_container_repository')).toBeUndefined();
  });

  test('uses the user\'s ServiceAccount for task pods', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
    const sa = kplus.ServiceAccount.fromServiceAccountName(chart, 'Sa', 'tasks');
    const executor = new KubernetesExecutorConfig(chart, 'Executor', { recipe, serviceAccount: sa });
    expect(executor.serviceAccount).toBe(sa);
    const template = parse(one(Testing.synth(chart), 'ConfigMap', 'pod-template').data['pod_template_file.yaml']);
    expect(template.spec.serviceAccountName).toBe('tasks');
    expect(Testing.synth(chart).filter(m => m.kind === 'ServiceAccount')).toEqual([]);
  });

  test('fails on a creation batch size below 1', () => {
    expect(() => synthExecutor({ workerPodsCreationBatchSize: 0 })).toThrow("'workerPodsCreationBatchSize' must be a whole number >= 1, got 0");
  });

  test('fails when settings override the namespace or the pod template file', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', { settings: { 'kubernetes_executor.namespace': 'other', 'kubernetes_executor.pod_template_file': '/x.yaml' } });
    new KubernetesExecutorConfig(chart, 'Executor', { recipe: new AirflowPodRecipe({ config }) });
    expect(() => Testing.synth(chart)).toThrow("Airflow setting 'kubernetes_executor.namespace' is managed by this library: set 'the namespace the manifests are applied to' instead");
    expect(() => Testing.synth(chart)).toThrow("Airflow setting 'kubernetes_executor.pod_template_file' is managed by this library: set 'kubernetesExecutor' instead");
  });
});

describe('task pod labels', () => {
  test('fails on a label value Kubernetes would reject', () => {
    expect(() => synthExecutor({ podLabels: { team: 'data platform' } }))
      .toThrow("'podLabels' of task pods: the value of 'team' must be at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, got 'data platform'");
  });
});
