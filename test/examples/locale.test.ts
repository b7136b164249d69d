import { execFileSync } from 'child_process';
import { join } from 'path';
import { describe, expect, test } from 'vitest';

const ROOT = join(__dirname, '..', '..');

/** Every example's YAML, synthesized in a fresh process under `locale`. */
function synthUnder(locale: string): string {
  return execFileSync(join(ROOT, 'node_modules', '.bin', 'ts-node'), ['-T', '-P', 'examples/tsconfig.json', 'test/support/synth-examples.ts'], {
    cwd: ROOT, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LANG: locale, LC_ALL: locale, CDK8S_AIRFLOW_STRICT: '' },
  });
}

describe('output does not depend on the machine\'s locale', () => {
  test('the examples are byte-identical under C, Czech (ch sorts after h) and Turkish (dotless i) locales', () => {
    // the locales must really differ, or the test proves nothing: Node takes its default locale from LANG/LC_ALL.
    const collation = (locale: string) => execFileSync(process.execPath, ['-e', "process.stdout.write(['ch', 'd', 'h'].sort((a, b) => a.localeCompare(b)).join())"], {
      encoding: 'utf-8', env: { ...process.env, LANG: locale, LC_ALL: locale },
    });
    expect(collation('cs_CZ.UTF-8')).not.toBe(collation('C.UTF-8'));
    const reference = synthUnder('C.UTF-8');
    expect(reference).toContain('# production');
    expect(synthUnder('cs_CZ.UTF-8')).toBe(reference);
    expect(synthUnder('tr_TR.UTF-8')).toBe(reference);
  }, 180_000);
});
