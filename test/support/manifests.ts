/**
 * Test support: checks for synthesized Kubernetes manifests (the plain JSON
 * objects returned by `Testing.synth(chart)` / `chart.toJson()`).
 *
 * - `validateSchemas`: strict JSON-schema validation against the Kubernetes
 *   OpenAPI v2 definitions (1.28 and 1.33) and the CRDs in test/fixtures/crds,
 *   plus object-name and label syntax.
 * - `checkReferences`: everything one object points at exists in the set
 *   (Secrets, ConfigMaps, volumes, ServiceAccounts, Services, selectors, ...).
 * - `checkPodSecurityRestricted`: Pod Security Standards "restricted" (v1.28).
 *
 * Every error string starts with `<kind>/<metadata.name>` (plus
 * `#<configmap key>` for Pods embedded in ConfigMaps), then the JSON path and
 * the problem.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { expect } from 'vitest';
import * as YAML from 'yaml';
import { arr, checkApiRules, describeViolations, get, isObj, Seg } from './api-rules';

export type KubeVersion = '1.28' | '1.33';

export interface ReferenceOptions {
  /** names of objects that exist outside the manifests (the user's own), per kind */
  readonly external?: {
    secrets?: string[];
    configMaps?: string[];
    serviceAccounts?: string[];
    persistentVolumeClaims?: string[];
    storageClasses?: string[];
    priorityClasses?: string[];
  };
}

/** Annotation on an object (usually a Job) that creates Secrets at run time: `name1,name2`. */
export const GENERATES_SECRETS_ANNOTATION = 'airflow.cdk8s.io/generates-secrets';
/** Annotation listing the keys of runtime-generated Secrets: `name:key1|key2,name2:key3`. */
export const GENERATES_SECRET_KEYS_ANNOTATION = 'airflow.cdk8s.io/generates-secret-keys';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
/** test/fixtures/k8s-schemas/v1.28.0/_definitions.json (Kubernetes OpenAPI v2 definitions) */
function schemaFile(version: KubeVersion): string {
  return path.join(FIXTURES, 'k8s-schemas', `v${version}.0`, '_definitions.json');
}
const CRD_DIR = path.join(FIXTURES, 'crds');

// ---------------------------------------------------------------------------
// generic helpers
// ---------------------------------------------------------------------------

/** `Deployment/web` */
function idOf(obj: any): string {
  const kind = isObj(obj) && typeof obj.kind === 'string' ? obj.kind : '<no kind>';
  const name = isObj(obj) && isObj(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '<no name>';
  return `${kind}/${name}`;
}

/** `spec.template.spec.containers[0].name`; keys that are not identifiers become `["app.kubernetes.io/name"]` */
function fmtPath(segs: readonly Seg[]): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') {
      out += `[${s}]`;
    } else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(s)) {
      out += out === '' ? s : `.${s}`;
    } else {
      out += `[${JSON.stringify(s)}]`;
    }
  }
  return out === '' ? '(root)' : out;
}

function nsOf(obj: any): string | undefined {
  const ns = obj?.metadata?.namespace;
  return typeof ns === 'string' && ns !== '' ? ns : undefined;
}

/** objects without namespace are treated as being in the same namespace as anything */
function sameNs(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

function uniq(list: string[]): string[] {
  return [...new Set(list)];
}

function q(v: unknown): string {
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------
// embedded pods and pod specs
// ---------------------------------------------------------------------------

const POD_KIND_LINE = /(^|\n)\s*kind:\s*["']?Pod["']?\s*(\n|$)/;

/** ConfigMap `data` values that parse (YAML) to an object with `kind: Pod`, e.g. Airflow's pod_template_file. */
export function embeddedPods(objects: any[]): Array<{ where: string; pod: any }> {
  const out: Array<{ where: string; pod: any }> = [];
  for (const obj of objects) {
    if (!isObj(obj) || obj.kind !== 'ConfigMap' || !isObj(obj.data)) continue;
    for (const [key, value] of Object.entries(obj.data)) {
      if (typeof value !== 'string' || !POD_KIND_LINE.test(value)) continue;
      let parsed: unknown;
      try {
        parsed = YAML.parse(value);
      } catch {
        continue;
      }
      if (isObj(parsed) && parsed.kind === 'Pod') {
        out.push({ where: `${idOf(obj)}#${key}`, pod: parsed });
      }
    }
  }
  return out;
}

interface PodRecord {
  /** `Deployment/web` or `ConfigMap/pod-template#pod_template_file.yaml` */
  readonly where: string;
  /** the top-level object (for embedded pods: the ConfigMap) */
  readonly owner: any;
  /** the object whose JSON paths are reported (for embedded pods: the Pod) */
  readonly root: any;
  readonly specPath: readonly Seg[];
  readonly metaPath: readonly Seg[];
  readonly spec: any;
  readonly metadata: any;
  /** StatefulSet volumeClaimTemplates names (count as volumes for mounts) */
  readonly claimTemplates: readonly string[];
  readonly embedded: boolean;
}

const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController']);

function podRecords(objects: any[]): PodRecord[] {
  const out: PodRecord[] = [];
  const add = (where: string, owner: any, root: any, specPath: Seg[], metaPath: Seg[], embedded: boolean, claimTemplates: string[] = []) => {
    const spec = get(root, specPath);
    if (!isObj(spec)) return;
    out.push({ where, owner, root, specPath, metaPath, spec, metadata: get(root, metaPath) ?? {}, claimTemplates, embedded });
  };
  for (const obj of objects) {
    if (!isObj(obj)) continue;
    const where = idOf(obj);
    if (obj.kind === 'Pod') {
      add(where, obj, obj, ['spec'], ['metadata'], false);
    } else if (TEMPLATE_KINDS.has(obj.kind)) {
      const claims = obj.kind === 'StatefulSet'
        ? arr(obj.spec?.volumeClaimTemplates).map((t: any) => t?.metadata?.name).filter((n: any) => typeof n === 'string')
        : [];
      add(where, obj, obj, ['spec', 'template', 'spec'], ['spec', 'template', 'metadata'], false, claims);
    } else if (obj.kind === 'CronJob') {
      add(where, obj, obj, ['spec', 'jobTemplate', 'spec', 'template', 'spec'], ['spec', 'jobTemplate', 'spec', 'template', 'metadata'], false);
    } else if (obj.kind === 'PodTemplate') {
      add(where, obj, obj, ['template', 'spec'], ['template', 'metadata'], false);
    }
  }
  for (const obj of objects) {
    if (!isObj(obj) || obj.kind !== 'ConfigMap') continue;
    for (const e of embeddedPods([obj])) add(e.where, obj, e.pod, ['spec'], ['metadata'], true);
  }
  return out;
}


/** Every pod spec: Pods, workload templates, CronJob jobTemplate, PodTemplates and Pods embedded in ConfigMaps. */
export function podSpecsOf(objects: any[]): Array<{ where: string; spec: any; metadata: any }> {
  return podRecords(objects).map(r => ({ where: r.where, spec: r.spec, metadata: r.metadata }));
}

interface ContainerRef {
  readonly c: any;
  readonly path: readonly Seg[];
  readonly label: string;
  readonly field: 'initContainers' | 'containers' | 'ephemeralContainers';
}

function containersOf(rec: PodRecord): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    arr(rec.spec[field]).forEach((c, i) => {
      const name = isObj(c) && typeof c.name === 'string' ? c.name : `#${i}`;
      out.push({ c: isObj(c) ? c : {}, path: [...rec.specPath, field, i], label: `container ${name}`, field });
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// schema validation
// ---------------------------------------------------------------------------

const FORMATS = ['int32', 'int64', 'byte', 'date-time', 'double', 'float', 'int-or-string', 'date', 'duration', 'uri', 'email', 'hostname', 'password', 'binary'];

/** CRD patterns are Go (RE2) regexps: an inline `(?i)` (e.g. in PrometheusRule) is JavaScript's `i` flag. */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => (pattern.includes('(?i)') ? new RegExp(pattern.replace('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'goRegExp' },
);

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, code: { regExp: goRegExp } });
  for (const f of FORMATS) ajv.addFormat(f, true);
  return ajv;
}

/** Collect every `format` used so no unknown format makes Ajv throw or warn. */
function registerFormats(ajv: Ajv, schema: unknown, known: Set<string>): void {
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      n.forEach(walk);
    } else if (isObj(n)) {
      if (typeof n.format === 'string' && !known.has(n.format)) {
        known.add(n.format);
        ajv.addFormat(n.format, true);
      }
      for (const v of Object.values(n)) walk(v);
    }
  };
  walk(schema);
}

/**
 * Make a schema strict the way the airflow chart's "standalone-strict" schemas are made:
 * every node with `properties` and no `additionalProperties` gets `additionalProperties: false`.
 * Nodes with `x-kubernetes-preserve-unknown-fields: true` are left open. Recurses only through
 * structural keywords (properties, items, additionalProperties, definitions); `x-kubernetes-*`
 * keys are kept (Ajv with strict: false ignores them).
 */
export function makeStrict(node: any): any {
  if (Array.isArray(node)) return node.map(makeStrict);
  if (!isObj(node)) return node;
  const out: Record<string, any> = { ...node };
  if (isObj(node.properties)) {
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, makeStrict(v)]));
    if (node.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
      out.additionalProperties = false;
    }
  }
  if (node.items !== undefined) out.items = makeStrict(node.items);
  if (isObj(node.additionalProperties)) out.additionalProperties = makeStrict(node.additionalProperties);
  if (isObj(node.definitions)) {
    out.definitions = Object.fromEntries(Object.entries(node.definitions).map(([k, v]) => [k, makeStrict(v)]));
  }
  return out;
}

