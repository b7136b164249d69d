import { describe, expect, test } from 'vitest';
import { AirflowExecutor } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { errorOf, podSpec, synthDeployment } from '../support/synth';

function bindingSubjects(manifests: any[]): string[] {
  const binding = manifests.find(m => m.kind === 'RoleBinding' && m.roleRef.name === 'airflow-pod-launcher');
  return binding.subjects.map((s: any) => s.name).sort();
}

describe('podLaunching: tasks may launch pods (KubernetesPodOperator), opt-in (issue #12)', () => {
  test('off by default: workers and task pods have no token and no Role', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celeryAndKubernetes() });
    expect(bindingSubjects(manifests)).toEqual(['airflow-scheduler']);
    const worker = manifests.find(m => m.kind === 'Deployment' && m.metadata.name === 'airflow-worker');
    expect(podSpec(worker).automountServiceAccountToken).toBe(false);
  });

  test('celeryWorkers and taskPods: a token and the pod-launcher Role for each', () => {
    const { manifests } = synthDeployment({
      executor: AirflowExecutor.celeryAndKubernetes({ pools: [{ name: 'default' }, { name: 'spark' }] }),
      podLaunching: { celeryWorkers: true, taskPods: true },
    });
    expectValidManifests(manifests);
    expect(bindingSubjects(manifests)).toEqual(['airflow-scheduler', 'airflow-task', 'airflow-worker', 'airflow-worker-spark']);
    for (const name of ['airflow-worker', 'airflow-worker-spark']) {
      expect(podSpec(manifests.find(m => m.kind === 'Deployment' && m.metadata.name === name)).automountServiceAccountToken).toBe(true);
    }
    const role = manifests.find(m => m.kind === 'Role' && m.metadata.name === 'airflow-pod-launcher');
    expect(role.rules.map((r: any) => `${r.resources}:${r.verbs}`)).toEqual(['pods:create,get,list,watch,patch,delete', 'pods/log:get', 'events:list']);
  });

  test('Celery alone gets a pod-launcher Role of its own', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celery(), podLaunching: { celeryWorkers: true } });
    expectValidManifests(manifests);
    expect(bindingSubjects(manifests)).toEqual(['airflow-worker']);
  });

  test('asking for pods the executor does not have', () => {
    expect(errorOf(() => synthDeployment({ podLaunching: { celeryWorkers: true } })))
      .toBe("'podLaunching.celeryWorkers' needs Celery workers, but 'executor' does not use Celery: remove it, or use taskPods with the KubernetesExecutor");
    expect(errorOf(() => synthDeployment({ executor: AirflowExecutor.celery(), podLaunching: { taskPods: true } })))
      .toBe("'podLaunching.taskPods' needs the KubernetesExecutor's task pods, but 'executor' does not use it: remove it, or use celeryWorkers with Celery");
  });
});
