import { isDeepStrictEqual } from 'util';
import { parseQuantity } from './api-rules';

/**
 * A fast, rule-based mirror of the Kubernetes API server's UPDATE validation for the kinds the library emits, for
 * the day-2 (upgrade) suite: `checkUpdate(before, after)` says which objects of `after` the API server would refuse
 * when applied on top of `before`, which objects disappear (pruned), which look renamed, and which renames/prunes
 * lose state.
 *
 * Each rule cites the function of kubernetes/kubernetes v1.33.13 it mirrors (the release test/real/ runs; read in
 * the module k8s.io/kubernetes@v1.33.13). The real API server (test/support/real-apiserver.ts) is the judge where
 * this mirror and the server disagree; test/real/update-rules.test.ts checks that they agree on one bad pair per
 * rule.
 *
 * What the mirror cannot see: values the server fills in (defaults beyond the few normalized below, allocated
 * clusterIPs, a default StorageClass), and status (a PVC's `Bound` phase). It compares the fields the library
 * renders, as server-side apply by the same field manager would send them.
 *
 * 1.28 vs 1.33: the rules below are the same in both releases for the fields the library renders, except that a
 * 1.28 server has no Job `managedBy`/`successPolicy` (so it cannot refuse changes to them) and treats
 * `backoffLimitPerIndex` as alpha; StatefulSet `ordinals` and `persistentVolumeClaimRetentionPolicy` are mutable in
 * both (beta in 1.28).
 */

/** Where an object lives: `kind` (with API group), namespace, name. */
export interface ObjectRef {
  readonly kind: string;
  readonly group: string;
  readonly namespace: string;
  readonly name: string;
}

/** One update the API server would refuse. */
export interface UpdateViolation {
  readonly object: ObjectRef;
  /** JSON path of the field, e.g. `spec.template`. */
  readonly field: string;
  /** What the server would say (close to its message). */
  readonly message: string;
  /** The Kubernetes function (package and name) this rule mirrors. */
  readonly rule: string;
}

/** An object that leaves the manifests while holding state that is not in them. */
export interface StateLoss {
  readonly object: ObjectRef;
  readonly reason: string;
}

/** What applying `after` on top of `before` does. */
export interface UpdateCheck {
  /** Updates the API server would refuse (`kubectl apply` fails, GitOps sync stays red). */
  readonly errors: UpdateViolation[];
  /** Objects of `before` missing from `after` (deleted by `kubectl apply --prune`, Argo CD, Flux). */
  readonly pruned: ObjectRef[];
  /** Objects of `after` not in `before`. */
  readonly added: ObjectRef[];
  /** Pruned objects that look like an added one under a new name (same kind, same name stem or component). */
  readonly renamed: Array<{ readonly from: ObjectRef; readonly to: ObjectRef }>;
  /** Pruned or renamed objects that hold state the manifests do not carry (PVC data, StatefulSet claims, generated Secrets). */
  readonly stateLost: StateLoss[];
}

/** Annotation on the secret generator Job naming the Secrets it creates (src/secrets/secret-generator-job.ts). */
export const GENERATES_SECRETS_ANNOTATION = 'airflow.cdk8s.io/generates-secrets';

/** `apps/v1` → `apps`; `v1` → `` (core). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** The identity of a manifest object. */
export function refOf(obj: any): ObjectRef {
  return { kind: obj.kind, group: groupOf(obj.apiVersion), namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name };
}

/** `Job airflow/foo` — for messages. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function keyOf(ref: ObjectRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(clone(a), clone(b));
}

/** A rule: the refusals for one object, given its old and new form and every object of the new output. */
type Rule = (before: any, after: any, ref: ObjectRef, afterAll: any[]) => UpdateViolation[];

function immutable(ref: ObjectRef, rule: string, field: string, before: unknown, after: unknown, message = 'field is immutable'): UpdateViolation[] {
  return same(before, after) ? [] : [{ object: ref, field, message: `${field}: ${message}`, rule }];
}

const JOB_RULE = 'pkg/apis/batch/validation ValidateJobSpecUpdate';