function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

interface K8sSchemas {
  readonly ajv: Ajv;
  readonly id: string;
  /** `apps/v1|Deployment` -> `io.k8s.api.apps.v1.Deployment` */
  readonly byGvk: Map<string, string>;
  readonly validators: Map<string, ValidateFunction>;
}

const k8sSchemas = new Map<KubeVersion, K8sSchemas>();

function loadK8s(version: KubeVersion): K8sSchemas {
  let s = k8sSchemas.get(version);
  if (s) return s;
  const raw = JSON.parse(fs.readFileSync(schemaFile(version), 'utf8'));
  const definitions: Record<string, any> = raw.definitions;
  const byGvk = new Map<string, string>();
  for (const [name, def] of Object.entries(definitions)) {
    for (const gvk of arr(def['x-kubernetes-group-version-kind'])) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      // DeleteOptions/WatchEvent/Status are listed under every group; real kinds are unique
      if (!byGvk.has(gvkKey(apiVersion, gvk.kind))) byGvk.set(gvkKey(apiVersion, gvk.kind), name);
    }
  }
  const ajv = newAjv();
  const id = `k8s-${version}`;
  const strict = makeStrict({ definitions });
  registerFormats(ajv, strict, new Set(FORMATS));
  ajv.addSchema({ $id: id, ...strict });
  s = { ajv, id, byGvk, validators: new Map() };
  k8sSchemas.set(version, s);
  return s;
}

function k8sValidator(s: K8sSchemas, definition: string): ValidateFunction {
  let v = s.validators.get(definition);
  if (!v) {
    v = s.ajv.compile({ $ref: `${s.id}#/definitions/${definition}` });
    s.validators.set(definition, v);
  }
  return v;
}

interface CrdVersion {
  readonly crdName: string;
  readonly schema: any;
  validator?: ValidateFunction;
}

let crdCache: { ajv: Ajv; byGvk: Map<string, CrdVersion> } | undefined;

function loadCrds(): { ajv: Ajv; byGvk: Map<string, CrdVersion> } {
  if (crdCache) return crdCache;
  const ajv = newAjv();
  const known = new Set(FORMATS);
  const byGvk = new Map<string, CrdVersion>();
  for (const file of fs.readdirSync(CRD_DIR).filter(f => f.endsWith('.yaml') || f.endsWith('.yml')).sort()) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'))) {
      const crd = doc.toJS();
      if (!isObj(crd) || crd.kind !== 'CustomResourceDefinition') continue;
      for (const v of arr(crd.spec?.versions)) {
        const schema = v?.schema?.openAPIV3Schema;
        if (!isObj(schema)) continue;
        const strict = makeStrict(schema);
        registerFormats(ajv, strict, known);
        byGvk.set(gvkKey(`${crd.spec.group}/${v.name}`, crd.spec.names.kind), { crdName: crd.metadata?.name ?? file, schema: strict });
      }
    }
  }
  crdCache = { ajv, byGvk };
  return crdCache;
}

