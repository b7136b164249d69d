import { spawnSync } from 'child_process';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isSemverRange, badSpecs } = require('../../scripts/check-dependency-specs.js');

const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-dependency-specs.js');
const BAD = path.join(ROOT, 'test', 'fixtures', 'dependency-specs', 'bad-package.json');

describe('check-dependency-specs', () => {
  test.each(['^2.68.12', '~6.0.3', '1.12.2', '^20', '>= 20.0.0', '>=10.3.0 <11', '2.x', '1.2.3 - 1.4.0', '^1.0.0 || ^2.0.0', '1.0.0-rc.1'])(
    '%s is a semver range', spec => {
      expect(isSemverRange(spec)).toBe(true);
    });

  test.each(['latest', 'ts6.0', 'next', '*', '', 'x', 'https://example.invalid/a.tgz', 'github:o/r', 'file:../x', 'npm:other@^1', '^1 ||', '>=1 <latest'])(
    '%j is not a semver range', spec => {
      expect(isSemverRange(spec)).toBe(false);
    });

  test('lists every bad spec of the fixture, in every dependency field and nested overrides', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(badSpecs(require(BAD))).toEqual([
      'dependencies > dist-tag: "ts6.0"',
      'dependencies > url: "https://example.invalid/pkg.tgz"',
      'devDependencies > latest: "latest"',
      'devDependencies > star: "*"',
      'peerDependencies > git: "github:owner/repo#main"',
      'optionalDependencies > empty: ""',
      'overrides > nested > next: "next"',
      'overrides > alias: "npm:other@^1.0.0"',
    ]);
  });

  test('the script exits non-zero on the fixture and names the bad specs', () => {
    const run = spawnSync(process.execPath, [SCRIPT, BAD], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('devDependencies > latest: "latest"');
    expect(run.stderr).toContain('dependencies > dist-tag: "ts6.0"');
  });

  test('the project\'s own package.json passes', () => {
    const run = spawnSync(process.execPath, [SCRIPT, path.join(ROOT, 'package.json')], { encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
