import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, test } from 'vitest';
import * as YAML from 'yaml';
import { HelmValues } from '../../src';
import { HELM_VALUE_TABLE, helmRowOf, helmValuesMarkdown } from '../../src/helm/helm-value-table';

const root = join(__dirname, '..', '..');

function leafPaths(node: unknown, path: string = ''): string[] {
  if (typeof node === 'object' && node !== null && !Array.isArray(node) && Object.keys(node).length) {
    return Object.entries(node).flatMap(([k, v]) => leafPaths(v, path ? `${path}.${k}` : k));
  }
  return path ? [path] : [];
}

describe('docs/helm-values.md', () => {
  test('is generated from the converter\'s table (run `npx ts-node scripts/helm-values-doc.ts` after changing it)', () => {
    expect(readFileSync(join(root, 'docs', 'helm-values.md'), 'utf8')).toBe(helmValuesMarkdown());
  });

  test('has a row, with what to do instead, for every value the converter reports as unsupported', () => {
    const docs = readFileSync(join(root, 'docs', 'helm-values.md'), 'utf8');
    const unsupported = HELM_VALUE_TABLE.filter(row => !row.prop);
    expect(unsupported.length).toBeGreaterThan(20);
    for (const row of unsupported) {
      expect(row.instead, row.path).toBeTruthy();
      expect(docs).toContain(`| \`${row.path}\` |`);
    }
    for (const path of ['podTemplate', 'multiNamespaceMode', 'extraSecrets', 'extraConfigMaps']) {
      expect(helmRowOf(path)?.prop, path).toBeUndefined();
    }
  });

  test('every value of every-key.yaml has a supported row, and is converted without a report', () => {
    const text = readFileSync(join(__dirname, 'fixtures', 'every-key.yaml'), 'utf8');
    const paths = leafPaths(YAML.parse(text));
    // the values that are reported by design (the chart made these objects; the program keeps them by name)
    const reportedByDesign = ['extraSecrets.acme-env.stringData', 'dags.gitSync.credentialsSecret', 'dags.persistence.subPath', 'networkPolicies.enabled', 'env'];
    const withoutProp = paths.filter(p => !reportedByDesign.includes(p) && !helmRowOf(p)?.prop);
    expect(withoutProp).toEqual([]);
    const reports = HelmValues.fromYaml([text]).toProgram({ releaseName: 'airflow', releaseNamespace: 'airflow' }).reports;
    const unexpected = reports.filter(r => !reportedByDesign.some(p => r.path === p || p.startsWith(`${r.path}.`)));
    expect(unexpected).toEqual([]);
  });
});
