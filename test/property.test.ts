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
    const { props, description } = randomProps(random, chart);
    new AirflowDeployment(chart, 'Airflow', props);
    const manifests = Testing.synth(chart);
    expect(manifests.length, description).toBeGreaterThan(10);
    expectValidManifests(manifests, { external: { secrets: USER_SECRETS } });
  });
});
