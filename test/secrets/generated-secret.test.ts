import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { GeneratedSecret, GeneratedValue, SecretGeneratorJob } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { one, podSpec, synthDeployment, testChart } from '../support/synth';

describe('GeneratedSecret', () => {
  test('names the Secret deterministically and synthesizes nothing itself', () => {
    const chart = testChart();
    const s = new GeneratedSecret(chart, 'Creds', { keys: [{ key: 'password', value: GeneratedValue.randomString(24) }] });
    expect(s.name).toBe('airflow-creds');
    expect(s.valueOf('password')).toEqual({ secret: s.secret, key: 'password' });
    expect(Testing.synth(chart)).toEqual([]);
  });

  test('fails on no keys, a bad or repeated key, an unknown key reference and a bad length', () => {
    expect(() => new GeneratedSecret(testChart(), 'S', { keys: [] })).toThrow("GeneratedSecret 'test/S': 'keys' must not be empty");
    expect(() => new GeneratedSecret(testChart(), 'S', { keys: [{ key: 'a b', value: GeneratedValue.fernetKey() }] }))
      .toThrow("GeneratedSecret 'test/S': key 'a b' is not a valid Secret key (letters, digits, '-', '_' and '.')");
    expect(() => new GeneratedSecret(testChart(), 'S', { keys: [{ key: 'a', value: GeneratedValue.fernetKey() }, { key: 'a', value: GeneratedValue.fernetKey() }] }))
      .toThrow("GeneratedSecret 'test/S': key 'a' appears twice in 'keys'");
    expect(() => new GeneratedSecret(testChart(), 'S', { keys: [{ key: 'url', value: GeneratedValue.template('x://{password}@h') }] }))
      .toThrow("GeneratedSecret 'test/S': the template of 'url' uses '{password}', which is not a key generated before it");
    expect(() => GeneratedValue.randomString(8)).toThrow("GeneratedValue.randomString: 'length' must be an integer from 16 to 256, got 8");
    const s = new GeneratedSecret(testChart(), 'S', { keys: [{ key: 'a', value: GeneratedValue.fernetKey() }] });
    expect(() => s.valueOf('b')).toThrow("GeneratedSecret 'test/S' has no key 'b' (keys: a)");
  });
});

describe('SecretGeneratorJob', () => {
  test('creates the listed Secrets with a create + get-by-name Role and a spec-hashed Job name', () => {
    const chart = testChart();
    const a = new GeneratedSecret(chart, 'A', { keys: [{ key: 'fernet-key', value: GeneratedValue.fernetKey() }] });
    const b = new GeneratedSecret(chart, 'B', {
      keys: [{ key: 'password', value: GeneratedValue.randomString() }, { key: 'url', value: GeneratedValue.template('postgresql://u:{password}@db/airflow') }],
    });
    new SecretGeneratorJob(chart, 'Gen', { secrets: [a, b] });
    const manifests = Testing.synth(chart);
    const job = one(manifests, 'Job');
    expect(job.metadata.annotations).toEqual({
      'airflow.cdk8s.io/generates-secrets': `${a.name},${b.name}`,
      'airflow.cdk8s.io/generates-secret-keys': `${a.name}:fernet-key,${b.name}:password|url`,
    });
    const c = podSpec(job).containers[0];
    expect(c.command.slice(0, 2)).toEqual(['python3', '-c']);
    // standard library only (test/secrets/secret-generator-runtime.test.ts runs it against an API server)
    expect(c.command[2]).not.toMatch(/^\s*(import|from) .*\b(kubernetes|cryptography)\b/m);
    expect(c.command[2]).not.toMatch(/"(PUT|PATCH)"/);
    expect(JSON.parse(c.env[0].value)).toEqual([
      { name: a.name, keys: [{ key: 'fernet-key', kind: 'fernet' }] },
      { name: b.name, keys: [{ key: 'password', kind: 'random', argument: '32' }, { key: 'url', kind: 'template', argument: 'postgresql://u:{password}@db/airflow' }] },
    ]);
    expect(one(manifests, 'Role').rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [a.name], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [b.name], verbs: ['get'] },
    ]);
    expectValidManifests(manifests);
  });

  test('a different set of Secrets gives a different Job name', () => {
    const name = (length: number) => {
      const chart = testChart();
      const s = new GeneratedSecret(chart, 'A', { keys: [{ key: 'k', value: GeneratedValue.randomString(length) }] });
      new SecretGeneratorJob(chart, 'Gen', { secrets: [s] });
      return one(Testing.synth(chart), 'Job').metadata.name;
    };
    expect(name(32)).toBe(name(32));
    expect(name(32)).not.toBe(name(48));
  });

  test('fails without Secrets', () => {
    expect(() => new SecretGeneratorJob(testChart(), 'Gen', { secrets: [] })).toThrow("SecretGeneratorJob 'test/Gen': 'secrets' must not be empty");
  });

  test('image: any pinned image with python3; AirflowDeployment takes it as secrets.generatorImage (default: the Airflow image)', () => {
    const generator = (manifests: any[]) => podSpec(manifests.find(m => m.kind === 'Job' && m.spec.template.spec.containers[0].name === 'generate-secrets')).containers[0];
    expect(generator(synthDeployment({}).manifests).image).toBe(synthDeployment({}).airflow.recipe.image);
    expect(generator(synthDeployment({ secrets: { generatorImage: 'python:3.12.11-slim-bookworm' } }).manifests).image).toBe('python:3.12.11-slim-bookworm');
    const chart = testChart();
    const a = new GeneratedSecret(chart, 'A', { keys: [{ key: 'k', value: GeneratedValue.fernetKey() }] });
    expect(() => new SecretGeneratorJob(chart, 'Gen', { secrets: [a], image: 'python' }))
      .toThrow("SecretGeneratorJob 'test/Gen': 'image' (any image with python3; AirflowDeployment: 'secrets.generatorImage') "
        + "must be pinned to a version tag or digest, got 'python': use e.g. 'python:3.12.11-slim-bookworm'");
    expect(() => synthDeployment({ secrets: { generatorImage: 'python:latest' } })).toThrow("must be pinned to a version tag or digest, got 'python:latest'");
  });
});
