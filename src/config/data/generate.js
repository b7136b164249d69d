#!/usr/bin/env node
// Generates airflow-2.ts, airflow-3.ts, airflow-3-3.ts and airflow-3-4.ts (next to this script) from the Airflow
// configuration reference JSON files (copies in test/fixtures/airflow-config, see SOURCES.md there):
//
//   node src/config/data/generate.js test/fixtures/airflow-config/airflow-2.json \
//     test/fixtures/airflow-config/airflow-3.json test/fixtures/airflow-config/airflow-3.4.json
//
// The Airflow 3.4 file also gives Airflow 3.3: its core settings filtered by `versionAdded` (at most 3.3.x).
//
// `--out <dir>` writes the modules to another directory (the tests use it to check the committed ones are current).
// See README.md in this directory for what is kept and why. The output is deterministic: object keys are sorted,
// arrays keep the order of the input (allowed values are listed in Airflow's order).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const TYPE_CODES = { string: 's', integer: 'i', float: 'f', boolean: 'b' };
/**
 * String settings with a True/False default that Airflow does not read with getboolean alone: `expose_config` also
 * takes 'non-sensitive-only' (airflow/api_fastapi/core_api/routes/public/config.py `_check_expose_config`:
 * conf.get(...).lower() == "non-sensitive-only", else conf.getboolean; Airflow 2 www/views.py the same).
 */
const STRING_WITH_BOOLEAN_DEFAULT = new Set(['webserver.expose_config', 'api.expose_config']);
/** Airflow 3's `airflow config lint` changes happened in 3.0 unless the rename map knows better. */
const AIRFLOW_3_CHANGES_SINCE = '3.0';

function main(args) {
  const argv = [...args];
  let outDir = __dirname;
  const out = argv.indexOf('--out');
  if (out >= 0) {
    outDir = argv[out + 1];
    argv.splice(out, 2);
  }
  if (argv.length !== 3 || !outDir) {
    fail('usage: node src/config/data/generate.js [--out <dir>] <airflow-2.json> <airflow-3.json> <airflow-3.4.json>');
  }
  const inputs = argv.map(file => ({ file, text: fs.readFileSync(file, 'utf8') }));
  for (const input of inputs) input.data = JSON.parse(input.text);
  const byRole = {};
  for (const input of inputs) {
    const version = String(input.data.airflowVersion ?? '');
    const role = version.startsWith('2.') ? '2' : version.startsWith('3.4.') ? '3.4' : version.startsWith('3.') ? '3' : undefined;
    if (!role) fail(`${input.file}: airflowVersion must be 2.x or 3.x, got '${version}'`);
    if (byRole[role]) fail(`two inputs for Airflow ${role}`);
    byRole[role] = input;
  }
  if (!byRole['2'] || !byRole['3'] || !byRole['3.4']) fail('give one Airflow 2, one Airflow 3 (3.0-3.2) and one Airflow 3.4 file');

  const af2 = build(byRole['2'].data, undefined);
  const af3 = build(byRole['3'].data, byRole['2'].data);
  af3.since = addedAfterFirstRelease(byRole['3'].data);
  write(path.join(outDir, 'airflow-2.ts'), 'AIRFLOW_2_SETTINGS', byRole['2'], af2);
  write(path.join(outDir, 'airflow-3.ts'), 'AIRFLOW_3_SETTINGS', byRole['3'], af3);
  for (const minor of ['3.3', '3.4']) {
    const data = upTo(byRole['3.4'].data, minor);
    const compact = build(data, byRole['2'].data);
    compact.added = addedSince(data, byRole['3'].data);
    const input = { ...byRole['3.4'], data };
    write(path.join(outDir, `airflow-${minor.replace('.', '-')}.ts`), `AIRFLOW_${minor.replace('.', '_')}_SETTINGS`, input, compact);
  }
}

/** Major and minor of a version string (`3.3.0` -> [3, 3]); undefined for null. */
function minorOf(version) {
  if (version === null || version === undefined) return undefined;
  const match = /^(\d+)\.(\d+)/.exec(String(version));
  if (!match) fail(`cannot read version '${version}'`);
  return [Number(match[1]), Number(match[2])];
}

/**
 * `data` without the core settings added after `minor` (e.g. `3.3`): Airflow 3.3 as the 3.4 file describes it.
 * Provider sections stay (their `versionAdded` is a provider release); the newest minor is `data` itself.
 */
