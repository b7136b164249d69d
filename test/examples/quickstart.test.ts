import { readFileSync } from 'fs';
import { App, Testing, Yaml } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { QuickstartChart } from '../../examples/quickstart';
import { embeddedPods, expectValidManifests } from '../support/manifests';

function synthQuickstart(): any[] {
  return Testing.synth(new QuickstartChart(Testing.app(), 'quickstart'));
}

describe('examples/quickstart.ts', () => {
  const manifests = synthQuickstart();

  test('passes the strict 1.28 and 1.33 schemas, the reference check and Pod Security "restricted"', () => {
    expectValidManifests(manifests);
  });

  test('carries the task pod template inside a ConfigMap, which is checked too', () => {
    const pods = embeddedPods(manifests);
    expect(pods).toHaveLength(1);
    expect(pods[0].pod.spec.containers[0].name).toBe('base');
    expect(pods[0].pod.spec.restartPolicy).toBe('Never');
  });

  test('is byte-identical run to run', () => {
    expect(Yaml.stringify(...synthQuickstart())).toBe(Yaml.stringify(...manifests));
  });

  test('writes files with app.synth() like `npm run quickstart`', () => {
    const app = new App({ outdir: Testing.app().outdir });
    new QuickstartChart(app, 'quickstart');
    app.synth();
    const written = readFileSync(`${app.outdir}/quickstart.k8s.yaml`, 'utf-8');
    expect(written).toBe(Yaml.stringify(...manifests));
  });

  test('matches the committed snapshot', () => {
    expect(Yaml.stringify(...manifests)).toMatchSnapshot();
  });
});
