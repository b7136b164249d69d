import { beforeAll, expect, test, vi } from 'vitest';
import { exampleManifests } from '../support/examples';
import { embeddedPods } from '../support/manifests';
import { PROPERTY_CASES, PropertyCombination, propertyCombinations } from '../support/property-combinations';
import { describeFailure, KubeClient, realApiserver } from '../support/real-apiserver';
import { describeWith } from '../support/real-components';
import { describeProblems, dryRunManifests, ServerVerdict, uniqueNamespace } from '../support/server-apply';

/**
 * The real kube-apiserver (v1.33.13, built from the Go module proxy; test/support/real-apiserver.ts) judges the first
 * apply of every example and every property-test combination: server-side apply with `dryRun=All` and strict field
 * validation into a namespace that enforces, warns and audits Pod Security `restricted`. Zero refusals and zero
 * warnings. The KubernetesExecutor pod template (a Pod inside a ConfigMap) is created as a Pod there too, where
 * `enforce` refuses what `restricted` forbids.
 */

let client: KubeClient;
const CRD_KINDS = ['ScaledObject', 'TriggerAuthentication', 'ServiceMonitor', 'PrometheusRule'];

async function judge(label: string, manifests: any[]): Promise<ServerVerdict> {
  const namespace = uniqueNamespace(label);
  await client.createNamespace(namespace);
  return dryRunManifests(client, namespace, manifests);
}

function expectClean(verdict: ServerVerdict, manifests: any[], what: string): void {
  expect(describeProblems(verdict.errors), `${what}: the API server refused`).toBe('');
  expect(describeProblems(verdict.warnings), `${what}: the API server warned`).toBe('');
  const judged = Object.values(verdict.judged).reduce((a, b) => a + b, 0);
  expect(judged, `${what}: every object and embedded pod judged`).toBe(manifests.length + embeddedPods(manifests).length);
}

describeWith(['kube-apiserver'], 'the real API server', () => {
  beforeAll(async () => {
    client = await realApiserver();
  }, 240_000);

  test('serves v1.33 with Pod Security admission (a restricted namespace refuses a bare root Pod)', async () => {
    const version = await client.request('GET', '/version');
    expect(version.body.gitVersion).toMatch(/^v1\.33\./);
    const namespace = uniqueNamespace('probe');
    await client.createNamespace(namespace);
    // no controller manager creates the `default` ServiceAccount, which the ServiceAccount admission plugin needs
    await client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, { namespace });
    const res = await client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, { namespace, dryRun: true });
    expect(res.status).toBe(403);
    expect(describeFailure(res)).toMatch(/violates PodSecurity "restricted:latest"/);
  });

  test('every example applies cleanly (dry run, strict fields, Pod Security restricted), pod templates included', async () => {
    const examples = await exampleManifests();
    expect(examples.map(e => e.name)).toEqual(['quickstart', 'production', 'celery-keda', 'eks-efs-s3', 'onprem-git', 'compact', 'readme']);
    for (const { name, manifests } of examples) {
      expectClean(await judge(`example-${name}`, manifests), manifests, name);
    }
    expect(examples.some(e => embeddedPods(e.manifests).length > 0), 'an example has a KubernetesExecutor pod template').toBe(true);
  }, 240_000);

  const combinations = Array.from({ length: PROPERTY_CASES }, (_, i) => i);
  let synthesized: PropertyCombination[] | undefined;
  test.each(combinations)('property combination %i applies cleanly', async index => {
    if (!synthesized) {
      vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      synthesized = propertyCombinations();
    }
    const { description, manifests } = synthesized[index];
    const verdict = await judge(`combination-${index}`, manifests);
    expectClean(verdict, manifests, description);
  }, 120_000);

  test('the CRD-based objects (KEDA, Prometheus Operator) are judged against their installed CRDs', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    synthesized ??= propertyCombinations();
    const all = [...(await exampleManifests()).map(e => e.manifests), ...synthesized.map(c => c.manifests)].flat();
    const crdObjects = all.filter(m => CRD_KINDS.includes(m.kind));
    expect([...new Set(crdObjects.map(m => m.kind))].sort()).toEqual([...CRD_KINDS].sort());
    const verdict = await judge('crd-objects', crdObjects);
    expect(describeProblems(verdict.errors)).toBe('');
    for (const kind of CRD_KINDS) expect(verdict.judged[kind], kind).toBeGreaterThan(0);
  }, 120_000);

  test('oracle can fail: a privileged container is refused in a Pod and warned about in a Deployment', async () => {
    const [{ manifests }] = await exampleManifests();
    const namespace = uniqueNamespace('privileged');
    await client.createNamespace(namespace);
    const deployment = structuredClone(manifests.find(m => m.kind === 'Deployment'));
    const main = deployment.spec.template.spec.containers[0];
    main.securityContext = { ...main.securityContext, privileged: true, allowPrivilegeEscalation: true };
    const warned = await client.apply(deployment, { namespace, dryRun: true });
    expect(describeFailure(warned)).toMatch(/^20[01] OK/);
    expect(warned.warnings.join('\n')).toMatch(/would violate PodSecurity "restricted:latest": .*privileged/);

    const [{ pod }] = embeddedPods(manifests);
    const privileged = structuredClone(pod);
    privileged.metadata = { ...(privileged.metadata ?? {}), name: 'privileged' };
    privileged.spec.serviceAccountName = undefined;
    privileged.spec.automountServiceAccountToken = false;
    // privileged needs allowPrivilegeEscalation (ValidateSecurityContext refuses the pair with `false`)
    const base = privileged.spec.containers[0];
    base.securityContext = { ...base.securityContext, privileged: true, allowPrivilegeEscalation: true };
    await client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, { namespace });
    const refused = await client.create(privileged, { namespace, dryRun: true });
    expect(describeFailure(refused)).toMatch(/^403 Forbidden: .*violates PodSecurity "restricted:latest": .*privileged/);
  });

  test('oracle can fail: an unknown field and a CRD schema violation are refused', async () => {
    const namespace = uniqueNamespace('schema');
    await client.createNamespace(namespace);
    const typo = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: {}, dataa: {} };
    // server-side apply refuses a field outside the schema while building the typed patch (a 500, as of 1.33)
    const applied = await client.apply(typo, { namespace, dryRun: true });
    expect(describeFailure(applied)).toMatch(/^500 .*\.dataa: field not declared in schema/);
    const created = await client.create(typo, { namespace, dryRun: true });
    expect(describeFailure(created)).toMatch(/^400 BadRequest: .*unknown field "dataa"/);
    const scaled = await client.apply({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'x' },
      spec: { scaleTargetRef: { name: 'worker' }, minReplicaCount: -1, triggers: [] },
    }, { namespace, dryRun: true });
    expect(describeFailure(scaled)).toMatch(/^422/);
    expect(describeFailure(scaled)).toMatch(/minReplicaCount/);
  });
});
