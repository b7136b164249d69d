import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowDeployment, AirflowExecutor, AirflowScheduler, AirflowPodRecipe, CeleryBroker, GitOpsTool } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { one, synthDeployment } from '../support/synth';

const LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by', 'app.kubernetes.io/version'];

describe('release names', () => {
  test('objects are <release>-<component> like the official chart, the release from the construct id by default', () => {
    const { manifests } = synthDeployment();
    const names = (kind: string) => manifests.filter(m => m.kind === kind).map(m => m.metadata.name).sort();
    expect(names('Deployment')).toEqual(['airflow-api-server', 'airflow-dag-processor', 'airflow-scheduler', 'airflow-triggerer']);
    expect(names('Service')).toEqual(['airflow-api-server', 'airflow-postgresql', 'airflow-postgresql-headless', 'airflow-triggerer']);
    expect(names('StatefulSet')).toEqual(['airflow-postgresql']);
    expect(names('Job')).toEqual([expect.stringMatching(/^airflow-migrate-[0-9a-f]{8}$/), expect.stringMatching(/^airflow-secret-generator-[0-9a-f]{8}$/)]);
  });

  test('releaseName names every object and is the instance label; Celery pools are <release>-worker[-<pool>]', () => {
    const { manifests } = synthDeployment({
      releaseName: 'team-a',
      executor: AirflowExecutor.celery({ pools: [{ name: 'default' }, { name: 'gpu' }], broker: CeleryBroker.embeddedRedis() }),
    });
    for (const m of manifests) {
      expect(m.metadata.name, `${m.kind} ${m.metadata.name}`).toMatch(/^team-a-/);
      expect(m.metadata.labels['app.kubernetes.io/instance']).toBe('team-a');
    }
    expect(manifests.filter(m => m.kind === 'Deployment').map(m => m.metadata.name)).toEqual(expect.arrayContaining(['team-a-worker', 'team-a-worker-gpu']));
    expect(one(manifests, 'StatefulSet', 'redis').metadata.name).toBe('team-a-redis');
  });

  test('every object and every pod template carries the six labels; selectors never carry the version', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celeryAndKubernetes() });
    for (const m of manifests) {
      expect(Object.keys(m.metadata.labels ?? {}), `${m.kind} ${m.metadata.name}`).toEqual(expect.arrayContaining(LABELS));
      const template = m.spec?.template?.metadata;
      if (template) expect(Object.keys(template.labels), `pods of ${m.kind} ${m.metadata.name}`).toEqual(expect.arrayContaining(LABELS));
      const selector = m.spec?.selector?.matchLabels;
      if (selector && m.kind !== 'Service') {
        expect(selector['app.kubernetes.io/version']).toBeUndefined();
        expect(selector['app.kubernetes.io/instance']).toBe('airflow');
      }
    }
    expect(one(manifests, 'Deployment', 'airflow-scheduler').metadata.labels['app.kubernetes.io/version']).toBe('3.2.2');
  });

  test('a digit-leading id needs releaseName; a valid one makes valid names', () => {
    const app = new App();
    expect(() => new AirflowDeployment(new Chart(app, 'c', { namespace: 'airflow' }), '2024-airflow'))
      .toThrow("'releaseName' must be at most 40 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit "
        + "(every object is named '<release>-<component>' and a Service name must be a DNS-1035 label), got '2024-airflow' "
        + "(derived from the construct id '2024-airflow'): set 'releaseName'");
    const { manifests } = synthDeployment({ releaseName: 'airflow-2024' });
    expectValidManifests(manifests);
  });

  test('a 60-character id fails naming the prop; 40 characters are the most, and each kind keeps its limit', () => {
    const app = new App();
    expect(() => new AirflowDeployment(new Chart(app, 'c', { namespace: 'airflow' }), 'a'.repeat(60))).toThrow(/'releaseName' must be at most 40 .* set 'releaseName'/);
    // 40 characters: '<release>-secret-generator' would leave no room for the Job's content hash (54 + '-<8 hex>').
    expect(() => new AirflowDeployment(new Chart(new App(), 'c', { namespace: 'airflow' }), 'A', { releaseName: 'a'.repeat(40) }))
      .toThrow(`'releaseName' '${'a'.repeat(40)}' makes the Job name '${'a'.repeat(40)}-secret-generator' 57 characters long, over Kubernetes' limit of 54 `
        + "(63 less the content hash the name ends with): give a shorter 'releaseName' (at most 37 characters here)");
    const release = 'a'.repeat(30);
    const { manifests } = synthDeployment({ releaseName: release, executor: AirflowExecutor.celery({ pools: [{ name: 'default' }] }) });
    expectValidManifests(manifests);
    for (const m of manifests) expect(m.metadata.name.length, m.metadata.name).toBeLessThanOrEqual(['StatefulSet', 'CronJob'].includes(m.kind) ? 52 : 63);
  });

  test('two deployments in one namespace need their own releaseName; in other namespaces they may share it', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'airflow' });
    new AirflowDeployment(chart, 'Airflow');
    expect(() => new AirflowDeployment(new Chart(app, 'd', { namespace: 'airflow' }), 'Airflow'))
      .toThrow("two objects would be the ConfigMap 'airflow-config' in namespace 'airflow' (c/Airflow/Config and d/Airflow/Config): "
        + "give each AirflowDeployment in a namespace its own 'releaseName'");
    new AirflowDeployment(new Chart(app, 'e', { namespace: 'other' }), 'Airflow');
    new AirflowDeployment(new Chart(app, 'f', { namespace: 'airflow' }), 'Airflow', { releaseName: 'second' });
  });

  test('standalone constructs take the release of their AirflowConfig', () => {
    const chart = Testing.chart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config', { releaseName: 'lab' }) });
    new AirflowScheduler(chart, 'Scheduler', { recipe });
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`).sort()).toEqual(['ConfigMap/lab-config', 'Deployment/lab-scheduler', 'PodDisruptionBudget/lab-scheduler', 'ServiceAccount/lab-scheduler']);
    const inside = new Chart(Testing.app(), 'x');
    const airflow = new AirflowDeployment(inside, 'Airflow');
    expect(() => new AirflowConfig(airflow, 'Other', { releaseName: 'lab' })).toThrow("'releaseName' of AirflowConfig has no effect inside an AirflowDeployment");
  });
});

describe('one-shot Jobs', () => {
  const job = (manifests: any[], name: string) => one(manifests, 'Job', name);

  test('are named by a hash of their content: a setting or an image changes the name, nothing else does', () => {
    const name = (props: any) => job(synthDeployment(props).manifests, 'migrate').metadata.name;
    expect(name({})).toBe(name({}));
    expect(name({})).not.toBe(name({ settings: { 'core.default_timezone': 'Europe/Paris' } }));
    const generator = (props: any) => job(synthDeployment(props).manifests, 'secret-generator').metadata.name;
    expect(generator({})).toBe(generator({ settings: { 'core.default_timezone': 'Europe/Paris' } }));
    expect(generator({})).not.toBe(generator({ image: 'registry.example.com/airflow:3.2.2-custom' }));
  });

  test('are deleted 24 hours after they finish under kubectl; kept (and ordered by sync waves under Argo CD) with a GitOps tool', () => {
    const plain = synthDeployment().manifests;
    expect(job(plain, 'migrate').spec.ttlSecondsAfterFinished).toBe(86400);
    expect(job(plain, 'secret-generator').spec.ttlSecondsAfterFinished).toBe(86400);
    const argo = synthDeployment({ gitOps: GitOpsTool.ARGO_CD }).manifests;
    expect(job(argo, 'migrate').spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job(argo, 'secret-generator').metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-2');
    expect(job(argo, 'migrate').metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    const flux = synthDeployment({ gitOps: GitOpsTool.FLUX }).manifests;
    expect(job(flux, 'migrate').spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job(flux, 'migrate').metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
  });
});
