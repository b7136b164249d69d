import { readFileSync } from 'fs';
import { App, Testing, Yaml } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { CompactChart } from '../../examples/compact';
import { embeddedPods, expectValidManifests } from '../support/manifests';

function synthCompact(): any[] {
  return Testing.synth(new CompactChart(Testing.app(), 'compact'));
}

describe('examples/compact.ts', () => {
  const manifests = synthCompact();

  test('passes the strict 1.28 and 1.33 schemas, the reference check and Pod Security "restricted"', () => {
    expectValidManifests(manifests);
  });

  test('runs one Airflow pod next to the embedded PostgreSQL, and no task pod template (LocalExecutor)', () => {
    const longRunning = manifests.filter(m => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(m.kind));
    expect(longRunning.map(m => `${m.kind}/${m.metadata.name}`).sort()).toEqual(['Deployment/airflow-compact', 'StatefulSet/airflow-postgresql']);
    const compact = longRunning.find(m => m.metadata.name === 'airflow-compact');
    expect(compact.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['api-server', 'scheduler', 'triggerer', 'dag-processor']);
    expect(embeddedPods(manifests)).toHaveLength(0);
  });

  test('is byte-identical run to run, and app.synth() writes the same', () => {
    expect(Yaml.stringify(...synthCompact())).toBe(Yaml.stringify(...manifests));
    const app = new App({ outdir: Testing.app().outdir });
    new CompactChart(app, 'compact');
    app.synth();
    expect(readFileSync(`${app.outdir}/compact.k8s.yaml`, 'utf-8')).toBe(Yaml.stringify(...manifests));
  });

  test('matches the committed snapshot', () => {
    expect(Yaml.stringify(...manifests)).toMatchSnapshot();
  });
});
