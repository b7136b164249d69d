import { describe, expect, test } from 'vitest';
import { API_RULE_CASES, brokenSet, goodObjects } from './api-rule-cases';
import { API_RULES, checkApiRules, cronProblem, parseQuantity } from './api-rules';
import { apiRuleErrors } from './manifests';

describe('the API-server rule mirror', () => {
  test('the valid set breaks no rule', () => {
    expect(checkApiRules(goodObjects())).toEqual([]);
  });

  test('every rule has at least one bad-object case and cites a Kubernetes function', () => {
    for (const [id, rule] of Object.entries(API_RULES)) {
      expect(API_RULE_CASES.some(c => c.rule === id), id).toBe(true);
      expect(rule.cites, id).toMatch(/[A-Z][A-Za-z]+|controller|DNS/);
    }
  });

  test.each(API_RULE_CASES.map(c => [c.rule, c.title, c] as const))('%s: %s is caught, by that rule only', (_rule, _title, c) => {
    const { objects, broken } = brokenSet(c);
    const found = checkApiRules(objects);
    expect(found.length, JSON.stringify(found)).toBeGreaterThan(0);
    expect([...new Set(found.map(v => v.rule))]).toEqual([c.rule]);
    expect(found.every(v => v.object === `${broken.kind}/${broken.metadata.name}`), JSON.stringify(found)).toBe(true);
  });

  test('a Pod embedded in a ConfigMap (pod_template_file) is held to the rules too', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [{ name: 'base', image: 'x', ports: [{ name: 'way-too-long-port-name', containerPort: 1 }] }] } };
    const yaml = `apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: ${JSON.stringify(pod.spec)}\n`;
    const errors = apiRuleErrors([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tpl' }, data: { 'pod.yaml': yaml } }]);
    expect(errors.join('\n')).toMatch(/ConfigMap\/tpl#pod\.yaml: .*way-too-long-port-name.*\[api rule container-ports\]/);
  });

  test('cron: robfig/cron ParseStandard ranges, names, steps and descriptors', () => {
    for (const ok of ['* * * * *', '0 0 1 1 0', '59 23 31 12 6', '*/5 * * * *', '0 3 * * sun', '0 3 * jan-mar mon-fri', '1,2,3 * * * *', '@daily', '@every 1h']) expect(cronProblem(ok), ok).toBeUndefined();
    for (const bad of ['61 * * * *', '0 24 * * *', '0 0 0 * *', '0 0 32 * *', '0 0 * 13 *', '0 0 * * 7', '*/0 * * * *', '5-1 * * * *', '* * * *', 'TZ=UTC 0 0 * * *', '@sometimes', 'a * * * *']) {
      expect(cronProblem(bad), bad).toBeDefined();
    }
  });

  test('quantities: decimal and binary suffixes, exponents', () => {
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('2k')).toBe(2000);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity('ten')).toBeUndefined();
    expect(parseQuantity(2)).toBe(2);
  });
});
