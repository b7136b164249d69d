import { describe, expect, test } from 'vitest';
import { UPDATE_RULE_CASES } from './update-rule-cases';
import { checkUpdate, describeUpdate, expectSafeUpdate, GENERATES_SECRETS_ANNOTATION, quantityBytes, UPDATE_RULES } from './update-rules';
import { GENERATES_SECRETS_ANNOTATION as LIBRARY_ANNOTATION } from '../../src/secrets/secret-generator-job';

describe('update-rules: the rule mirror of the API server\'s update validation', () => {
  test.each(UPDATE_RULE_CASES.map(c => [c.name, c] as const))('%s', (_, c) => {
    const check = checkUpdate([c.before], [c.after]);
    if (c.field) {
      expect(check.errors.map(e => e.field), describeUpdate(check)).toEqual([c.field]);
      // every rule names the Kubernetes function it mirrors
      expect(check.errors[0].rule).toMatch(/^(pkg|plugin)\/[a-z/]+(\.go)? [A-Za-z.]+/);
      expect(() => expectSafeUpdate([c.before], [c.after])).toThrow(c.field);
    } else {
      expect(describeUpdate(check)).toBe('');
    }
    expect(check.pruned).toEqual([]);
    expect(check.added).toEqual([]);
  });

  test('every rule has at least one refused pair', () => {
    const covered = new Set(UPDATE_RULE_CASES.filter(c => c.field).map(c => `${c.before.apiVersion.includes('/') ? c.before.apiVersion.split('/')[0] : ''}/${c.before.kind}`));
    const untested = Object.keys(UPDATE_RULES).filter(k => !covered.has(k));
    // DaemonSet and ClusterRoleBinding share the Deployment and RoleBinding rules' code; the library emits neither.
    expect(untested.sort()).toEqual(['apps/DaemonSet', 'rbac.authorization.k8s.io/ClusterRoleBinding']);
  });

  test('a suspended Job may change its node selector and labels, not its image', () => {
    const job = (extra: any, image = 'a:1') => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: { suspend: true, template: { metadata: { labels: { a: 'b', ...extra.labels } }, spec: { nodeSelector: extra.nodeSelector, containers: [{ name: 'c', image }] } } },
    });
    expect(checkUpdate([job({})], [job({ labels: { x: 'y' }, nodeSelector: { zone: 'a' } })]).errors).toEqual([]);
    expect(checkUpdate([job({})], [job({}, 'a:2')]).errors.map(e => e.field)).toEqual(['spec.template']);
  });

  test('lists pruned, added and renamed-looking objects; a renamed PVC, StatefulSet with claims or generated Secret loses state', () => {
    const before = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'airflow-config-c8d70813', namespace: 'airflow' } },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'logs-aaaaaaaa', namespace: 'airflow' }, spec: {} },
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'quickstart-postgres-0123abcd', namespace: 'airflow' },
        spec: { selector: { matchLabels: { 'app.kubernetes.io/component': 'postgresql' } }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] },
      },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'secrets-11111111', namespace: 'airflow', annotations: { [GENERATES_SECRETS_ANNOTATION]: 'q-fernet,q-jwt' } }, spec: {} },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gone', namespace: 'airflow' }, spec: {} },
    ];
    const after = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'airflow-config-deadbeef', namespace: 'airflow' } },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'logs-bbbbbbbb', namespace: 'airflow' }, spec: {} },
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'airflow-postgresql', namespace: 'airflow' },
        spec: { selector: { matchLabels: { 'app.kubernetes.io/component': 'postgresql' } }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] },
      },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'secrets-22222222', namespace: 'airflow', annotations: { [GENERATES_SECRETS_ANNOTATION]: 'airflow-fernet,q-jwt' } }, spec: {} },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'new', namespace: 'airflow' }, spec: {} },
    ];
    const check = checkUpdate(before, after);
    expect(check.errors).toEqual([]);
    expect(check.pruned.map(r => `${r.kind}/${r.name}`)).toEqual([
      'ConfigMap/airflow-config-c8d70813', 'PersistentVolumeClaim/logs-aaaaaaaa', 'StatefulSet/quickstart-postgres-0123abcd', 'Job/secrets-11111111', 'Service/gone',
    ]);
    expect(check.added.map(r => r.name)).toEqual(['airflow-config-deadbeef', 'logs-bbbbbbbb', 'airflow-postgresql', 'secrets-22222222', 'new']);
    // same name stem (hash suffix dropped), or the only pruned and only added object of a kind and component
    expect(check.renamed.map(r => `${r.from.name} -> ${r.to.name}`)).toEqual([
      'airflow-config-c8d70813 -> airflow-config-deadbeef', 'logs-aaaaaaaa -> logs-bbbbbbbb',
      'quickstart-postgres-0123abcd -> airflow-postgresql', 'secrets-11111111 -> secrets-22222222',
    ]);
    expect(check.stateLost.map(s => `${s.object.kind}/${s.object.name}`)).toEqual([
      'PersistentVolumeClaim/logs-aaaaaaaa', 'StatefulSet/quickstart-postgres-0123abcd', 'Secret/q-fernet',
    ]);
    expect(check.stateLost[1].reason).toContain('data-quickstart-postgres-0123abcd-<ordinal>');
    expect(check.stateLost[2].reason).toContain('now: airflow-fernet, q-jwt');
    expect(() => expectSafeUpdate(before, after)).toThrow(/state lost/);
  });

  test('reads the secret generator\'s annotation the library writes', () => {
    expect(GENERATES_SECRETS_ANNOTATION).toBe(LIBRARY_ANNOTATION);
  });

  test('a claim grows only when its StorageClass (when in the manifests) allows volume expansion', () => {
    const sc = (allowVolumeExpansion?: boolean) => ({
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'efs' }, provisioner: 'efs.csi.aws.com', ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }),
    });
    const claim = (storage: string, storageClassName?: string) => ({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { storageClassName, resources: { requests: { storage } } },
    });
    expect(checkUpdate([sc(true), claim('1Gi', 'efs')], [sc(true), claim('2Gi', 'efs')]).errors).toEqual([]);
    const refused = checkUpdate([sc(), claim('1Gi', 'efs')], [sc(), claim('2Gi', 'efs')]).errors;
    expect(refused.map(e => e.message)).toEqual([expect.stringContaining('the storageclass that provisions the pvc must support resize')]);
    expect(refused[0].rule).toContain('PersistentVolumeClaimResize');
    // a cluster's StorageClass the mirror cannot see: allowed (the server is the judge there)
    expect(checkUpdate([claim('1Gi', 'gp3')], [claim('2Gi', 'gp3')]).errors).toEqual([]);
  });

  test('compares storage quantities in bytes', () => {
    expect(quantityBytes('1Gi')).toBe(2 ** 30);
    expect(quantityBytes('1024Mi')).toBe(2 ** 30);
    expect(quantityBytes('1G')).toBe(1e9);
    expect(quantityBytes('bogus')).toBeUndefined();
    const claim = (storage: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: { requests: { storage } } } });
    expect(checkUpdate([claim('1Gi')], [claim('1024Mi')]).errors).toEqual([]);
    expect(checkUpdate([claim('2Gi')], [claim('1G')]).errors.map(e => e.field)).toEqual(['spec.resources.requests.storage']);
  });
});