/** Turn an Ajv instance path into readable segments, using the data to tell array indexes from keys. */
function ajvSegs(root: any, instancePath: string): Seg[] {
  if (instancePath === '') return [];
  const segs: Seg[] = [];
  let cur = root;
  for (const rawSeg of instancePath.split('/').slice(1)) {
    const key = rawSeg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(key)) {
      segs.push(Number(key));
      cur = cur[Number(key)];
    } else {
      segs.push(key);
      cur = isObj(cur) ? cur[key] : undefined;
    }
  }
  return segs;
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function formatAjvErrors(where: string, root: any, errors: ErrorObject[] | null | undefined, tag: string, prefix: readonly Seg[] = []): string[] {
  if (!errors) return [];
  // a failed oneOf/anyOf reports each branch too: keep only the summary
  const junctions = errors.filter(e => e.keyword === 'oneOf' || e.keyword === 'anyOf').map(e => `${e.schemaPath}/`);
  const out: string[] = [];
  for (const e of errors) {
    if (junctions.some(j => e.schemaPath.startsWith(j))) continue;
    const segs = [...prefix, ...ajvSegs(root, e.instancePath)];
    const value = get(root, ajvSegs(root, e.instancePath));
    const p = e.params as Record<string, any>;
    let msg: string;
    switch (e.keyword) {
      case 'additionalProperties':
        msg = `${fmtPath([...segs, p.additionalProperty])}: unknown field ${q(p.additionalProperty)}`;
        break;
      case 'required':
        msg = `${fmtPath([...segs, p.missingProperty])}: required field missing`;
        break;
      case 'type':
        msg = `${fmtPath(segs)}: must be ${p.type} (got ${describeType(value)} ${q(value)})`;
        break;
      case 'enum':
        msg = `${fmtPath(segs)}: must be one of ${arr(p.allowedValues).map(q).join(', ')} (got ${q(value)})`;
        break;
      case 'oneOf':
      case 'anyOf':
        msg = `${fmtPath(segs)}: ${q(value)} matches none of the allowed types (${e.keyword})`;
        break;
      default:
        msg = `${fmtPath(segs)}: ${e.message ?? e.keyword}`;
    }
    out.push(`${where}: ${msg} [${tag}]`);
  }
  return out;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_NAME_KINDS = new Set(['Service', 'Deployment', 'StatefulSet', 'Pod', 'Job', 'CronJob']);

function checkName(where: string, obj: any, requireName: boolean): string[] {
  const errors: string[] = [];
  const name = obj?.metadata?.name;
  if (name === undefined || name === null || name === '') {
    if (requireName) errors.push(`${where}: metadata.name: required (missing or empty)`);
  } else if (typeof name !== 'string') {
    errors.push(`${where}: metadata.name: must be a string`);
  } else {
    if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
      errors.push(`${where}: metadata.name: ${q(name)} is not a valid DNS-1123 subdomain (<= 253 chars of lowercase alphanumerics, '-' and '.')`);
    }
    if (obj.kind === 'Service' && (name.length > 63 || !DNS1035_LABEL.test(name))) {
      errors.push(`${where}: metadata.name: ${q(name)} is not a valid Service name (DNS-1035 label: <= 63 chars, lowercase alphanumerics and '-', starting with a letter)`);
    } else if (LABEL_NAME_KINDS.has(obj.kind) && (name.length > 63 || !DNS1123_LABEL.test(name))) {
      errors.push(`${where}: metadata.name: ${q(name)} is not a valid DNS-1123 label (<= 63 chars, lowercase alphanumerics and '-')`);
    }
    if (obj.kind === 'CronJob' && name.length > 52) {
      errors.push(`${where}: metadata.name: ${q(name)} is ${name.length} chars; CronJob names must be <= 52 chars`);
    }
  }
  const ns = obj?.metadata?.namespace;
  if (typeof ns === 'string' && ns !== '' && (ns.length > 63 || !DNS1123_LABEL.test(ns))) {
    errors.push(`${where}: metadata.namespace: ${q(ns)} is not a valid DNS-1123 label`);
  }
  return errors;
}

function checkLabelMap(where: string, segs: readonly Seg[], labels: unknown): string[] {
  if (!isObj(labels)) return [];
  const errors: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const p = fmtPath([...segs, key]);
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) || name.length > 63 || !LABEL_NAME.test(name)) {
      errors.push(`${where}: ${p}: invalid label key ${q(key)} (optional DNS-1123 subdomain prefix + '/' + name of <= 63 alphanumerics, '-', '_', '.')`);
    }
    if (typeof value !== 'string') {
      errors.push(`${where}: ${p}: label value must be a string (got ${describeType(value)})`);
    } else if (value.length > 63 || !LABEL_VALUE.test(value)) {
      errors.push(`${where}: ${p}: invalid label value ${q(value)} (<= 63 chars, alphanumerics, '-', '_', '.', starting and ending alphanumeric)`);
    }
  }
  return errors;
}

/** labels/matchLabels maps anywhere in a built-in object (ObjectMeta.labels and LabelSelector.matchLabels are the only such fields) */
function checkLabelsDeep(where: string, node: unknown, segs: Seg[]): string[] {
  const errors: string[] = [];
  if (Array.isArray(node)) {
    node.forEach((v, i) => errors.push(...checkLabelsDeep(where, v, [...segs, i])));
  } else if (isObj(node)) {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'labels' || k === 'matchLabels') && isObj(v)) {
        errors.push(...checkLabelMap(where, [...segs, k], v));
      } else if (typeof v === 'object' && v !== null) {
        errors.push(...checkLabelsDeep(where, v, [...segs, k]));
      }
    }
  }
  return errors;
}

function checkNamesAndLabels(where: string, obj: any, builtin: boolean, requireName: boolean): string[] {
  const errors = checkName(where, obj, requireName);
  if (builtin) {
    // ConfigMap/Secret data never holds label maps; skip it (it can be big)
    const { data: _data, stringData: _stringData, binaryData: _binaryData, ...rest } = obj;
    errors.push(...checkLabelsDeep(where, rest, []));
    if (obj.kind === 'Service') errors.push(...checkLabelMap(where, ['spec', 'selector'], obj.spec?.selector));
  } else {
    errors.push(...checkLabelMap(where, ['metadata', 'labels'], obj.metadata?.labels));
    errors.push(...checkLabelMap(where, ['spec', 'selector', 'matchLabels'], obj.spec?.selector?.matchLabels));
  }
  return errors;
}

/**
 * Strict schema validation against the Kubernetes `version` OpenAPI definitions (and the CRDs in
 * test/fixtures/crds for custom resources), including Pods embedded in ConfigMaps, object names and labels.
 * Returns [] when everything is valid.
 */
