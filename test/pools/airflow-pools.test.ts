import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowConnection, AirflowDeploymentProps, AirflowPoolOptions, AirflowVersion, GitOpsTool } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { container, env, one, podSpec, synthDeployment, testChart } from '../support/synth';

const POOLS: AirflowPoolOptions[] = [
  { name: 'warehouse', slots: 4, description: 'the "DWH" (max 4 queries)', includeDeferred: true },
  { name: 'default_pool', slots: 256 },
  { name: 'unlimited', slots: -1 },
];

const jobName = (props: AirflowDeploymentProps) => one(synthDeployment(props).manifests, 'Job', '-pools-').metadata.name;

describe('pools as code (issue #15)', () => {
  test('one Job imports the list after the migrations; the list is in its environment, as airflow pools import reads it', () => {
    const { manifests } = synthDeployment({ pools: POOLS });
    expectValidManifests(manifests);
    const job = one(manifests, 'Job', '-pools-');
    expect(job.metadata.name).toMatch(/^airflow-pools-[0-9a-f]{8}$/);
    expect(job.metadata.annotations?.['helm.sh/hook']).toBeUndefined();
    expect(job.spec.ttlSecondsAfterFinished).toBe(86400);
    const spec = podSpec(job);
    expect(spec.initContainers.map((c: any) => c.args.slice(0, 3))).toEqual([['airflow', 'db', 'check-migrations']]);
    const pools = container(spec, 'pools');
    expect(pools.args).toEqual(['bash', '-c', 'printf \'%s\' "$AIRFLOW_POOLS_JSON" > /tmp/pools.json && exec airflow pools import /tmp/pools.json']);
    expect(JSON.parse(env(pools, 'AIRFLOW_POOLS_JSON').value)).toEqual({
      default_pool: { slots: 256, description: '', include_deferred: false },
      unlimited: { slots: -1, description: '', include_deferred: false },
      warehouse: { slots: 4, description: 'the "DWH" (max 4 queries)', include_deferred: true },
    });
    // the database only (secret scope 'pools'): no Fernet key, no API secrets
    expect((pools.env as any[]).filter(e => e.valueFrom?.secretKeyRef).map(e => e.name)).toEqual(['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']);
  });

  test('no pools, no Job', () => {
    expect(synthDeployment({}).manifests.filter(m => m.kind === 'Job' && m.metadata.name.includes('-pools-'))).toEqual([]);
  });

  test('the Job name changes when the list changes, and not for its order or for changes elsewhere', () => {
    const base = jobName({ pools: POOLS });
    expect(jobName({ pools: POOLS })).toBe(base);
    expect(jobName({ pools: [...POOLS].reverse() })).toBe(base);
    expect(jobName({ pools: POOLS, scheduler: { replicas: 2 } })).toBe(base);
    const conn = AirflowConnection.fromSecret(kplus.Secret.fromSecretName(testChart(), 'S', 'conn'), 'uri');
    expect(jobName({ pools: POOLS, connections: { warehouse: conn } })).toBe(base); // not in the Job's scope
    const changed = [
      [{ ...POOLS[0], slots: 5 }, POOLS[1], POOLS[2]],
      [{ ...POOLS[0], description: 'other' }, POOLS[1], POOLS[2]],
      [{ ...POOLS[0], includeDeferred: false }, POOLS[1], POOLS[2]],
      [POOLS[0], POOLS[1]],
      [...POOLS, { name: 'spark', slots: 2 }],
    ];
    const names = changed.map(pools => jobName({ pools }));
    expect(new Set([base, ...names]).size).toBe(changed.length + 1);
  });

  test('Argo CD: no TTL, the default wave (after the migrations at -1); Airflow 2 gets the same Job', () => {
    const argo = one(synthDeployment({ pools: POOLS, gitOps: GitOpsTool.ARGO_CD }).manifests, 'Job', '-pools-');
    expect(argo.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(argo.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('0');
    const { manifests } = synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, pools: POOLS });
    expectValidManifests(manifests);
    expect(container(podSpec(one(manifests, 'Job', '-pools-')), 'pools').args[2]).toContain('airflow pools import');
  });

  test.each([
    ['an empty list', [], "'pools' is empty: give at least one pool ({ name, slots }), or leave 'pools' out"],
    ['a blank name', [{ name: ' ', slots: 1 }], "'pools[0].name' must be 1 to 256 characters without leading or trailing spaces, got \" \""],
    ['a name too long', [{ name: 'p'.repeat(257), slots: 1 }], "'pools[0].name' must be 1 to 256 characters without leading or trailing spaces"],
    ['a pool twice', [{ name: 'a', slots: 1 }, { name: 'a', slots: 2 }], "'pools' has the pool 'a' twice: keep one"],
    ['fractional slots', [{ name: 'a', slots: 1.5 }], "'pools[0].slots' of pool 'a' must be a whole number >= 0, or -1 for unlimited, got 1.5"],
    ['slots below -1', [{ name: 'a', slots: -2 }], "'pools[0].slots' of pool 'a' must be a whole number >= 0, or -1 for unlimited, got -2"],
    ['a description that is not a string', [{ name: 'a', slots: 1, description: 3 }], "'pools[0].description' of pool 'a' must be a string"],
    ['includeDeferred that is not a boolean', [{ name: 'a', slots: 1, includeDeferred: 'yes' }], "'pools[0].includeDeferred' of pool 'a' must be true or false"],
  ])('%s is refused', (_, pools, message) => {
    expect(() => synthDeployment({ pools: pools as any })).toThrow(message);
  });
});
