#!/usr/bin/env node
// Fails when package.json declares a dependency with a spec that is not a semver range: a dist-tag (`latest`,
// `ts6.0`, `next`), `*`, an empty spec, a URL, a git or file reference, a tarball or an `npm:` alias. Those move when
// the registry publishes (or leave it), so a lock file that was right yesterday is wrong today (issue #10).
// Usage: node scripts/check-dependency-specs.js [path/to/package.json]
'use strict';
const fs = require('fs');
const path = require('path');

const FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies', 'overrides'];

// One comparator: an optional operator, then a (partial) version whose parts may be x/X/* only after a number,
// e.g. `^2.68.12`, `~6.0.0`, `>= 20.0.0`, `2.x`, `1.12.2`, `^20`.
const PART = '(?:0|[1-9]\\d*)';
const WILD = '(?:x|X|\\*)';
const VERSION = `v?${PART}(?:\\.(?:${PART}|${WILD})(?:\\.(?:${PART}|${WILD})(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?)?)?`;
const COMPARATOR = new RegExp(`^(?:\\^|~|>=|<=|>|<|=)?\\s*${VERSION}$`);
const HYPHEN = new RegExp(`^${VERSION}\\s+-\\s+${VERSION}$`);

/** True when `spec` is a semver range made of versions only (no tag, no `*`, no URL). */
function isSemverRange(spec) {
  if (typeof spec !== 'string' || spec.trim() === '') return false;
  return spec.split('||').every(alternative => {
    const set = alternative.trim();
    if (set === '') return false;
    if (HYPHEN.test(set)) return true;
    // `>= 1.2.3 < 2` : join operators with their version, then check each comparator
    const comparators = set.replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1').split(/\s+/);
    return comparators.every(c => COMPARATOR.test(c));
  });
}

/** Every `field > name: spec` of `pkg` whose spec is not a semver range (overrides may nest objects). */
function badSpecs(pkg) {
  const bad = [];
  const visit = (where, deps) => {
    for (const [name, spec] of Object.entries(deps ?? {})) {
      if (spec !== null && typeof spec === 'object') {
        // an override of a dependency's own dependencies: { "pkg": { ".": "1.0.0", "dep": "2.0.0" } }
        visit(`${where} > ${name}`, spec);
      } else if (where.startsWith('overrides') && typeof spec === 'string' && spec.startsWith('$')) {
        // `"$cdk8s"`: the override follows the root's own (checked) spec of that dependency
        continue;
      } else if (!isSemverRange(spec)) {
        bad.push(`${where} > ${name}: ${JSON.stringify(spec)}`);
      }
    }
  };
  for (const field of FIELDS) visit(field, pkg[field]);
  return bad;
}

module.exports = { isSemverRange, badSpecs };

if (require.main === module) {
  const file = path.resolve(process.argv[2] ?? 'package.json');
  const bad = badSpecs(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (bad.length > 0) {
    console.error(`${file}: dependency specs that are not semver ranges (dist-tags, '*', URLs and aliases move or leave the registry):`);
    for (const line of bad) console.error(`  ${line}`);
    console.error('Declare a range such as ^1.2.3 in .projenrc.ts, then run `npx projen` and `npm install`.');
    process.exit(1);
  }
  console.log(`${path.relative(process.cwd(), file) || file}: every dependency spec is a semver range`);
}
