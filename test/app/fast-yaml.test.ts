import { Testing, Yaml } from 'cdk8s';
import { describe, expect, test, vi } from 'vitest';
import { stringifyYaml, writesItself } from '../../src/app/fast-yaml';
import { prng, propertyCombinations } from '../support/property-combinations';
import { REPORT_EXAMPLES } from '../support/report-examples';

/**
 * The fast emitter must write exactly what cdk8s's `Yaml.stringify` writes (yaml 2.9.1, YAML 1.1 schema,
 * `lineWidth: 0`, `keepUndefined`), for every document: the examples' manifests, and generated documents made of
 * the strings, keys and shapes where YAML writers go wrong.
 */

describe('every example, byte for byte, without falling back', () => {
  test.each(REPORT_EXAMPLES.map(([name, make]) => [name, make] as const))('%s', (_name, make) => {
    const manifests = Testing.synth(make(Testing.app(), 'example'));
    expect(stringifyYaml(...manifests)).toBe(Yaml.stringify(...manifests));
    // the speed comes from writing them itself: every manifest of the examples is JSON-shaped
    expect(manifests.filter(m => !writesItself(m)).map(m => `${m.kind}/${m.metadata.name}`)).toEqual([]);
  });
});

describe('every property-test combination, byte for byte, without falling back', () => {
  test('the 48 combinations of test/property.test.ts', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      for (const { description, manifests } of propertyCombinations()) {
        expect(stringifyYaml(...manifests), description).toBe(Yaml.stringify(...manifests));
        expect(manifests.filter(m => !writesItself(m)).map(m => `${description}: ${m.kind}/${m.metadata.name}`)).toEqual([]);
      }
    } finally {
      warn.mockRestore();
    }
  });
});

/** Strings YAML 1.1 resolves to something else, indicators, markers, whitespace and line-break shapes. */
const TRICKY = [
  '', ' ', '  ', '\t', '\n', '\n\n', 'a\n', 'a\n\n', '\na', ' a', 'a ', 'a\n ', ' \n', 'a\n b', '  a\nb', 'a\n\n\nb\n',
  'y', 'Y', 'n', 'N', 'yes', 'Yes', 'NO', 'on', 'Off', 'true', 'False', 'null', 'Null', '~', 'NULL', '<<', '=',
  '0', '-0', '+1', '1', '01', '0o17', '0x1F', '0b101', '1_000', '1:20', '190:20:30', '1.5', '.5', '1e3', '6.8523015e+5',
  '.inf', '-.Inf', '.NaN', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5',
  '-', '?', ':', '- a', '? a', ': a', 'a: b', 'a:b', 'a #b', 'a#b', '#a', '%a', '@a', '`a', '|', '>', '!a', '&a', '*a',
  '[a]', '{a}', 'a,b', ',', '"', "'", 'a"b', "a'b", 'a\'"b', '---', '--- a', '...', 'a\n---\nb', 'a\n...', '%YAML',
  'é', '日本', '\u0007', '\u0085', '\u2028', 'a\u0000b', '\ud800', 'a\tb', 'a\t', '\ta', 'http://x:80/y?z=1#f',
  'echo "$A" && exec airflow', "python -c 'import x'", '{{ .Values }}', '0 0 * * *', '10.0.0.0/20', '*/5 * * * *',
];
const KEYS = ['a', 'name', 'app.kubernetes.io/name', 'airflow.cfg', 'data', 'x-y', 'A_B', 'k8s', 'a b', 'a.b/c-d'];

function generator(seed: number) {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const str = (): string => {
    const parts = Math.floor(r() * 4) + 1;
    let s = '';
    for (let i = 0; i < parts; i++) s += r() < 0.5 ? pick(TRICKY) : pick(['a', 'b c', 'x-1', '/path', ' ', ':', '#', '\n', '\n  ', '9']);
    return s;
  };
  // keys: mostly what manifests use, sometimes one yaml must quote (then the document is handed over)
  const key = () => (r() < 0.03 ? pick(TRICKY) : pick(KEYS));
  const scalar = (): any => pick<() => any>([
    str, str, str, () => pick(TRICKY), () => Math.floor(r() * 2000) - 1000, () => r() < 0.5, () => null, () => undefined,
    () => pick([r() * 10, -r(), 1e-7 * r(), -0, 0, 2 ** 60, 1e21, 1.5e300, Number.NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER]),
  ])();
  const shared = { shared: 'object' };
  const value = (depth: number): any => {
    const x = r();
    if (depth > 3 || x < 0.45) return scalar();
    if (x < 0.455) return shared; // yaml writes an anchor and an alias for the second use
    if (x < 0.5) return r() < 0.5 ? {} : [];
    if (x < 0.75) return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1));
    const map: any = {};
    for (let i = Math.floor(r() * 5); i > 0; i--) map[key()] = value(depth + 1);
    return map;
  };
  return () => {
    const doc: any = {};
    for (let i = Math.floor(r() * 5) + 1; i > 0; i--) doc[key()] = value(0);
    return doc;
  };
}

describe('generated documents, byte for byte', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: 500 documents', seed => {
    const next = generator(seed);
    let itself = 0;
    for (let i = 0; i < 500; i++) {
      const doc = next();
      if (writesItself(doc)) itself++;
      const fast = stringifyYaml(doc);
      if (fast !== Yaml.stringify(doc)) expect({ doc, fast }).toEqual({ doc, fast: Yaml.stringify(doc) });
    }
    // both paths are exercised: most documents written directly, the rest handed over
    expect(itself).toBeGreaterThan(100);
    expect(itself).toBeLessThan(500);
  });

  test('several documents (maps, sequences, undefined ones) are joined as cdk8s joins them', () => {
    const docs = [{ a: 1 }, undefined, { b: ['x', { c: 'multi\nline\n' }] }, { d: 1.5 }, [1, 'a', { b: [1, { c: 'x\ny' }] }, [], {}], [[['a']]]];
    expect(stringifyYaml(...docs)).toBe(Yaml.stringify(...docs));
  });

  test('every string of the list at every depth, as a value, an item and a key', () => {
    for (const s of TRICKY) {
      for (const doc of [{ v: s }, { a: { b: [s, [s]] } }, { [s]: 'x' }, { a: [{ [s]: { c: s } }] }]) {
        expect(stringifyYaml(doc)).toBe(Yaml.stringify(doc));
      }
    }
  });
});
