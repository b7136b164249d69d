import { beforeAll, expect, test } from 'vitest';
import { KubeClient, realApiserver } from '../support/real-apiserver';
import { describeWith } from '../support/real-components';
import { applyPair, describeProblems } from '../support/server-apply';
import { UPDATE_RULE_CASES } from '../support/update-rule-cases';
import { checkUpdate } from '../support/update-rules';

/** The rule mirror (test/support/update-rules.ts) and the real API server agree on one pair per rule. */

let client: KubeClient;

describeWith(['kube-apiserver'], 'update rules: the mirror agrees with the real API server', () => {
  beforeAll(async () => {
    client = await realApiserver();
  }, 240_000);

  const cases = UPDATE_RULE_CASES.filter(c => !c.serverDiffers);
  test('the cases left out say why the server here differs from a cluster', () => {
    const left = UPDATE_RULE_CASES.filter(c => c.serverDiffers);
    expect(left.map(c => c.name)).toEqual(['PersistentVolumeClaim: storage grows (allowed for a bound claim)']);
  });

  test.each(cases.map(c => [c.name, c] as const))('%s', async (_, c) => {
    const verdict = await applyPair(client, [c.before], [c.after], 'rule');
    expect(describeProblems(verdict.beforeErrors), 'the first apply').toBe('');
    const mirror = checkUpdate([c.before], [c.after]);
    if (c.server) {
      expect(verdict.errors, 'the server refuses').toHaveLength(1);
      expect(verdict.errors[0].message).toMatch(c.server);
      expect(mirror.errors.length, 'the mirror refuses').toBeGreaterThan(0);
    } else {
      expect(describeProblems(verdict.errors), 'the server accepts').toBe('');
      expect(mirror.errors, 'the mirror accepts').toEqual([]);
    }
  });
});