function upTo(data, minor) {
  const [major, wanted] = minorOf(minor);
  const [dataMajor, dataMinor] = minorOf(data.airflowVersion);
  const sections = {};
  for (const [section, keys] of Object.entries(data.sections)) {
    const core = data.sectionSources?.[section]?.versionAddedRefersTo === 'airflow';
    const kept = Object.entries(keys).filter(([, info]) => {
      const added = core ? minorOf(info.versionAdded) : undefined;
      return !added || added[0] < major || (added[0] === major && added[1] <= wanted);
    });
    if (kept.length > 0) sections[section] = Object.fromEntries(kept);
  }
  const exact = dataMajor === major && dataMinor === wanted;
  return {
    ...data,
    airflowVersion: exact ? data.airflowVersion : `${minor}.x`,
    versionNote: exact ? data.versionNote : `${data.airflowVersion} without the settings added after ${minor}`,
    sections,
  };
}

/**
 * The core settings of the 3.0-3.2 file added after 3.0.0 (`versionAdded` 3.0.1 to 3.2.x), with that release: known to
 * the data, but not to every release it stands for (e.g. `api.server_type`, added in 3.2.0, is unknown to 3.1.8).
 */
function addedAfterFirstRelease(data) {
  const since = {};
  for (const [section, keys] of Object.entries(data.sections)) {
    if (data.sectionSources?.[section]?.versionAddedRefersTo !== 'airflow') continue;
    for (const [key, info] of Object.entries(keys)) {
      const v = /^(\d+)\.(\d+)\.(\d+)/.exec(String(info.versionAdded ?? ''));
      if (v && Number(v[1]) === 3 && (Number(v[2]) > 0 || Number(v[3]) > 0)) since[`${section}.${key}`] = info.versionAdded;
    }
  }
  return sortObject(since);
}

/** The core settings of `data` that `base` (the 3.0-3.2 file) lacks, with the Airflow release that added them. */
function addedSince(data, base) {
  const added = {};
  for (const [section, keys] of Object.entries(data.sections)) {
    if (data.sectionSources?.[section]?.versionAddedRefersTo !== 'airflow') continue;
    for (const [key, info] of Object.entries(keys)) {
      if (base.sections[section]?.[key] === undefined && info.versionAdded) added[`${section}.${key}`] = info.versionAdded;
    }
  }
  return sortObject(added);
}

/**
 * The compact data of one Airflow major version. `previous` (the Airflow 2 file) adds, for Airflow 3, the
 * Airflow 2 renames whose old names Airflow 3 no longer knows, so that users upgrading get the new name.
 */
function build(data, previous) {
  const sections = {};
  const sensitive = [];
  const emptyAllowed = [];
  const allowedValues = {};
  for (const [section, keys] of Object.entries(data.sections)) {
    sections[section] = {};
    for (const [key, info] of Object.entries(keys)) {
      let code = TYPE_CODES[info.type];
      if (!code) fail(`${section}.${key}: unknown type '${info.type}'`);
      // Airflow's config.yml declares many booleans as `type: string` (core.load_examples, logging.colored_console_log, ...)
      // while its code reads them with conf.getboolean (airflow/configuration.py AirflowConfigParser.getboolean: only
      // t/true/1/f/false/0, any case, else AirflowConfigException). A string setting whose default is True/False is
      // such a boolean, except the ones Airflow reads with conf.get to accept more (STRING_WITH_BOOLEAN_DEFAULT).
      if (code === 's' && /^(true|false)$/i.test(String(info.default)) && !STRING_WITH_BOOLEAN_DEFAULT.has(`${section}.${key}`)) code = 'b';
      sections[section][key] = code;
      const name = `${section}.${key}`;
      if (info.sensitive) sensitive.push(name);
      if (code !== 's' && (info.default === '' || info.default === null)) emptyAllowed.push(name);
      if (info.allowedValues) allowedValues[name] = info.allowedValues;
    }
  }
  const known = name => {
    const [section, key] = name.split('.');
    return sections[section]?.[key] !== undefined;
  };

  // old name -> [new name, since]; the first source that names an old key wins.
  const renamed = {};
  const removed = {};
  const addRename = (from, to, since) => {
    if (!since) fail(`rename ${from} -> ${to} has no version`);
    if (!known(from) && renamed[from] === undefined && from !== to) renamed[from] = [to, since];
  };
  const details = new Map((data.renamedDetails ?? []).map(d => [d.from, d]));
  for (const [from, to] of Object.entries(data.renamed ?? {})) addRename(from, to, details.get(from)?.since);
  for (const [to, sources] of Object.entries(data.renamedManyToOne ?? {})) {
    for (const source of sources) addRename(source.from, to, source.since);
  }
  // Airflow 2 renames, to date the renames `airflow config lint` knows (the old name stopped working in 3.0).
  const previousRenames = new Map();
  for (const d of previous?.renamedDetails ?? []) previousRenames.set(d.from, d);
  for (const [to, sources] of Object.entries(previous?.renamedManyToOne ?? {})) {
    for (const source of sources) previousRenames.set(source.from, { to, since: source.since });
  }
  const sinceOf = (from, to) => details.get(from)?.since
    ?? (previousRenames.get(from)?.to === to ? previousRenames.get(from).since : undefined)
    ?? AIRFLOW_3_CHANGES_SINCE;
  for (const change of data.airflow2To3Changes ?? []) {
    // skip default changes and removals of one particular value (`removeIfEquals`): the setting stays.
    if (known(change.option)) continue;
    if (change.renamedTo) {
      addRename(change.option, change.renamedTo, sinceOf(change.option, change.renamedTo));
    } else if (change.removed && change.removeIfEquals === undefined && removed[change.option] === undefined) {
      removed[change.option] = [AIRFLOW_3_CHANGES_SINCE, oneLine(change.suggestion ?? '')];
    }
  }
  const renamedSections = {};
  for (const source of [data, previous ?? {}]) {
    for (const [from, { to, since }] of Object.entries(source.renamedSections ?? {})) {
      if (sections[from] === undefined && sections[to] !== undefined && renamedSections[from] === undefined) renamedSections[from] = [to, since];
    }
  }
  for (const [from, { to, since }] of previousRenames) {
    if (removed[from] === undefined) addRename(from, to, since);
  }

  // keep renames that end at a known setting; those that end at a removed one are removals themselves.
  for (const from of Object.keys(renamed).sort()) {
    const final = finalName(renamed, from);
    if (known(final)) continue;
    delete renamed[from];
    if (removed[final] !== undefined) {
      removed[from] = removed[final];
    } else {
      process.stderr.write(`Airflow ${data.airflowVersion}: dropped rename ${from} -> ${final} (the new name is not a known setting)\n`);
    }
  }
  for (const from of Object.keys(removed)) delete renamed[from];

  return {
    sections: sortObject(Object.fromEntries(Object.entries(sections).map(([s, keys]) => [s, sortObject(keys)]))),
    sensitive: sensitive.sort(),
    emptyAllowed: emptyAllowed.sort(),
    allowedValues: sortObject(allowedValues),
    renamed: sortObject(renamed),
    renamedSections: sortObject(renamedSections),
    removed: sortObject(removed),
  };
}

