import { beforeAll, expect, test } from 'vitest';
import { describeFailure, KubeClient, realApiserver } from '../support/real-apiserver';
import { describeWith } from '../support/real-components';
import { applyPair, describeProblems, uniqueNamespace } from '../support/server-apply';
import { UPDATE_RULE_CASES } from '../support/update-rule-cases';
import { checkUpdate } from '../support/update-rules';

/** The rule mirror (test/support/update-rules.ts) and the real API server agree on one pair per rule. */

let client: KubeClient;

describeWith(['kube-apiserver'], 'update rules: the mirror agrees with the real API server', () => {
  beforeAll(async () => {
    client = await realApiserver();
  }, 240_000);

  const cases = UPDATE_RULE_CASES.filter(c => !c.serverDiffers);
  test('the cases left out say why the server here differs from a cluster', () => {
    const left = UPDATE_RULE_CASES.filter(c => c.serverDiffers);
    expect(left.map(c => c.name)).toEqual(['PersistentVolumeClaim: storage grows (allowed for a bound claim)']);
  });

  test.each(cases.map(c => [c.name, c] as const))('%s', async (_, c) => {
    const verdict = await applyPair(client, [c.before], [c.after], 'rule');
    expect(describeProblems(verdict.beforeErrors), 'the first apply').toBe('');
    const mirror = checkUpdate([c.before], [c.after]);
    if (c.server) {
      expect(verdict.errors, 'the server refuses').toHaveLength(1);
      expect(verdict.errors[0].message).toMatch(c.server);
      expect(mirror.errors.length, 'the mirror refuses').toBeGreaterThan(0);
    } else {
      expect(describeProblems(verdict.errors), 'the server accepts').toBe('');
      expect(mirror.errors, 'the mirror accepts').toEqual([]);
    }
  });

  test('a bound claim grows when its StorageClass allows expansion and is refused when not; the mirror agrees', async () => {
    const namespace = uniqueNamespace('claim-grows');
    await client.createNamespace(namespace);
    for (const allowVolumeExpansion of [true, false]) {
      const scName = `${namespace}-${allowVolumeExpansion ? 'expands' : 'fixed'}`;
      const sc = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: scName }, provisioner: 'efs.csi.aws.com', allowVolumeExpansion };
      const claim = (storage: string) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: scName },
        spec: { storageClassName: scName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
      });
      for (const obj of [sc, claim('1Gi')]) expect(describeFailure(await client.apply(obj, { namespace }))).toMatch(/^20[01]/);
      // what the PV controller does on a cluster: the claim is bound
      const bound = await client.request('PATCH', `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${scName}/status`,
        { status: { phase: 'Bound', capacity: { storage: '1Gi' } } }, 'application/merge-patch+json');
      expect(describeFailure(bound)).toMatch(/^200/);
      const grown = await client.apply(claim('2Gi'), { namespace });
      const mirror = checkUpdate([sc, claim('1Gi')], [sc, claim('2Gi')]);
      if (allowVolumeExpansion) {
        expect(describeFailure(grown)).toMatch(/^200/);
        expect(mirror.errors).toEqual([]);
      } else {
        expect(describeFailure(grown)).toMatch(/^403 Forbidden: .*only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/);
        expect(mirror.errors.map(e => e.field)).toEqual(['spec.resources.requests.storage']);
      }
    }
  });
});
