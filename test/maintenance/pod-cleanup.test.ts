import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowPodRecipe, PodCleanup, PodCleanupOptions } from '../../src';
import { container, env, one, testChart } from '../support/synth';

function synthCleanup(options: PodCleanupOptions = {}) {
  const chart = testChart();
  const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
  new PodCleanup(chart, 'PodCleanup', { recipe, ...options });
  return Testing.synth(chart);
}

describe('PodCleanup', () => {
  test('a CronJob every 15 minutes, one at a time, one retry, one Job of each outcome kept', () => {
    const cronJob = one(synthCleanup(), 'CronJob');
    expect(cronJob.spec).toMatchObject({
      schedule: '*/15 * * * *',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 1,
      startingDeadlineSeconds: 300,
      jobTemplate: { spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never' } } } },
    });
    expect(one(synthCleanup({ schedule: '0 * * * *' }), 'CronJob').spec.schedule).toBe('0 * * * *');
  });

  test('runs airflow kubernetes cleanup-pods in its own namespace, from the downward API', () => {
    const spec = one(synthCleanup(), 'CronJob').spec.jobTemplate.spec.template;
    const c = container(spec.spec, 'pod-cleanup');
    expect(c.args).toEqual(['airflow', 'kubernetes', 'cleanup-pods', '--namespace', '$(POD_NAMESPACE)']);
    expect(env(c, 'POD_NAMESPACE')).toEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    expect(c.image).toBe('apache/airflow:3.2.2');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '1024Mi' } });
    expect(spec.metadata.labels['app.kubernetes.io/component']).toBe('pod-cleanup');
  });

  test('its own ServiceAccount with a token, and a Role with exactly pods list and delete', () => {
    const manifests = synthCleanup();
    const spec = one(manifests, 'CronJob').spec.jobTemplate.spec.template.spec;
    const serviceAccount = one(manifests, 'ServiceAccount', 'pod-cleanup');
    expect(spec.serviceAccountName).toBe(serviceAccount.metadata.name);
    expect(spec.automountServiceAccountToken).toBe(true);
    const role = one(manifests, 'Role');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] }]);
    const binding = one(manifests, 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace: 'airflow' }]);
    expect(manifests.filter(m => m.kind.startsWith('Cluster'))).toEqual([]);
  });

  test('a schedule that is not 5 cron fields', () => {
    expect(() => synthCleanup({ schedule: 'every 15 minutes' })).toThrow(
      "'maintenance.podCleanup.schedule' must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), got 'every 15 minutes': "
      + "write e.g. '0 3 * * 0' (Sundays at 03:00) or '*/15 * * * *' (every 15 minutes)");
  });
});