function finalName(renamed, from) {
  let name = from;
  const seen = new Set();
  while (renamed[name] !== undefined && !seen.has(name)) {
    seen.add(name);
    name = renamed[name][0];
  }
  return name;
}

function write(outFile, constName, input, compact) {
  const { data } = input;
  const sha = crypto.createHash('sha256').update(input.text).digest('hex');
  const providers = Object.entries(data.generatedFrom?.providers ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, p]) => `${name} ${p.version}`);
  const lines = [
    '// GENERATED FILE, DO NOT EDIT.',
    `// Generated by src/config/data/generate.js from ${path.basename(input.file)} (sha256 ${sha}):`,
    `// Airflow ${data.airflowVersion}${data.airflowVersion.endsWith('.x') ? ` (${data.versionNote})` : ''}, ${data.source}`,
    `// with the config sections of ${providers.join(', ')}.`,
    '// Regenerate (see src/config/data/README.md):',
    '//   node src/config/data/generate.js test/fixtures/airflow-config/airflow-2.json test/fixtures/airflow-config/airflow-3.json \\',
    '//     test/fixtures/airflow-config/airflow-3.4.json',
    "import { AirflowSettingsData } from './settings-data';",
    '',
    '/**',
    ` * The settings Airflow ${data.airflowVersion} knows, their types, renames and removals.`,
    ' *',
    ' * @internal',
    ' */',
    `export const ${constName}: AirflowSettingsData = ${literal({ airflowVersion: data.airflowVersion, ...compact }, 0)};`,
    '',
  ];
  fs.writeFileSync(outFile, lines.join('\n'));
}

/** A TypeScript literal in the repository's eslint style (single quotes, trailing commas, one entry a line). */
function literal(value, depth) {
  const indent = '  '.repeat(depth + 1);
  const close = '  '.repeat(depth);
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) {
    const oneLiner = `[${value.map(v => (typeof v === 'string' ? quote(v) : '')).join(', ')}]`;
    if (value.every(v => typeof v === 'string') && oneLiner.length <= 100) return oneLiner;
    return `[\n${value.map(v => `${indent}${literal(v, depth + 1)},\n`).join('')}${close}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const needsQuotes = entries.some(([k]) => !/^[A-Za-z_$][\w$]*$/.test(k));
  const key = k => (needsQuotes ? quote(k) : k);
  return `{\n${entries.map(([k, v]) => `${indent}${key(k)}: ${literal(v, depth + 1)},\n`).join('')}${close}}`;
}

function quote(text) {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function oneLine(text) {
  return text.replace(/\s+/g, ' ').trim();
}

function sortObject(object) {
  return Object.fromEntries(Object.keys(object).sort().map(k => [k, object[k]]));
}

function fail(message) {
  process.stderr.write(`generate.js: ${message}\n`);
  process.exit(1);
}

main(process.argv.slice(2));
