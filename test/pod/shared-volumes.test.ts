import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowExecutor, GitSyncSidecar } from '../../src';

// issue #16: a cdk8s-plus Volume construct only names what each pod spec lists, so the volumes every Airflow pod
// lists are made once per deployment instead of once per pod (the manifests are unchanged: the example snapshots).
describe('volumes every Airflow pod lists are one construct per deployment', () => {
  const app: App = Testing.app();
  const chart = new Chart(app, 'airflow', { namespace: 'airflow' });
  const airflow = new AirflowDeployment(chart, 'Airflow', {
    executor: AirflowExecutor.celeryAndKubernetes({ pools: [{ name: 'default' }] }),
    dagSource: new GitSyncSidecar({ repo: 'https://github.com/apache/airflow.git', gitRef: 'main' }),
  });
  const manifests = Testing.synth(chart);
  const podSpecs = manifests.flatMap(m => {
    const spec = m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template.spec : m.spec?.template?.spec;
    return spec ? [spec] : [];
  });
  // the embedded PostgreSQL's pod is not an Airflow pod: its own `tmp` volume is its own
  const database = airflow.node.findAll().find(c => c.constructor.name === 'EmbeddedPostgres')!;
  const volumeConstructs = airflow.node.findAll()
    .filter((c): c is kplus.Volume => c instanceof kplus.Volume && !c.node.path.startsWith(`${database.node.path}/`));

  for (const name of ['airflow-config', 'tmp', 'logs', 'dags', 'dags-tmp']) {
    test(`'${name}': listed by several pods, made once`, () => {
      const listing = podSpecs.filter(spec => (spec.volumes ?? []).some((v: any) => v.name === name));
      expect(listing.length).toBeGreaterThan(2);
      expect(volumeConstructs.filter(v => v.name === name)).toHaveLength(1);
    });
  }
});