export function validateSchemas(objects: any[], version: KubeVersion): string[] {
  const k8s = loadK8s(version);
  const tag = `k8s ${version} schema`;
  const errors: string[] = [];
  objects.forEach((obj, index) => {
    const where = idOf(obj);
    if (!isObj(obj)) {
      errors.push(`<not an object>/#${index}: (root): manifest must be an object (got ${describeType(obj)})`);
      return;
    }
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      errors.push(`${where}: (root): apiVersion and kind must be strings (got ${q(obj.apiVersion)}, ${q(obj.kind)})`);
      return;
    }
    const def = k8s.byGvk.get(gvkKey(obj.apiVersion, obj.kind));
    if (def) {
      const v = k8sValidator(k8s, def);
      if (!v(obj)) errors.push(...formatAjvErrors(where, obj, v.errors, tag));
      errors.push(...checkNamesAndLabels(where, obj, true, true));
    } else {
      const crds = loadCrds();
      const crd = crds.byGvk.get(gvkKey(obj.apiVersion, obj.kind));
      if (!crd) {
        errors.push(`${where}: (root): unknown kind ${obj.apiVersion}/${obj.kind} (no Kubernetes ${version} definition and no CRD in test/fixtures/crds)`);
        return;
      }
      if (!crd.validator) crd.validator = crds.ajv.compile(crd.schema);
      if (!crd.validator(obj)) errors.push(...formatAjvErrors(where, obj, crd.validator.errors, `CRD ${crd.crdName}`));
      // CRD schemas only say `metadata: {type: object}`: check it as ObjectMeta
      const meta = k8sValidator(k8s, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
      if (isObj(obj.metadata) && !meta(obj.metadata)) {
        errors.push(...formatAjvErrors(where, obj.metadata, meta.errors, tag, ['metadata']));
      }
      errors.push(...checkNamesAndLabels(where, obj, false, true));
    }
  });
  const podDef = k8sValidator(k8s, 'io.k8s.api.core.v1.Pod');
  for (const { where, pod } of embeddedPods(objects)) {
    if (pod.apiVersion !== 'v1') errors.push(`${where}: apiVersion: must be "v1" for an embedded Pod (got ${q(pod.apiVersion)})`);
    if (!podDef(pod)) errors.push(...formatAjvErrors(where, pod, podDef.errors, tag));
    // Airflow overwrites the name of pods made from a pod template: a name is not required
    errors.push(...checkNamesAndLabels(where, pod, true, false));
  }
  return uniq(errors);
}

