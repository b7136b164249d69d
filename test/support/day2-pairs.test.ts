import { describe, expect, test, vi } from 'vitest';
import { DAY2_PAIRS, STORAGE_GROWN_PAIR, synthPair } from './day2-pairs';
import { checkUpdate, describeUpdate } from './update-rules';

describe('day-2 pairs judged by the rule mirror', () => {
  test.each(DAY2_PAIRS.map(p => [p.name, p] as const))('%s', (_, pair) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { before, after } = synthPair(pair);
    const check = checkUpdate(before, after);
    expect(check.stateLost, describeUpdate(check)).toEqual([]);
    expect(describeUpdate(check)).toBe('');
  });

  test('growing the embedded PostgreSQL storage passes the mirror (a bound claim, the cluster\'s StorageClass unseen)', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { before, after } = synthPair(STORAGE_GROWN_PAIR);
    const claims = (m: any[]) => m.filter(o => o.kind === 'PersistentVolumeClaim').map(o => o.spec.resources.requests.storage);
    expect([claims(before), claims(after)]).toEqual([['8Gi'], ['20Gi']]);
    expect(describeUpdate(checkUpdate(before, after))).toBe('');
  });
});
