import { Testing, Yaml } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { ProductionChart } from '../../examples/production';
import { podTemplate } from '../support/dags';
import { checkPodSecurityRestricted, expectValidManifests } from '../support/manifests';
import { airflowCfg } from '../support/synth';

const USER_SECRETS = ['airflow-db', 'airflow-redis', 'airflow-core', 'airflow-git', 'airflow-tls', 'registry-credentials', 'flower-auth', 'airflow-admin'];

describe('examples/production.ts', () => {
  const manifests = Testing.synth(new ProductionChart(Testing.app(), 'production'));
  const kinds = (kind: string) => manifests.filter(m => m.kind === kind);

  test('passes the strict schemas (CRDs included), references and Pod Security "restricted" (strict mode: no warnings)', () => {
    expectValidManifests(manifests, { external: { secrets: USER_SECRETS } });
    expect(checkPodSecurityRestricted(manifests)).toEqual([]);
  });

  test('uses most production features', () => {
    expect(kinds('ScaledObject')).toHaveLength(2);
    expect(kinds('TriggerAuthentication')).toHaveLength(1);
    expect(kinds('ServiceMonitor')).toHaveLength(2); // StatsD and PgBouncer
    expect(kinds('PrometheusRule')).toHaveLength(1);
    expect(kinds('Ingress')).toHaveLength(1);
    expect(kinds('CronJob')).toHaveLength(2);
    expect(kinds('NetworkPolicy').length).toBeGreaterThan(5);
    expect(kinds('PodDisruptionBudget').length).toBeGreaterThanOrEqual(6);
    expect(kinds('StatefulSet').filter(m => m.metadata.name.includes('database') || m.metadata.name.includes('broker'))).toEqual([]);
    expect(manifests.filter(m => m.kind === 'Job' && m.metadata.annotations?.['airflow.cdk8s.io/generates-secrets'])).toEqual([]);
    expect(kinds('Deployment').filter(m => m.metadata.name.includes('pgbouncer'))).toHaveLength(1);
    const cfg = airflowCfg(manifests);
    expect(cfg).toMatchObject({
      'core.executor': 'CeleryExecutor,KubernetesExecutor',
      'logging.remote_logging': 'True',
      'logging.remote_base_log_folder': 's3://example-airflow-logs/task-logs',
      'metrics.statsd_on': 'True',
      'api.base_url': 'https://airflow.example.com',
    });
  });

  test('task pods: init-only git sync, the logs role on their ServiceAccount, pull secrets, placement', () => {
    const template = podTemplate(manifests);
    expect((template.spec.initContainers ?? []).map((c: any) => c.name)).toEqual(['git-sync-init']);
    expect(template.spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(template.spec.nodeSelector).toEqual({ 'node.example.com/pool': 'airflow-tasks' });
    const sa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === template.spec.serviceAccountName);
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/airflow-task-logs');
  });

  test('is byte-identical run to run', () => {
    expect(Yaml.stringify(...Testing.synth(new ProductionChart(Testing.app(), 'production')))).toBe(Yaml.stringify(...manifests));
  });
});