// ---------------------------------------------------------------------------
// references
// ---------------------------------------------------------------------------

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** LabelSelector semantics (matchLabels AND matchExpressions); a plain map (Service selector) is matchLabels. */
function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (l[k] !== v) return false;
  }
  for (const e of arr(selector.matchExpressions)) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values: string[] = arr(e.values);
    switch (e.operator) {
      case 'In': if (!has || !values.includes(l[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(l[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

function selectorIsEmpty(selector: LabelSelector | undefined): boolean {
  return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && arr(selector.matchExpressions).length === 0);
}

function showSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of arr(selector.matchExpressions)) parts.push(`${e.key} ${e.operator} ${q(e.values ?? [])}`);
  return `{${parts.join(', ')}}`;
}

class RefContext {
  readonly errors: string[] = [];
  readonly pods: PodRecord[];
  private readonly byKind = new Map<string, any[]>();
  private readonly external: Record<string, Set<string>>;
  /** runtime-generated Secret name -> known keys (undefined: keys unknown) */
  private readonly generated = new Map<string, Set<string> | undefined>();

  constructor(readonly objects: any[], options: ReferenceOptions) {
    for (const o of objects) {
      if (!isObj(o) || typeof o.kind !== 'string') continue;
      const list = this.byKind.get(o.kind) ?? [];
      list.push(o);
      this.byKind.set(o.kind, list);
    }
    const ext = options.external ?? {};
    this.external = {
      Secret: new Set(ext.secrets ?? []),
      ConfigMap: new Set(ext.configMaps ?? []),
      ServiceAccount: new Set(ext.serviceAccounts ?? []),
      PersistentVolumeClaim: new Set(ext.persistentVolumeClaims ?? []),
      StorageClass: new Set(ext.storageClasses ?? []),
      PriorityClass: new Set(ext.priorityClasses ?? ['system-cluster-critical', 'system-node-critical']),
    };
    this.pods = podRecords(objects);
    const annotationSources = [
      ...objects.map(o => o?.metadata?.annotations),
      ...this.pods.filter(p => !p.embedded).map(p => p.metadata?.annotations),
    ];
    for (const ann of annotationSources) {
      if (!isObj(ann)) continue;
      const names = ann[GENERATES_SECRETS_ANNOTATION];
      if (typeof names === 'string') {
        for (const n of names.split(',').map(s => s.trim()).filter(Boolean)) {
          if (!this.generated.has(n)) this.generated.set(n, undefined);
        }
      }
      const keys = ann[GENERATES_SECRET_KEYS_ANNOTATION];
      if (typeof keys === 'string') {
        for (const entry of keys.split(',').map(s => s.trim()).filter(Boolean)) {
          const colon = entry.indexOf(':');
          const n = (colon >= 0 ? entry.slice(0, colon) : entry).trim();
          const ks = colon >= 0 ? entry.slice(colon + 1).split('|').map(s => s.trim()).filter(Boolean) : [];
          const set = this.generated.get(n) ?? new Set<string>();
          ks.forEach(k => set.add(k));
          this.generated.set(n, set);
        }
      }
    }
  }

  all(kind: string): any[] {
    return this.byKind.get(kind) ?? [];
  }

  find(kind: string, name: unknown, ns: string | undefined): any | undefined {
    return this.all(kind).find(o => o.metadata?.name === name && sameNs(nsOf(o), ns));
  }

  isExternal(kind: string, name: string): boolean {
    return this.external[kind]?.has(name) ?? false;
  }

  err(where: string, segs: readonly Seg[], msg: string): void {
    this.errors.push(`${where}: ${fmtPath(segs)}: ${msg}`);
  }

  /** Secret or ConfigMap by name (+ key); `optional: true` references are skipped */
  refData(kind: 'Secret' | 'ConfigMap', where: string, segs: readonly Seg[], name: unknown, ns: string | undefined,
    key: unknown, optional: unknown, keySegs?: readonly Seg[]): void {
    if (optional === true) return;
    if (typeof name !== 'string' || name === '') {
      this.err(where, segs, `${kind} reference without a name`);
      return;
    }
    if (this.isExternal(kind, name)) return;
    const obj = this.find(kind, name, ns);
    if (obj) {
      if (typeof key !== 'string') return;
      const data = { ...(obj.data ?? {}), ...(obj.stringData ?? {}), ...(obj.binaryData ?? {}) };
      const hasData = isObj(obj.data) || isObj(obj.stringData) || isObj(obj.binaryData);
      if (hasData && !Object.prototype.hasOwnProperty.call(data, key)) {
        this.err(where, keySegs ?? segs, `key ${q(key)} not found in ${kind}/${name} (has: ${Object.keys(data).sort().join(', ') || 'nothing'})`);
      }
      return;
    }
    if (kind === 'Secret' && this.generated.has(name)) {
      const keys = this.generated.get(name);
      if (typeof key === 'string' && keys && !keys.has(key)) {
        this.err(where, keySegs ?? segs, `key ${q(key)} not among the keys of runtime-generated Secret/${name} (${GENERATES_SECRET_KEYS_ANNOTATION}: ${[...keys].sort().join('|')})`);
      }
      return;
    }
    this.err(where, segs, `${kind} ${q(name)} not found (not in the manifests, not generated at run time, not listed as external)`);
  }

  refNamed(kind: string, where: string, segs: readonly Seg[], name: unknown, ns: string | undefined): void {
    if (typeof name !== 'string' || name === '') {
      this.err(where, segs, `${kind} reference without a name`);
      return;
    }
    if (this.isExternal(kind, name) || this.find(kind, name, ns)) return;
    this.err(where, segs, `${kind} ${q(name)} not found in the manifests${kind in this.external ? ' (and not listed as external)' : ''}`);
  }

  storageClass(where: string, segs: readonly Seg[], name: unknown): void {
    if (typeof name !== 'string' || name === '') return;
    if (this.isExternal('StorageClass', name) || this.all('StorageClass').some(o => o.metadata?.name === name)) return;
    this.err(where, segs, `StorageClass ${q(name)} not found in the manifests (and not listed as external)`);
  }

  /** pod templates (incl. embedded pods) in namespace `ns` selected by `selector` */
  selectedPods(selector: LabelSelector, ns: string | undefined): PodRecord[] {
    return this.pods.filter(p => sameNs(nsOf(p.embedded ? p.root : p.owner) ?? nsOf(p.owner), ns) && selectorMatches(selector, p.metadata?.labels));
  }
}

function checkPodRefs(ctx: RefContext, rec: PodRecord): void {
  const { where, spec, specPath } = rec;
  const ns = nsOf(rec.root) ?? nsOf(rec.owner);
  const volumes = new Map<string, any>();
  arr(spec.volumes).forEach((v: any, i: number) => {
    const vp = [...specPath, 'volumes', i];
    if (!isObj(v)) return;
    if (volumes.has(v.name)) ctx.err(where, [...vp, 'name'], `duplicate volume name ${q(v.name)}`);
    volumes.set(v.name, v);
    if (isObj(v.secret)) {
      ctx.refData('Secret', where, [...vp, 'secret', 'secretName'], v.secret.secretName, ns, undefined, v.secret.optional);
      arr(v.secret.items).forEach((it: any, j: number) => ctx.refData('Secret', where, [...vp, 'secret', 'secretName'], v.secret.secretName, ns,
        it?.key, v.secret.optional, [...vp, 'secret', 'items', j, 'key']));
    }
    if (isObj(v.configMap)) {
      ctx.refData('ConfigMap', where, [...vp, 'configMap', 'name'], v.configMap.name, ns, undefined, v.configMap.optional);
      arr(v.configMap.items).forEach((it: any, j: number) => ctx.refData('ConfigMap', where, [...vp, 'configMap', 'name'], v.configMap.name, ns,
        it?.key, v.configMap.optional, [...vp, 'configMap', 'items', j, 'key']));
    }
    arr(v.projected?.sources).forEach((src: any, j: number) => {
      const sp = [...vp, 'projected', 'sources', j];
      for (const kind of ['Secret', 'ConfigMap'] as const) {
        const field = kind === 'Secret' ? 'secret' : 'configMap';
        const s = src?.[field];
        if (!isObj(s)) continue;
        ctx.refData(kind, where, [...sp, field, 'name'], s.name, ns, undefined, s.optional);
        arr(s.items).forEach((it: any, k: number) => ctx.refData(kind, where, [...sp, field, 'name'], s.name, ns, it?.key, s.optional,
          [...sp, field, 'items', k, 'key']));
      }
    });
    if (isObj(v.persistentVolumeClaim)) {
      ctx.refNamed('PersistentVolumeClaim', where, [...vp, 'persistentVolumeClaim', 'claimName'], v.persistentVolumeClaim.claimName, ns);
    }
    if (isObj(v.ephemeral)) {
      ctx.storageClass(where, [...vp, 'ephemeral', 'volumeClaimTemplate', 'spec', 'storageClassName'],
        v.ephemeral.volumeClaimTemplate?.spec?.storageClassName);
    }
  });

  const containers = containersOf(rec);
  const seen = new Set<string>();
  for (const { c, path: cp, label } of containers) {
    if (typeof c.name === 'string') {
      if (seen.has(c.name)) ctx.err(where, [...cp, 'name'], `duplicate container name ${q(c.name)} (init, regular and ephemeral containers share one namespace)`);
      seen.add(c.name);
    }
    arr(c.volumeMounts).forEach((m: any, i: number) => {
      const name = m?.name;
      if (!volumes.has(name) && !rec.claimTemplates.includes(name)) {
        ctx.err(where, [...cp, 'volumeMounts', i, 'name'], `${label} mounts volume ${q(name)} that is not defined in the pod's volumes${rec.claimTemplates.length ? ' or volumeClaimTemplates' : ''}`);
      }
    });
    arr(c.env).forEach((e: any, i: number) => {
      const ep = [...cp, 'env', i, 'valueFrom'];
      const sk = e?.valueFrom?.secretKeyRef;
      if (isObj(sk)) ctx.refData('Secret', where, [...ep, 'secretKeyRef', 'name'], sk.name, ns, sk.key, sk.optional, [...ep, 'secretKeyRef', 'key']);
      const ck = e?.valueFrom?.configMapKeyRef;
      if (isObj(ck)) ctx.refData('ConfigMap', where, [...ep, 'configMapKeyRef', 'name'], ck.name, ns, ck.key, ck.optional, [...ep, 'configMapKeyRef', 'key']);
    });
    arr(c.envFrom).forEach((e: any, i: number) => {
      if (isObj(e?.secretRef)) ctx.refData('Secret', where, [...cp, 'envFrom', i, 'secretRef', 'name'], e.secretRef.name, ns, undefined, e.secretRef.optional);
      if (isObj(e?.configMapRef)) {
        ctx.refData('ConfigMap', where, [...cp, 'envFrom', i, 'configMapRef', 'name'], e.configMapRef.name, ns, undefined, e.configMapRef.optional);
      }
    });
  }

  arr(spec.imagePullSecrets).forEach((s: any, i: number) =>
    ctx.refData('Secret', where, [...specPath, 'imagePullSecrets', i, 'name'], s?.name, ns, undefined, false));

  const sa = spec.serviceAccountName ?? spec.serviceAccount;
  const saField = spec.serviceAccountName !== undefined ? 'serviceAccountName' : 'serviceAccount';
  if (sa === undefined || sa === '') {
    if (!ctx.isExternal('ServiceAccount', 'default')) {
      ctx.err(where, [...specPath, 'serviceAccountName'], 'not set: the pod would run as the "default" ServiceAccount (set a dedicated ServiceAccount)');
    }
  } else if (sa === 'default' && !ctx.isExternal('ServiceAccount', 'default')) {
    ctx.err(where, [...specPath, saField], 'uses the "default" ServiceAccount (set a dedicated ServiceAccount, or list "default" as external)');
  } else {
    ctx.refNamed('ServiceAccount', where, [...specPath, saField], sa, ns);
  }

  if (spec.priorityClassName !== undefined && spec.priorityClassName !== '') {
    const pc = spec.priorityClassName;
    if (!ctx.isExternal('PriorityClass', pc) && !ctx.all('PriorityClass').some(o => o.metadata?.name === pc)) {
      ctx.err(where, [...specPath, 'priorityClassName'], `PriorityClass ${q(pc)} not found in the manifests (and not listed as external)`);
    }
  }
}

/** container ports (regular containers and restartable init containers, i.e. sidecars) of a pod template */
function podPorts(rec: PodRecord): Array<{ name?: string; containerPort?: number }> {
  const cs = [...arr(rec.spec.containers), ...arr(rec.spec.initContainers).filter((c: any) => c?.restartPolicy === 'Always')];
  return cs.flatMap((c: any) => arr(c?.ports));
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet', 'Job']);

function checkObjectRefs(ctx: RefContext, obj: any): void {
  const where = idOf(obj);
  const ns = nsOf(obj);
  const spec = isObj(obj.spec) ? obj.spec : {};

  if (WORKLOAD_KINDS.has(obj.kind) && spec.selector !== undefined) {
    const labels = spec.template?.metadata?.labels;
    if (obj.kind !== 'Job' && selectorIsEmpty(spec.selector)) {
      ctx.err(where, ['spec', 'selector'], 'empty selector (would select every pod in the namespace)');
    } else if (!selectorMatches(spec.selector, labels)) {
      ctx.err(where, ['spec', 'selector'], `selector ${showSelector(spec.selector)} does not match spec.template.metadata.labels ${q(labels ?? {})}`);
    }
  }

  switch (obj.kind) {
    case 'StatefulSet':
      if (spec.serviceName !== undefined && spec.serviceName !== '') ctx.refNamed('Service', where, ['spec', 'serviceName'], spec.serviceName, ns);
      arr(spec.volumeClaimTemplates).forEach((t: any, i: number) =>
        ctx.storageClass(where, ['spec', 'volumeClaimTemplates', i, 'spec', 'storageClassName'], t?.spec?.storageClassName));
      break;
    case 'PersistentVolumeClaim':
      ctx.storageClass(where, ['spec', 'storageClassName'], spec.storageClassName);
      break;
    case 'Service': {
      if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) break;
      const selected = ctx.selectedPods({ matchLabels: spec.selector }, ns);
      if (selected.length === 0) {
        ctx.err(where, ['spec', 'selector'], `selector ${showSelector({ matchLabels: spec.selector })} selects no pod template in the manifests`);
        break;
      }
      arr(spec.ports).forEach((p: any, i: number) => {
        const target = p?.targetPort ?? p?.port;
        const field = p?.targetPort !== undefined ? 'targetPort' : 'port';
        const missing = selected.filter(rec => !podPorts(rec).some(cp => (typeof target === 'string' ? cp.name === target : cp.containerPort === target)));
        if (missing.length > 0) {
          ctx.err(where, ['spec', 'ports', i, field], `${typeof target === 'string' ? 'named port' : 'port'} ${q(target)} is not a container port of selected pod template(s) ${missing.map(m => m.where).join(', ')}`);
        }
      });
      break;
    }
    case 'PodDisruptionBudget':
    case 'NetworkPolicy': {
      const field = obj.kind === 'NetworkPolicy' ? 'podSelector' : 'selector';
      const sel = spec[field];
      if (isObj(sel) && !selectorIsEmpty(sel) && ctx.selectedPods(sel, ns).length === 0) {
        ctx.err(where, ['spec', field], `selector ${showSelector(sel)} selects no pod template in the manifests`);
      }
      break;
    }
    case 'ClusterRole':
    case 'ClusterRoleBinding':
      ctx.err(where, ['kind'], `${obj.kind} is not allowed: the library must stay namespaced (use Role/RoleBinding)`);
      break;
    case 'Role':
      arr(obj.rules).forEach((r: any, i: number) => {
        for (const f of ['verbs', 'resources', 'apiGroups']) {
          if (arr(r?.[f]).includes('*')) ctx.err(where, ['rules', i, f], `wildcard "*" is not allowed in ${f}`);
        }
      });
      break;
    case 'RoleBinding': {
      const ref = obj.roleRef ?? {};
      if (ref.kind === 'Role') {
        ctx.refNamed('Role', where, ['roleRef', 'name'], ref.name, ns);
      } else {
        ctx.err(where, ['roleRef', 'kind'], `${q(ref.kind)} refs are not allowed: bind a namespaced Role (the library must stay namespaced)`);
      }
      arr(obj.subjects).forEach((s: any, i: number) => {
        if (s?.kind === 'ServiceAccount') ctx.refNamed('ServiceAccount', where, ['subjects', i, 'name'], s.name, s.namespace || ns);
      });
      break;
    }
    case 'Ingress': {
      const backends: Array<{ b: any; segs: Seg[] }> = [];
      if (isObj(spec.defaultBackend)) backends.push({ b: spec.defaultBackend, segs: ['spec', 'defaultBackend'] });
      arr(spec.rules).forEach((r: any, i: number) => arr(r?.http?.paths).forEach((p: any, j: number) =>
        backends.push({ b: p?.backend, segs: ['spec', 'rules', i, 'http', 'paths', j, 'backend'] })));
      for (const { b, segs } of backends) {
        if (!isObj(b?.service)) continue;
        const svc = ctx.find('Service', b.service.name, ns);
        if (!svc) {
          ctx.err(where, [...segs, 'service', 'name'], `Service ${q(b.service.name)} not found in the manifests`);
          continue;
        }
        const port = b.service.port ?? {};
        const ports = arr(svc.spec?.ports);
        if (port.name !== undefined && !ports.some((p: any) => p?.name === port.name)) {
          ctx.err(where, [...segs, 'service', 'port', 'name'], `Service/${svc.metadata.name} has no port named ${q(port.name)}`);
        }
        if (port.number !== undefined && !ports.some((p: any) => p?.port === port.number)) {
          ctx.err(where, [...segs, 'service', 'port', 'number'], `Service/${svc.metadata.name} has no port ${port.number}`);
        }
      }
      break;
    }
    case 'HorizontalPodAutoscaler':
    case 'ScaledObject': {
      const ref = spec.scaleTargetRef ?? {};
      const kind = ref.kind ?? (obj.kind === 'ScaledObject' ? 'Deployment' : undefined);
      if (!ctx.find(kind, ref.name, ns)) ctx.err(where, ['spec', 'scaleTargetRef'], `scale target ${kind}/${ref.name} not found in the manifests`);
      if (obj.kind === 'ScaledObject') {
        arr(spec.triggers).forEach((t: any, i: number) => {
          const a = t?.authenticationRef;
          if (!isObj(a)) return;
          ctx.refNamed(a.kind ?? 'TriggerAuthentication', where, ['spec', 'triggers', i, 'authenticationRef', 'name'], a.name, ns);
        });
      }
      break;
    }
    case 'TriggerAuthentication':
    case 'ClusterTriggerAuthentication':
      arr(spec.secretTargetRef).forEach((r: any, i: number) =>
        ctx.refData('Secret', where, ['spec', 'secretTargetRef', i, 'name'], r?.name, ns, r?.key, false, ['spec', 'secretTargetRef', i, 'key']));
      break;
    case 'ServiceMonitor': {
      const sel = spec.selector ?? {};
      const anyNs = isObj(spec.namespaceSelector);
      const services = ctx.all('Service').filter(s => (anyNs || sameNs(nsOf(s), ns)) && selectorMatches(sel, s.metadata?.labels));
      if (services.length === 0) {
        ctx.err(where, ['spec', 'selector'], `selector ${showSelector(sel)} selects no Service in the manifests`);
        break;
      }
      arr(spec.endpoints).forEach((e: any, i: number) => {
        if (typeof e?.port === 'string' && !services.some(s => arr(s.spec?.ports).some((p: any) => p?.name === e.port))) {
          ctx.err(where, ['spec', 'endpoints', i, 'port'], `no selected Service (${services.map(idOf).join(', ')}) has a port named ${q(e.port)}`);
        }
      });
      break;
    }
    case 'PodMonitor': {
      const sel = spec.selector ?? {};
      const selected = ctx.selectedPods(sel, ns);
      if (selected.length === 0) {
        ctx.err(where, ['spec', 'selector'], `selector ${showSelector(sel)} selects no pod template in the manifests`);
        break;
      }
      arr(spec.podMetricsEndpoints).forEach((e: any, i: number) => {
        if (typeof e?.port === 'string' && !selected.some(rec => podPorts(rec).some(p => p.name === e.port))) {
          ctx.err(where, ['spec', 'podMetricsEndpoints', i, 'port'], `no selected pod template declares a container port named ${q(e.port)}`);
        }
      });
      break;
    }
    default:
      break;
  }
}

/** Every reference inside the manifest set resolves: volumes, Secrets/ConfigMaps (+ keys), ServiceAccounts, PVCs, selectors, RBAC, Ingress, HPA/KEDA, ServiceMonitor/PodMonitor. */
export function checkReferences(objects: any[], options: ReferenceOptions = {}): string[] {
  const ctx = new RefContext(objects, options);
  for (const obj of objects) if (isObj(obj)) checkObjectRefs(ctx, obj);
  for (const rec of ctx.pods) checkPodRefs(ctx, rec);
  return uniq(ctx.errors);
}

// ---------------------------------------------------------------------------
// Pod Security Standards: restricted (v1.28, includes baseline)
// ---------------------------------------------------------------------------

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const GOOD_SECCOMP = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

function checkPodSecurity(rec: PodRecord): string[] {
  const errors: string[] = [];
  const { where, spec, specPath, metaPath } = rec;
  const e = (segs: readonly Seg[], msg: string) => errors.push(`${where}: ${fmtPath(segs)}: ${msg}`);
  const psc = isObj(spec.securityContext) ? spec.securityContext : {};
  const pscPath = [...specPath, 'securityContext'];

  // --- baseline, pod level
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[f] === true) e([...specPath, f], 'must not be true (baseline: host namespaces)');
  }
  if (psc.windowsOptions?.hostProcess === true) e([...pscPath, 'windowsOptions', 'hostProcess'], 'must not be true (baseline: HostProcess)');
  errors.push(...seLinuxErrors(where, [...pscPath, 'seLinuxOptions'], psc.seLinuxOptions, 'pod'));
  if (psc.seccompProfile?.type !== undefined && !GOOD_SECCOMP.has(psc.seccompProfile.type)) {
    e([...pscPath, 'seccompProfile', 'type'], `pod seccomp profile ${q(psc.seccompProfile.type)} not allowed (${psc.seccompProfile.type === 'Unconfined' ? 'baseline' : 'restricted'}: seccomp must be RuntimeDefault or Localhost)`);
  }
  if (psc.appArmorProfile?.type === 'Unconfined') e([...pscPath, 'appArmorProfile', 'type'], 'must not be Unconfined (baseline: AppArmor)');
  arr(psc.sysctls).forEach((s: any, i: number) => {
    if (!SAFE_SYSCTLS.has(s?.name)) e([...pscPath, 'sysctls', i, 'name'], `sysctl ${q(s?.name)} is not in the safe set (baseline: sysctls)`);
  });
  const annotations = isObj(rec.metadata?.annotations) ? rec.metadata.annotations : {};
  for (const [k, v] of Object.entries(annotations)) {
    if (k.startsWith(APPARMOR_ANNOTATION) && typeof v === 'string' && v !== 'runtime/default' && !v.startsWith('localhost/')) {
      e([...metaPath, 'annotations', k], `AppArmor profile ${q(v)} not allowed (baseline: AppArmor must be runtime/default or localhost/*)`);
    }
    if ((k === 'seccomp.security.alpha.kubernetes.io/pod' || k.startsWith('container.seccomp.security.alpha.kubernetes.io/')) && v === 'unconfined') {
      e([...metaPath, 'annotations', k], 'seccomp "unconfined" not allowed (baseline: seccomp)');
    }
  }
  if (psc.runAsUser === 0) e([...pscPath, 'runAsUser'], 'must not be 0 (restricted: running as non-root user)');
  if (psc.runAsNonRoot === false) e([...pscPath, 'runAsNonRoot'], 'must not be false (restricted: running as non-root)');

  // --- volumes
  arr(spec.volumes).forEach((v: any, i: number) => {
    if (!isObj(v)) return;
    for (const type of Object.keys(v).filter(k => k !== 'name')) {
      if (type === 'hostPath') {
        e([...specPath, 'volumes', i, 'hostPath'], `volume ${q(v.name)} uses hostPath (baseline: HostPath volumes)`);
      } else if (!RESTRICTED_VOLUMES.has(type)) {
        e([...specPath, 'volumes', i, type], `volume ${q(v.name)} has type ${type} (restricted: only ${[...RESTRICTED_VOLUMES].join(', ')})`);
      }
    }
  });

  // --- containers
  const podNonRoot = psc.runAsNonRoot === true;
  const podSeccomp = GOOD_SECCOMP.has(psc.seccompProfile?.type);
  for (const { c, path: cp, label } of containersOf(rec)) {
    const sc = isObj(c.securityContext) ? c.securityContext : {};
    const sp = [...cp, 'securityContext'];
    if (sc.privileged === true) e([...sp, 'privileged'], `${label} must not be privileged (baseline: privileged containers)`);
    if (sc.windowsOptions?.hostProcess === true) e([...sp, 'windowsOptions', 'hostProcess'], `${label} must not be a HostProcess container (baseline: HostProcess)`);
    arr(sc.capabilities?.add).forEach((cap: any, i: number) => {
      if (!BASELINE_CAPABILITIES.has(cap)) {
        e([...sp, 'capabilities', 'add', i], `${label} adds capability ${q(cap)} (baseline: capability not allowed)`);
      } else if (cap !== 'NET_BIND_SERVICE') {
        e([...sp, 'capabilities', 'add', i], `${label} adds capability ${q(cap)} (restricted: only NET_BIND_SERVICE may be added)`);
      }
    });
    if (!arr(sc.capabilities?.drop).includes('ALL')) {
      e([...sp, 'capabilities', 'drop'], `${label} must drop ALL capabilities (restricted: capabilities.drop must include "ALL")`);
    }
    arr(c.ports).forEach((p: any, i: number) => {
      if (p?.hostPort !== undefined && p.hostPort !== 0) e([...cp, 'ports', i, 'hostPort'], `${label} uses hostPort ${p.hostPort} (baseline: host ports)`);
    });
    errors.push(...seLinuxErrors(where, [...sp, 'seLinuxOptions'], sc.seLinuxOptions, label));
    if (sc.procMount !== undefined && sc.procMount !== 'Default') e([...sp, 'procMount'], `${label} procMount ${q(sc.procMount)} not allowed (baseline: /proc mount type)`);
    if (sc.appArmorProfile?.type === 'Unconfined') e([...sp, 'appArmorProfile', 'type'], `${label} must not be Unconfined (baseline: AppArmor)`);
    const seccomp = sc.seccompProfile?.type;
    if (seccomp === 'Unconfined') {
      e([...sp, 'seccompProfile', 'type'], `${label} seccomp profile must not be Unconfined (baseline: seccomp)`);
    } else if (seccomp !== undefined && !GOOD_SECCOMP.has(seccomp)) {
      e([...sp, 'seccompProfile', 'type'], `${label} seccomp profile ${q(seccomp)} not allowed (restricted: seccomp must be RuntimeDefault or Localhost)`);
    } else if (seccomp === undefined && !podSeccomp) {
      e([...sp, 'seccompProfile', 'type'], `${label} has no seccomp profile and the pod sets none (restricted: seccompProfile.type must be RuntimeDefault or Localhost)`);
    }
    if (sc.allowPrivilegeEscalation !== false) {
      e([...sp, 'allowPrivilegeEscalation'], `${label} must set allowPrivilegeEscalation: false (restricted: privilege escalation)`);
    }
    if (sc.runAsNonRoot === false) {
      e([...sp, 'runAsNonRoot'], `${label} sets runAsNonRoot: false (restricted: running as non-root)`);
    } else if (sc.runAsNonRoot !== true && !podNonRoot) {
      e([...sp, 'runAsNonRoot'], `${label} must set runAsNonRoot: true (or set it on the pod) (restricted: running as non-root)`);
    }
    if (sc.runAsUser === 0) e([...sp, 'runAsUser'], `${label} must not run as UID 0 (restricted: running as non-root user)`);
  }
  return errors;
}

function seLinuxErrors(where: string, segs: readonly Seg[], opts: any, label: string): string[] {
  if (!isObj(opts)) return [];
  const errors: string[] = [];
  if (opts.type !== undefined && !SELINUX_TYPES.has(opts.type)) {
    errors.push(`${where}: ${fmtPath([...segs, 'type'])}: ${label} SELinux type ${q(opts.type)} not allowed (baseline: SELinux)`);
  }
  for (const f of ['user', 'role']) {
    if (opts[f] !== undefined && opts[f] !== '') errors.push(`${where}: ${fmtPath([...segs, f])}: ${label} must not set SELinux ${f} (baseline: SELinux)`);
  }
  return errors;
}

/** Pod Security Standards "restricted" (Kubernetes v1.28; includes baseline) for every pod spec, incl. embedded pods. */
export function checkPodSecurityRestricted(objects: any[]): string[] {
  return uniq(podRecords(objects).flatMap(checkPodSecurity));
}

// ---------------------------------------------------------------------------
// all together
// ---------------------------------------------------------------------------

/** The API server's create-time rules (test/support/api-rules.ts) for every object and every Pod embedded in a ConfigMap. */
export function apiRuleErrors(objects: any[]): string[] {
  const pods = embeddedPods(objects).map(({ where, pod }) => ({ ...pod, metadata: { ...(pod.metadata ?? {}), name: pod.metadata?.name || where } }));
  // an embedded pod's name is set by Airflow; `where` (`ConfigMap/x#key`) is only a label for messages
  const violations = checkApiRules([...objects, ...pods]).filter(v => !(v.rule === 'object-name' && v.object.includes('#')));
  return describeViolations(violations);
}

/** Assert (vitest) that the manifests pass the 1.28 and 1.33 strict schemas, the reference checks, PSS restricted and the API server's create-time rules. */
export function expectValidManifests(objects: any[], options?: ReferenceOptions): void {
  const errors = uniq([
    ...validateSchemas(objects, '1.28'),
    ...validateSchemas(objects, '1.33'),
    ...checkReferences(objects, options),
    ...checkPodSecurityRestricted(objects),
    ...apiRuleErrors(objects),
  ]);
  expect(errors, `${errors.length} manifest problem(s):\n${errors.join('\n')}`).toEqual([]);
}
