import { Testing } from 'cdk8s';
import { describe, expect, test, vi } from 'vitest';
import { AirflowDeployment } from '../../src';
import { preflightItems } from '../../src/report/preflight';
import { reportObjects } from '../../src/report/report-objects';
import { checkReferences } from '../support/manifests';
import { PROPERTY_CASES, PROPERTY_SEED, prng, randomProps } from '../support/property-combinations';
import { testChart } from '../support/synth';

describe('the preflight list of random valid prop combinations', () => {
  const random = prng(PROPERTY_SEED);
  const cases = Array.from({ length: PROPERTY_CASES }, (_, i) => i);

  test.each(cases)('combination %i: complete (the reference checker finds nothing missing) and lists nothing the YAML creates', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const chart = testChart();
    const { props, description } = randomProps(random, chart);
    const deployment = new AirflowDeployment(chart, 'Airflow', props);
    const manifests = Testing.synth(chart);
    const items = preflightItems(reportObjects(deployment));
    const listed = (kind: string) => [...new Set(items.filter(i => i.ref.startsWith(`${kind}/`)).map(i => i.ref.slice(kind.length + 1)))];
    const errors = checkReferences(manifests, {
      external: {
        secrets: listed('Secret'),
        configMaps: listed('ConfigMap'),
        serviceAccounts: listed('ServiceAccount'),
        persistentVolumeClaims: listed('PersistentVolumeClaim'),
        storageClasses: listed('StorageClass'),
      },
    });
    expect(errors, description).toEqual([]);
    const created = new Set(manifests.map(m => `${m.kind}/${m.metadata.name}`));
    for (const item of items) expect(created.has(item.ref), `${description}: ${item.ref}`).toBe(false);
    const report = deployment.report();
    expect(report).toContain('```mermaid\nflowchart LR\n');
    expect(deployment.report()).toBe(report);
  });
});
