import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { AirflowVersion } from '../../src';
import { airflowSettingsData, checkAirflowSetting } from '../../src/config/airflow-settings-check';
import { AirflowSettingsData } from '../../src/config/data/settings-data';

const ROOT = path.join(__dirname, '..', '..');
/** The reference files the data is generated from: copies in the repository (see SOURCES.md there). */
const REFERENCE = path.join(ROOT, 'test', 'fixtures', 'airflow-config');
const REFERENCE_FILES = ['airflow-2.json', 'airflow-3.json', 'airflow-3.4.json'].map(f => path.join(REFERENCE, f));
const MODULES = ['airflow-2.ts', 'airflow-3.ts', 'airflow-3-3.ts', 'airflow-3-4.ts'];

const RELEASES: Array<[string, AirflowVersion]> = [
  ['Airflow 2', AirflowVersion.V2_11_1],
  ['Airflow 3.0-3.2', AirflowVersion.V3_2_2],
  ['Airflow 3.3', AirflowVersion.V3_3_2],
  ['Airflow 3.4', AirflowVersion.V3_4_0],
];

function known(data: AirflowSettingsData, name: string): boolean {
  const [section, key] = name.split('.');
  return data.sections[section]?.[key] !== undefined;
}

describe.each(RELEASES)('settings data of %s', (_, version) => {
  const data = airflowSettingsData(version);

  test('has the sections the library writes to', () => {
    for (const section of ['core', 'database', 'logging', 'scheduler', 'kubernetes_executor', version.isAirflow3 ? 'api' : 'webserver']) {
      expect(Object.keys(data.sections)).toContain(section);
    }
    expect(data.airflowVersion.startsWith(`${version.major}.`)).toBe(true);
  });

  test('every rename chain ends at a known setting, and old names are not settings any more', () => {
    for (const [from] of Object.entries(data.renamed)) {
      expect(known(data, from)).toBe(false);
      let name = from;
      for (let hops = 0; data.renamed[name] && hops < 10; hops++) name = data.renamed[name][0];
      expect({ from, final: name, known: known(data, name) }).toEqual({ from, final: name, known: true });
    }
    for (const [from, [to]] of Object.entries(data.renamedSections)) {
      expect(data.sections[from]).toBeUndefined();
      expect(data.sections[to]).toBeDefined();
    }
  });

  test('renames and removals carry the release they happened in', () => {
    const dates = [...Object.values(data.renamed), ...Object.values(data.renamedSections)].map(([, since]) => since);
    for (const since of [...dates, ...Object.values(data.removed).map(([removedIn]) => removedIn)]) {
      expect(since).toMatch(/^\d+\.\d+(\.\d+)?$/);
    }
  });

  test('sensitive, empty-allowed and enum settings are known settings', () => {
    for (const name of [...data.sensitive, ...data.emptyAllowed, ...Object.keys(data.allowedValues)]) {
      expect({ name, known: known(data, name) }).toEqual({ name, known: true });
    }
    for (const name of Object.keys(data.removed)) {
      expect({ name, known: known(data, name) }).toEqual({ name, known: false });
    }
  });

  test('keys are sorted (the generator is deterministic)', () => {
    const sorted = (keys: string[]) => [...keys].sort();
    expect(Object.keys(data.sections)).toEqual(sorted(Object.keys(data.sections)));
    for (const keys of Object.values(data.sections)) expect(Object.keys(keys)).toEqual(sorted(Object.keys(keys)));
    expect(Object.keys(data.renamed)).toEqual(sorted(Object.keys(data.renamed)));
    expect(Object.keys(data.removed)).toEqual(sorted(Object.keys(data.removed)));
  });
});

describe('settings data and the reference files', () => {
  test('the committed modules are what generate.js writes', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'airflow-settings-'));
    execFileSync(process.execPath, [path.join(ROOT, 'src', 'config', 'data', 'generate.js'), '--out', out, ...REFERENCE_FILES], { stdio: 'pipe' });
    expect(fs.readdirSync(out).sort()).toEqual([...MODULES].sort());
    for (const file of MODULES) {
      expect(fs.readFileSync(path.join(out, file), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'src', 'config', 'data', file), 'utf8'));
    }
    fs.rmSync(out, { recursive: true, force: true });
  });

  test('the reference files are the copies SOURCES.md describes (nothing outside the repository is read)', () => {
    for (const file of REFERENCE_FILES) expect(fs.existsSync(file)).toBe(true);
    const sources = fs.readFileSync(path.join(REFERENCE, 'SOURCES.md'), 'utf8');
    expect(sources).toContain('airflow-3.4.json: Airflow "3.4.0.dev"');
  });

  test('Airflow 3.3 is the 3.4 file without the settings added in 3.4', () => {
    const reference = JSON.parse(fs.readFileSync(REFERENCE_FILES[2], 'utf8'));
    const af33 = airflowSettingsData(AirflowVersion.V3_3_2);
    const af34 = airflowSettingsData(AirflowVersion.V3_4_0);
    const added34: string[] = [];
    for (const [section, keys] of Object.entries<any>(reference.sections)) {
      for (const [key, info] of Object.entries<any>(keys)) {
        if (info.versionAdded === '3.4.0' && reference.sectionSources[section].versionAddedRefersTo === 'airflow') added34.push(`${section}.${key}`);
      }
    }
    expect(added34).toHaveLength(9); // SOURCES.md: 9 options with version_added 3.4.0
    for (const name of added34) {
      expect({ name, in33: known(af33, name), in34: known(af34, name) }).toEqual({ name, in33: false, in34: true });
    }
    for (const name of ['state_store.default_retention_days', 'sdk.coordinators', 'callbacks.callback_execution_timeout']) {
      expect({ name, in33: known(af33, name) }).toEqual({ name, in33: true });
    }
  });

  test.each([
    [REFERENCE_FILES[0], AirflowVersion.V2_11_1],
    [REFERENCE_FILES[1], AirflowVersion.V3_2_2],
    [REFERENCE_FILES[2], AirflowVersion.V3_4_0],
  ])('Airflow\'s own defaults in %s pass the checks', (file, version) => {
    const reference = JSON.parse(fs.readFileSync(file, 'utf8'));
    const errors: string[] = [];
    let checked = 0;
    for (const [section, keys] of Object.entries<any>(reference.sections)) {
      for (const [key, info] of Object.entries<any>(keys)) {
        if (info.default === null || /\{[A-Z_]+\}/.test(info.default)) continue; // no default, or a placeholder Airflow fills in
        checked++;
        const error = checkAirflowSetting(version, `${section}.${key}`, info.default);
        if (error) errors.push(error);
      }
    }
    expect(errors).toEqual([]);
    expect(checked).toBeGreaterThan(250);
  });
});
