import { Testing, Yaml } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { CeleryKedaChart } from '../../examples/celery-keda';
import { containerNames, podTemplate } from '../support/dags';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, env, one, podSpec } from '../support/synth';

const EXECUTOR_FILTER = " AND executor IS DISTINCT FROM 'KubernetesExecutor'";

describe('examples/celery-keda.ts', () => {
  const chart = new CeleryKedaChart(Testing.app(), 'celery-keda');
  const manifests = Testing.synth(chart);
  const workers = manifests.filter(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'worker');
  const pool = (name: string) => workers.find(w => w.spec.template.metadata.labels['airflow.cdk8s.io/worker-pool'] === name);
  const scaledObject = (target: any) => manifests.find(m => m.kind === 'ScaledObject' && m.spec.scaleTargetRef.name === target.metadata.name);

  test('passes the strict schemas (KEDA objects against the KEDA CRDs), references and Pod Security "restricted"', () => {
    expectValidManifests(manifests);
    expect(manifests.filter(m => m.apiVersion === 'keda.sh/v1alpha1').map(m => m.kind).sort())
      .toEqual(['ScaledObject', 'ScaledObject', 'ScaledObject', 'TriggerAuthentication']);
  });

  test('Celery and Kubernetes executors on Airflow 3', () => {
    expect(airflowCfg(manifests)['core.executor']).toBe('CeleryExecutor,KubernetesExecutor');
    expect(workers).toHaveLength(2);
    expect(podTemplate(manifests).spec.nodeSelector).toEqual({ 'node.example.com/size': 'large' });
  });

  test('both pools scale to zero on their own queues, skipping KubernetesExecutor tasks', () => {
    const light = scaledObject(pool('default'));
    const heavy = scaledObject(pool('heavy'));
    expect(light.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 10, pollingInterval: 5, cooldownPeriod: 30 });
    expect(light.spec.triggers[0].metadata).toEqual({
      query: `SELECT ceil(COUNT(*)::decimal / 16) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('default')${EXECUTOR_FILTER}`,
      targetQueryValue: '1',
    });
    expect(heavy.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 4, pollingInterval: 5, cooldownPeriod: 300 });
    expect(heavy.spec.triggers[0].metadata).toEqual({
      query: `SELECT ceil(COUNT(*)::decimal / 2) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('heavy')${EXECUTOR_FILTER}`,
      targetQueryValue: '1',
    });
    for (const worker of workers) expect(worker.spec, worker.metadata.name).not.toHaveProperty('replicas');
  });

  test('the heavy pool: big nodes, a grace period for its longest task', () => {
    const spec = podSpec(pool('heavy'));
    expect(spec.terminationGracePeriodSeconds).toBe(16200); // 1.5 × 3 hours
    expect(spec.nodeSelector).toEqual({ 'node.example.com/size': 'xlarge' });
    expect(spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'airflow-heavy', effect: 'NoSchedule' }]);
    expect(container(spec, 'worker').resources).toEqual({ requests: { cpu: '4', memory: '16384Mi' }, limits: { memory: '16384Mi' } });
    expect(env(container(spec, 'worker'), 'AIRFLOW__CELERY__WORKER_CONCURRENCY').value).toBe('2');
  });

  test('KEDA reads the embedded database\'s keda-connection key through one TriggerAuthentication', () => {
    const auth = one(manifests, 'TriggerAuthentication');
    const credentials = chart.airflow.embeddedDatabase!.credentials;
    expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'connection', name: credentials.name, key: 'keda-connection' }]);
    for (const so of manifests.filter(m => m.kind === 'ScaledObject')) {
      expect(so.spec.triggers).toEqual([expect.objectContaining({ type: 'postgresql', authenticationRef: { name: auth.metadata.name } })]);
    }
    const job = manifests.find(m => m.kind === 'Job' && m.metadata.annotations?.['airflow.cdk8s.io/generates-secret-keys']);
    expect(job.metadata.annotations['airflow.cdk8s.io/generates-secret-keys']).toContain(`${credentials.name}:password|connection|keda-connection`);
  });

  test('the triggerer scales on triggers and keeps one running', () => {
    const triggerer = one(manifests, 'Deployment', '-triggerer');
    expect(triggerer.spec).not.toHaveProperty('replicas');
    expect(scaledObject(triggerer).spec).toMatchObject({
      minReplicaCount: 1, maxReplicaCount: 3, triggers: [{ metadata: { query: 'SELECT ceil(COUNT(*)::decimal / 1000) FROM trigger' } }],
    });
  });

  test('workers sync DAGs with git-sync init and sidecar; task pods with the init container only', () => {
    for (const worker of workers) {
      expect(containerNames(podSpec(worker)), worker.metadata.name).toEqual({ init: ['wait-for-airflow-migrations', 'git-sync-init'], main: ['worker', 'git-sync'] });
    }
    expect(containerNames(podTemplate(manifests).spec)).toEqual({ init: ['git-sync-init'], main: ['base'] });
    expect(airflowCfg(manifests)['core.dags_folder']).toBe('/opt/airflow/dags/repo/dags');
  });

  test('is byte-identical run to run', () => {
    expect(Yaml.stringify(...Testing.synth(new CeleryKedaChart(Testing.app(), 'celery-keda')))).toBe(Yaml.stringify(...manifests));
  });
});
