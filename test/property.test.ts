import { Testing } from 'cdk8s';
import { describe, expect, test, vi } from 'vitest';
import { AirflowDeployment } from '../src';
import { expectValidManifests } from './support/manifests';
import { PROPERTY_CASES, PROPERTY_SEED, USER_SECRETS, prng, randomProps } from './support/property-combinations';
import { testChart } from './support/synth';

describe('random valid prop combinations', () => {
  const random = prng(PROPERTY_SEED);
  const cases = Array.from({ length: PROPERTY_CASES }, (_, i) => i);

  test.each(cases)('combination %i synthesizes manifests that pass the schema, reference and Pod Security checks', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const chart = testChart();
    const { id, props, description } = randomProps(random, chart);
    new AirflowDeployment(chart, id, props);
    const manifests = Testing.synth(chart);
    expect(manifests.length, description).toBeGreaterThan(10);
    expectValidManifests(manifests, { external: { secrets: USER_SECRETS } });
  });
});

describe('the combinations explore every dimension', () => {
  test('every DAG source (combine included), executor, logs store, PgBouncer, NetworkPolicies on and off, long and digit-leading ids', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const random = prng(PROPERTY_SEED);
    const descriptions = Array.from({ length: PROPERTY_CASES }, () => randomProps(random, testChart()).description);
    const seen = (what: string) => descriptions.some(d => d.includes(what));
    for (const what of [
      ' image ', ' git-https ', ' git-ssh ', ' s3 ', ' efs ', ' combined ', ' combined git+ssh+s3 ', ' bundles ',
      ' kubernetes ', ' celery ', ' celery+keda ', ' celery+hpa ', ' celery+kubernetes ', ' celery-kubernetes ',
      'local logs', 'S3 logs', 'logs claim', 'GCS logs', 'pgbouncer', 'network policies',
      '2024-Airflow ', 'AnalyticsPlatformAirflowProductionEuropeWest1 ',
    ]) expect(seen(what), `${what} in:\n${descriptions.join('\n')}`).toBe(true);
    expect(descriptions.some(d => !d.includes('network policies')), 'NetworkPolicies off').toBe(true);
    expect(descriptions.some(d => d.includes(' efs ') && d.includes('network policies')), 'a populated DAG volume behind NetworkPolicies').toBe(true);
  });
});
