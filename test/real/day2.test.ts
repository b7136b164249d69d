import { beforeAll, expect, test, vi } from 'vitest';
import { DAY2_PAIRS, synthPair } from '../support/day2-pairs';
import { KubeClient, realApiserver } from '../support/real-apiserver';
import { describeWith } from '../support/real-components';
import { applyPair, describeProblems } from '../support/server-apply';
import { synthDeployment } from '../support/synth';
import { checkUpdate, describeUpdate } from '../support/update-rules';

/**
 * Day 2 on the real API server: the first output applied for real (server-side apply), then the second on top of
 * it. The server's update validation is the judge; the rule mirror (test/support/update-rules.ts) must agree.
 */

let client: KubeClient;

describeWith(['kube-apiserver'], 'day 2 on the real API server', () => {
  beforeAll(async () => {
    client = await realApiserver();
  }, 240_000);

  test('oracle can fail: a library Job that keeps its name while its pod template changes is refused', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const before = synthDeployment({}).manifests.filter(m => m.kind === 'Job');
    expect(before.length).toBeGreaterThan(0);
    const after = structuredClone(before);
    after[0].spec.template.spec.containers[0].env = [...(after[0].spec.template.spec.containers[0].env ?? []), { name: 'CHANGED', value: 'yes' }];
    const verdict = await applyPair(client, before, after, 'job-template');
    expect(describeProblems(verdict.beforeErrors)).toBe('');
    expect(verdict.errors).toHaveLength(1);
    expect(verdict.errors[0].message).toMatch(/^422 Invalid: Job\.batch ".+" is invalid: spec\.template: Invalid value: .*field is immutable/s);
    expect(checkUpdate(before, after).errors.map(e => e.field)).toEqual(['spec.template']);
  });

  test.each(DAY2_PAIRS.map(p => [p.name, p] as const))('%s', async (_, pair) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { before, after } = synthPair(pair);
    const verdict = await applyPair(client, before, after, 'day2');
    expect(describeProblems(verdict.beforeErrors), 'the first apply').toBe('');
    const mirror = checkUpdate(before, after);
    // the rule mirror and the real server agree on which objects are refused
    expect(mirror.errors.map(e => `${e.object.kind}/${e.object.name}`).sort(), describeUpdate(mirror))
      .toEqual([...new Set(verdict.errors.map(e => e.object))].sort());
    expect(describeProblems(verdict.errors)).toBe('');
  }, 120_000);
});
