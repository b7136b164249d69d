import { beforeAll, expect, test } from 'vitest';
import { API_RULE_CASES, brokenSet, goodObjects } from '../support/api-rule-cases';
import { API_RULES } from '../support/api-rules';
import { describeFailure, KubeClient, realApiserver } from '../support/real-apiserver';
import { describeWith } from '../support/real-components';
import { uniqueNamespace } from '../support/server-apply';

/**
 * The rule mirror (test/support/api-rules.ts) proven against the real kube-apiserver v1.33: the valid set is accepted,
 * and each bad object of a server rule is refused with the message the case names. The bad objects of the rules
 * that are not API-server rules (a controller's, DNS's, or 1.28's env-name rule that 1.33 relaxed) are accepted:
 * that is why the mirror carries them.
 */
let client: KubeClient;
let namespace: string;

async function create(obj: any): Promise<string> {
  return describeFailure(await client.create(obj, { namespace, dryRun: true }));
}

describeWith(['kube-apiserver'], 'the real API server agrees with the rule mirror', () => {
  beforeAll(async () => {
    client = await realApiserver();
    namespace = uniqueNamespace('api-rules');
    await client.createNamespace(namespace, { restricted: false });
  }, 240_000);

  test('the valid set is accepted', async () => {
    for (const obj of goodObjects()) expect(await create(obj), `${obj.kind}/${obj.metadata.name}`).toMatch(/^20[01] /);
  }, 60_000);

  test.each(API_RULE_CASES.map(c => [c.rule, c.title, c] as const))('%s: %s', async (rule, _title, c) => {
    const { broken } = brokenSet(c);
    const verdict = await create(c.serverObject ? c.serverObject(broken) : broken);
    if (c.server) {
      expect(API_RULES[rule].server, `${rule} is a server rule`).toBe(true);
      expect(verdict).toMatch(/^422 /);
      expect(verdict).toMatch(c.server);
    } else {
      expect(API_RULES[rule].server, `${rule} is not a server rule`).toBe(false);
      expect(verdict).toMatch(/^20[01] /);
    }
  }, 60_000);
});