/**
 * Job: `spec.template`, `spec.selector`, `spec.completions` (non-Indexed), `completionMode`, `podFailurePolicy`,
 * `backoffLimitPerIndex`, `managedBy`, `successPolicy` are immutable (ValidateJobSpecUpdate, validatePodTemplateUpdate,
 * validateCompletions). A suspended Job that never started may change its template's node selector, tolerations,
 * node affinity, labels, annotations and scheduling gates (AllowMutableSchedulingDirectives, pkg/registry/batch/job
 * strategy.go); the mirror applies that exemption when `before` is suspended (it cannot see whether it started).
 */
const jobRule: Rule = (before, after, ref) => {
  const b = before.spec ?? {};
  const a = after.spec ?? {};
  const errors: UpdateViolation[] = [];
  let oldTemplate = clone(b.template ?? {});
  const newTemplate = a.template ?? {};
  if (b.suspend === true) {
    oldTemplate = { ...oldTemplate, metadata: { ...(oldTemplate.metadata ?? {}) }, spec: { ...(oldTemplate.spec ?? {}) } };
    for (const k of ['labels', 'annotations']) oldTemplate.metadata[k] = newTemplate.metadata?.[k];
    for (const k of ['nodeSelector', 'tolerations', 'schedulingGates']) oldTemplate.spec[k] = newTemplate.spec?.[k];
    const affinity = { ...(oldTemplate.spec.affinity ?? {}), nodeAffinity: newTemplate.spec?.affinity?.nodeAffinity };
    oldTemplate.spec.affinity = Object.values(affinity).some(v => v !== undefined) ? affinity : undefined;
  }
  errors.push(...immutable(ref, `${JOB_RULE} (validatePodTemplateUpdate)`, 'spec.template', oldTemplate, newTemplate));
  errors.push(...immutable(ref, JOB_RULE, 'spec.selector', b.selector, a.selector));
  const mode = (s: any) => s.completionMode ?? 'NonIndexed';
  errors.push(...immutable(ref, JOB_RULE, 'spec.completionMode', mode(b), mode(a)));
  if (mode(a) !== 'Indexed') errors.push(...immutable(ref, `${JOB_RULE} (validateCompletions)`, 'spec.completions', b.completions, a.completions));
  for (const f of ['podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errors.push(...immutable(ref, JOB_RULE, `spec.${f}`, b[f], a[f]));
  }
  return errors;
};

const STS_RULE = 'pkg/apis/apps/validation ValidateStatefulSetUpdate';
const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** A StatefulSet spec with the mutable fields removed and the defaults the server adds to the rest filled in. */
function statefulSetFrozenSpec(spec: any): any {
  const frozen: any = {};
  for (const [k, v] of Object.entries(spec ?? {})) if (!STS_MUTABLE.includes(k)) frozen[k] = clone(v);
  frozen.podManagementPolicy ??= 'OrderedReady'; // pkg/apis/apps/v1 defaults.go SetDefaults_StatefulSet
  for (const t of frozen.volumeClaimTemplates ?? []) {
    t.spec ??= {};
    t.spec.volumeMode ??= 'Filesystem'; // pkg/apis/core/v1 defaults.go SetDefaults_PersistentVolumeClaimSpec
  }
  return frozen;
}

/**
 * StatefulSet: everything in `spec` but replicas, ordinals, template, updateStrategy, revisionHistoryLimit,
 * persistentVolumeClaimRetentionPolicy and minReadySeconds is immutable (selector, serviceName,
 * volumeClaimTemplates, podManagementPolicy, ...).
 */
const statefulSetRule: Rule = (before, after, ref) => {
  const b = statefulSetFrozenSpec(before.spec);
  const a = statefulSetFrozenSpec(after.spec);
  if (same(b, a)) return [];
  const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(k => !same(a[k], b[k])).sort();
  return [{
    object: ref,
    field: 'spec',
    message: `spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden (changed: ${changed.join(', ')})`,
    rule: STS_RULE,
  }];
};

/** Deployment and DaemonSet (apps/v1): `spec.selector` is immutable (the strategies' ValidateUpdate). */
const selectorRule = (rule: string): Rule => (before, after, ref) => immutable(ref, rule, 'spec.selector', before.spec?.selector, after.spec?.selector);

const PVC_RULE = 'pkg/apis/core/validation ValidatePersistentVolumeClaimUpdate';

/** Parses a Kubernetes quantity (`10Gi`, `500M`, `1.5Ti`) into bytes, for comparing storage requests. */
export function quantityBytes(q: string | number | undefined): number | undefined {
  return parseQuantity(typeof q === 'string' ? q.trim() : q);
}

/**
 * PersistentVolumeClaim: `spec` is immutable except `resources.requests.storage` of a bound claim (it may grow,
 * never shrink) and `volumeName` set once. The mirror assumes the claim is bound (as on a real cluster after the
 * first apply); an unbound (Pending) claim refuses a storage change too. A claim that had no `storageClassName` and
 * gets one is refused when the cluster's default StorageClass was already written into it.
 *
 * Growing a claim also passes the PersistentVolumeClaimResize admission plugin (on by default;
 * plugin/pkg/admission/storage/persistentvolume/resize admission.go Validate, allowResize): only a bound claim whose
 * StorageClass has `allowVolumeExpansion: true`. The mirror checks that when the StorageClass is in the manifests;
 * a cluster's own StorageClass it cannot see.
 */
const pvcRule: Rule = (before, after, ref, afterAll) => {
  const b = clone(before.spec ?? {});
  const a = clone(after.spec ?? {});
  const errors: UpdateViolation[] = [];
  const oldSize = quantityBytes(b.resources?.requests?.storage);
  const newSize = quantityBytes(a.resources?.requests?.storage);
  if (oldSize !== undefined && newSize !== undefined && newSize < oldSize) {
    errors.push({ object: ref, field: 'spec.resources.requests.storage', message: 'spec.resources.requests.storage: Forbidden: field can not be less than previous value', rule: PVC_RULE });
  }
  if (oldSize !== undefined && newSize !== undefined && newSize > oldSize) {
    const className = a.storageClassName;
    const storageClass = afterAll.find(o => o?.kind === 'StorageClass' && o.metadata?.name === className);
    if (storageClass && storageClass.allowVolumeExpansion !== true) {
      errors.push({
        object: ref,
        field: 'spec.resources.requests.storage',
        message: `Forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize (StorageClass ${className} has no allowVolumeExpansion: true)`,
        rule: 'plugin/pkg/admission/storage/persistentvolume/resize PersistentVolumeClaimResize.Validate',
      });
    }
  }
  if (a.resources?.requests && b.resources?.requests) a.resources.requests.storage = b.resources.requests.storage;
  if (!b.volumeName) b.volumeName = a.volumeName;
  b.volumeMode ??= 'Filesystem';
  a.volumeMode ??= 'Filesystem';
  if (!same(a, b)) {
    errors.push({ object: ref, field: 'spec', message: 'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims', rule: PVC_RULE });
  }
  return errors;
};

/**
 * Service: a cluster IP never changes once set (validateUpgradeDowngradeClusterIPs, called by ValidateServiceUpdate).
 * An omitted `clusterIP` keeps the allocated one (pkg/registry/core/service/storage patchAllocatedValues); setting
 * one (e.g. `None`, headless) on a Service that had it allocated, or changing it, is refused. ExternalName Services
 * are exempt.
 */
const serviceRule: Rule = (before, after, ref) => {
  if (before.spec?.type === 'ExternalName' || after.spec?.type === 'ExternalName') return [];
  const newIp = after.spec?.clusterIP;
  if (newIp === undefined || newIp === '') return [];
  return immutable(ref, 'pkg/apis/core/validation ValidateServiceUpdate (validateUpgradeDowngradeClusterIPs)', 'spec.clusterIP', before.spec?.clusterIP ?? '<allocated>', newIp, 'may not change once set');
};

/** RoleBinding and ClusterRoleBinding: `roleRef` cannot change (ValidateRoleBindingUpdate, ValidateClusterRoleBindingUpdate). */
const roleRefRule = (rule: string): Rule => (before, after, ref) => immutable(ref, rule, 'roleRef', before.roleRef, after.roleRef, 'cannot change roleRef');

const SC_RULE = 'pkg/apis/storage/validation ValidateStorageClassUpdate';

/** StorageClass: `parameters`, `provisioner`, `reclaimPolicy` (default Delete) and `volumeBindingMode` (default Immediate) are immutable. */
const storageClassRule: Rule = (before, after, ref) => [
  ...immutable(ref, SC_RULE, 'parameters', before.parameters ?? {}, after.parameters ?? {}, 'Forbidden: updates to parameters are forbidden.'),
  ...immutable(ref, SC_RULE, 'provisioner', before.provisioner, after.provisioner, 'Forbidden: updates to provisioner are forbidden.'),
  ...immutable(ref, SC_RULE, 'reclaimPolicy', before.reclaimPolicy ?? 'Delete', after.reclaimPolicy ?? 'Delete', 'Forbidden: updates to reclaimPolicy are forbidden.'),
  ...immutable(ref, SC_RULE, 'volumeBindingMode', before.volumeBindingMode ?? 'Immediate', after.volumeBindingMode ?? 'Immediate'),
];

/**
 * Secret: `type` is immutable (default Opaque); a Secret marked `immutable: true` keeps its data and the mark
 * (ValidateSecretUpdate). ConfigMap: the same for `immutable` (ValidateConfigMapUpdate).
 */
const immutableDataRule = (rule: string, fields: string[]): Rule => (before, after, ref) => {
  const errors: UpdateViolation[] = [];
  if (ref.kind === 'Secret') errors.push(...immutable(ref, rule, 'type', before.type ?? 'Opaque', after.type ?? 'Opaque'));
  if (before.immutable === true) {
    if (after.immutable !== true) errors.push({ object: ref, field: 'immutable', message: 'immutable: Forbidden: field is immutable when `immutable` is set', rule });
    for (const f of fields) {
      if (!same(before[f] ?? {}, after[f] ?? {})) errors.push({ object: ref, field: f, message: `${f}: Forbidden: field is immutable when \`immutable\` is set`, rule });
    }
  }
  return errors;
};

/** The rules, by `group/kind`. Kinds not listed have no update-only rule the library's output can hit. */
export const UPDATE_RULES: Readonly<Record<string, Rule>> = {
  'batch/Job': jobRule,
  'apps/StatefulSet': statefulSetRule,
  'apps/Deployment': selectorRule('pkg/registry/apps/deployment/strategy.go deploymentStrategy.ValidateUpdate'),
  'apps/DaemonSet': selectorRule('pkg/registry/apps/daemonset/strategy.go daemonSetStrategy.ValidateUpdate'),
  '/PersistentVolumeClaim': pvcRule,
  '/Service': serviceRule,
  'rbac.authorization.k8s.io/RoleBinding': roleRefRule('pkg/apis/rbac/validation ValidateRoleBindingUpdate'),
  'rbac.authorization.k8s.io/ClusterRoleBinding': roleRefRule('pkg/apis/rbac/validation ValidateClusterRoleBindingUpdate'),
  'storage.k8s.io/StorageClass': storageClassRule,
  '/Secret': immutableDataRule('pkg/apis/core/validation ValidateSecretUpdate', ['data', 'stringData']),
  '/ConfigMap': immutableDataRule('pkg/apis/core/validation ValidateConfigMapUpdate', ['data', 'binaryData']),
};

/** Names of the Secrets a set of manifests generates at run time (secret generator Jobs' annotation). */
export function generatedSecretNames(manifests: any[]): Map<string, ObjectRef> {
  const out = new Map<string, ObjectRef>();
  for (const m of manifests) {
    const names = m?.kind === 'Job' ? m.metadata?.annotations?.[GENERATES_SECRETS_ANNOTATION] : undefined;
    if (typeof names !== 'string') continue;
    for (const name of names.split(',').filter(Boolean)) {
      out.set(`${m.metadata?.namespace ?? ''}/${name}`, { kind: 'Secret', group: '', namespace: m.metadata?.namespace ?? '', name });
    }
  }
  return out;
}

/** `foo-scheduler-c8d70813` → `foo-scheduler`: the name without a trailing 8-hex-digit hash. */
function nameStem(name: string): string {
  return name.replace(/-[0-9a-f]{8}$/, '');
}

/** The `app.kubernetes.io/component` label of an object, or of its pod template / selector when it has none. */
function componentOf(obj: any): string | undefined {
  const label = 'app.kubernetes.io/component';
  return obj.metadata?.labels?.[label] ?? obj.spec?.template?.metadata?.labels?.[label] ?? obj.spec?.selector?.matchLabels?.[label];
}

function sameKindAndNamespace(a: ObjectRef, b: ObjectRef): boolean {
  return a.kind === b.kind && a.group === b.group && a.namespace === b.namespace;
}

function holdsState(obj: any): string | undefined {
  if (obj.kind === 'PersistentVolumeClaim') return 'its volume (and the data on it) is deleted with the claim, or left behind by a new empty claim';
  if (obj.kind === 'StatefulSet' && (obj.spec?.volumeClaimTemplates ?? []).length > 0) {
    const claims = obj.spec.volumeClaimTemplates.map((t: any) => `${t.metadata?.name}-${obj.metadata.name}-<ordinal>`).join(', ');
    return `its pods use the claims ${claims}; under another name they get new empty claims`;
  }
  return undefined;
}

/**
 * What applying `after` on top of `before` (same namespace, server-side apply, pruning what is gone) does: the
 * updates the API server refuses, the pruned, added and renamed-looking objects, and the state lost.
 */
export function checkUpdate(before: any[], after: any[]): UpdateCheck {
  const beforeByKey = new Map(before.map(o => [keyOf(refOf(o)), o]));
  const afterByKey = new Map(after.map(o => [keyOf(refOf(o)), o]));
  const errors: UpdateViolation[] = [];
  for (const [key, next] of afterByKey) {
    const prev = beforeByKey.get(key);
    if (!prev) continue;
    const ref = refOf(next);
    const rule = UPDATE_RULES[`${ref.group}/${ref.kind}`];
    if (rule) errors.push(...rule(prev, next, ref, after));
  }
  const pruned = [...beforeByKey.entries()].filter(([k]) => !afterByKey.has(k)).map(([, o]) => refOf(o));
  const added = [...afterByKey.entries()].filter(([k]) => !beforeByKey.has(k)).map(([, o]) => refOf(o));

  const renamed: Array<{ from: ObjectRef; to: ObjectRef }> = [];
  const taken = new Set<string>();
  for (const from of pruned) {
    const fromObj = beforeByKey.get(keyOf(from));
    const candidates = added.filter(to => sameKindAndNamespace(to, from) && !taken.has(keyOf(to)));
    let match = candidates.find(to => nameStem(to.name) === nameStem(from.name));
    if (!match) {
      const component = componentOf(fromObj);
      const sameComponent = component === undefined ? [] : candidates.filter(to => componentOf(afterByKey.get(keyOf(to))) === component);
      const prunedSameComponent = component === undefined ? []
        : pruned.filter(p => sameKindAndNamespace(p, from) && componentOf(beforeByKey.get(keyOf(p))) === component);
      if (sameComponent.length === 1 && prunedSameComponent.length === 1) match = sameComponent[0];
    }
    if (match) {
      taken.add(keyOf(match));
      renamed.push({ from, to: match });
    }
  }

  const stateLost: StateLoss[] = [];
  for (const from of pruned) {
    const reason = holdsState(beforeByKey.get(keyOf(from)));
    if (!reason) continue;
    const to = renamed.find(r => keyOf(r.from) === keyOf(from))?.to;
    stateLost.push({ object: from, reason: to ? `renamed to ${to.name}: ${reason}` : `pruned: ${reason}` });
  }
  const generatedAfter = generatedSecretNames(after);
  for (const [key, ref] of generatedSecretNames(before)) {
    if (generatedAfter.has(key)) continue;
    const nowGenerated = [...generatedAfter.values()].map(r => r.name).join(', ') || 'none';
    stateLost.push({
      object: ref,
      reason: `the generated Secret ${ref.name} is no longer generated (now: ${nowGenerated}); workloads move to new random values (a new Fernet key cannot read encrypted connections and variables)`,
    });
  }
  return { errors, pruned, added, renamed, stateLost };
}

/** One line per refused update and per state loss, for assertion messages. */
export function describeUpdate(check: UpdateCheck): string {
  return [
    ...check.errors.map(e => `${describeRef(e.object)}: ${e.message} [${e.rule}]`),
    ...check.stateLost.map(s => `${describeRef(s.object)}: state lost: ${s.reason}`),
  ].join('\n');
}

/** Fails (with every reason) when `after` cannot be applied on `before` or would lose state. */
export function expectSafeUpdate(before: any[], after: any[]): UpdateCheck {
  const check = checkUpdate(before, after);
  if (check.errors.length > 0 || check.stateLost.length > 0) {
    throw new Error(`unsafe update:\n${describeUpdate(check)}`);
  }
  return check;
}
