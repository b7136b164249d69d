/**
 * A mirror of the Kubernetes API server's CREATE-time validation for the kinds the library emits: the rules the
 * OpenAPI schema does not carry (name formats, label and annotation syntax, port names, requests <= limits,
 * name-length limits, cron syntax, ...). `checkApiRules(objects)` returns one violation per broken rule.
 *
 * Each rule cites the function of kubernetes/kubernetes v1.33 it mirrors (pkg/apis/core/validation/validation.go
 * unless another file is named; apimachinery = k8s.io/apimachinery). Where a rule is not an API-server rule (a
 * controller, kubelet or DNS rule, or a rule the 1.28 server has and 1.33 relaxed), `server: false` says so and the
 * comment says who enforces it. test/support/api-rules.test.ts holds one bad object per rule; test/real/api-rules.test.ts
 * proves the real kube-apiserver refuses each bad object of a server rule (and accepts the ones of the others).
 */

/** One broken rule. */
export interface ApiRuleViolation {
  /** `Deployment/web` */
  readonly object: string;
  /** JSON-ish path of the field */
  readonly field: string;
  /** the rule id (a key of API_RULES) */
  readonly rule: ApiRuleId;
  readonly message: string;
}

/** The rules, each with the Kubernetes function it mirrors and whether the API server itself enforces it. */
export const API_RULES = {
  'object-name': { cites: 'ValidateObjectMeta (apimachinery/pkg/api/validation/objectmeta.go) with the kind\'s name function: NameIsDNSSubdomain; Service: ValidateServiceName = NameIsDNS1035Label; Namespace: ValidateNamespaceName = NameIsDNSLabel', server: true },
  'namespace': { cites: 'ValidateObjectMeta: metadata.namespace must be a DNS-1123 label (ValidateNamespaceName)', server: true },
  'labels': { cites: 'ValidateLabels (apimachinery/pkg/apis/meta/v1/validation/validation.go): IsQualifiedName keys, IsValidLabelValue values', server: true },
  'annotations': { cites: 'ValidateAnnotations (apimachinery/pkg/api/validation/objectmeta.go): IsQualifiedName keys (lower-cased), total size <= 256 KiB', server: true },
  'container-ports': { cites: 'validateContainerPorts: IsValidPortName (<= 15 chars, [a-z0-9-], a letter, no "--", no leading/trailing "-"), IsValidPortNum (1-65535), unique names', server: true },
  'env': { cites: 'ValidateEnv: IsEnvVarName (C-identifier-like [-._a-zA-Z][-._a-zA-Z0-9]*). Kubernetes 1.28 enforces it; 1.32+ (RelaxedEnvironmentVariableValidation, beta and on) accepts any printable ASCII but "=", so the 1.33 server accepts what 1.28 refuses', server: false },
  'resources': { cites: 'ValidateResourceRequirements / validateResourceRequirements: each request <= its limit, quantities non-negative', server: true },
  'probe': { cites: 'validateProbe + validateHandler: exactly one handler, non-negative periods; validateLivenessProbe/validateStartupProbe: successThreshold must be 1', server: true },
  'volumes': { cites: 'ValidateVolumes: unique DNS-1123 label names, exactly one source; validateKeyToPath: relative path without "..", mode 0-0777', server: true },
  'node-selector': { cites: 'ValidatePodSpec: ValidateLabels(spec.nodeSelector)', server: true },
  'priority-class': { cites: 'ValidatePodSpec: ValidatePriorityClassName (DNS-1123 subdomain)', server: true },
  'job-name': { cites: 'ValidateJob (pkg/apis/batch/validation/validation.go): the generated pod-template labels batch.kubernetes.io/job-name=<name> must be a label value, so a Job name is <= 63 chars', server: true },
  'cronjob-name': { cites: 'ValidateCronJobCreate (pkg/apis/batch/validation/validation.go): name <= 52 chars (DNS1035LabelMaxLength - 11: room for the Job suffix)', server: true },
  'cronjob-schedule': { cites: 'validateScheduleFormat (pkg/apis/batch/validation/validation.go): cron.ParseStandard of robfig/cron v3 (minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6, step > 0, no TZ=)', server: true },
  'statefulset-name': { cites: 'StatefulSet controller (pkg/controller/statefulset): pods carry controller-revision-hash=<name>-<10-char hash>, a label value, so names over 52 chars make every pod creation fail. A controller rule: the API server accepts the StatefulSet', server: false },
  'statefulset-service': { cites: 'StatefulSet spec.serviceName must name a headless Service (clusterIP: None) for the pods\' stable DNS names: a DNS rule (cluster DNS spec), not an API-server rule', server: false },
  'service': { cites: 'ValidateService: ports required unless headless, unique port names, every port named when there are several, IsValidPortNum, targetPort a port number or IsValidPortName, selector ValidateLabels', server: true },
  'policy-rule': { cites: 'ValidatePolicyRule (pkg/apis/rbac/validation/validation.go): verbs required, apiGroups required with resources, nonResourceURLs not allowed in a namespaced Role', server: true },
  'network-policy': { cites: 'ValidateNetworkPolicySpec (pkg/apis/networking/validation/validation.go): ports (protocol, IsValidPortNum/IsValidPortName, endPort >= port and numeric), peers (ipBlock alone, valid CIDRs, except inside cidr), policyTypes Ingress/Egress', server: true },
  'pdb': { cites: 'ValidatePodDisruptionBudgetSpec (pkg/apis/policy/validation/validation.go): minAvailable and maxUnavailable are mutually exclusive, each a non-negative int or a percentage <= 100%', server: true },
  'ingress-path': { cites: 'validateHTTPIngressRuleValue / validateIngressTypedPath (pkg/apis/networking/validation/validation.go): pathType required (Exact, Prefix, ImplementationSpecific), Exact/Prefix paths absolute', server: true },
  'pvc-size': { cites: 'ValidatePersistentVolumeClaimSpec: resources.requests.storage required and greater than zero', server: true },
} as const;

/** The id of a rule. */
export type ApiRuleId = keyof typeof API_RULES;

/** A path segment into a manifest. */
export type Seg = string | number;

/** A plain object (not null, not an array). */
export function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** `v` if it is an array, else an empty one. */
export function arr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}
function idOf(obj: any): string {
  return `${obj?.kind ?? '<no kind>'}/${obj?.metadata?.name ?? '<no name>'}`;
}
function fmt(segs: readonly Seg[]): string {
  return segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$-]*$/.test(s) ? `${i === 0 ? '' : '.'}${s}` : `[${JSON.stringify(s)}]`)).join('');
}
const q = JSON.stringify;

// apimachinery/pkg/util/validation/validation.go
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** IsDNS1123Subdomain */
export function isDnsSubdomain(v: string): boolean {
  return v.length <= 253 && DNS1123_SUBDOMAIN.test(v);
}
/** IsDNS1123Label */
export function isDnsLabel(v: string): boolean {
  return v.length <= 63 && DNS1123_LABEL.test(v);
}
/** IsQualifiedName: `[prefix/]name`, prefix a DNS-1123 subdomain, name <= 63 chars */
export function isQualifiedName(v: string): boolean {
  const parts = v.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && (parts[0] === '' || !isDnsSubdomain(parts[0]))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}
/** IsValidLabelValue */
export function isLabelValue(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 63 && LABEL_VALUE.test(v);
}
/** IsValidPortName (IANA_SVC_NAME) */
export function isPortName(v: string): boolean {
  return v.length >= 1 && v.length <= 15 && /^[a-z0-9-]+$/.test(v) && /[a-z]/.test(v) && !v.includes('--') && !v.startsWith('-') && !v.endsWith('-');
}
/** IsValidPortNum */
function isPortNum(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

const SUFFIX: Record<string, number> = {
  '': 1,
  'n': 1e-9,
  'u': 1e-6,
  'm': 1e-3,
  'k': 1e3,
  'M': 1e6,
  'G': 1e9,
  'T': 1e12,
  'P': 1e15,
  'E': 1e18,
  'Ki': 2 ** 10,
  'Mi': 2 ** 20,
  'Gi': 2 ** 30,
  'Ti': 2 ** 40,
  'Pi': 2 ** 50,
  'Ei': 2 ** 60,
};
/** resource.ParseQuantity (apimachinery/pkg/api/resource/quantity.go), as a float: enough to compare. undefined: unparseable. */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? Number(`1${m[2]}`) : SUFFIX[m[3] ?? '']);
}

/** robfig/cron v3 ParseStandard, as validateScheduleFormat uses it. Returns the problem, or undefined. */
export function cronProblem(schedule: string): string | undefined {
  if (/^\s*(CRON_)?TZ=/.test(schedule)) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  if (schedule.startsWith('@')) {
    return ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'].includes(schedule) || /^@every \S+$/.test(schedule)
      ? undefined : `unrecognized descriptor: ${schedule}`;
  }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${schedule}`;
  const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
  const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  // minute, hour, day of month, month, day of week
  type Bound = [number, number, string[] | undefined];
  const bounds: Bound[] = [[0, 59, undefined], [0, 23, undefined], [1, 31, undefined], [1, 12, MONTHS], [0, 6, DAYS]];
  for (let i = 0; i < 5; i++) {
    const [min, max, names] = bounds[i];
    const num = (s: string): number | undefined => {
      const n = names?.indexOf(s.toLowerCase());
      if (n !== undefined && n >= 0) return n + (i === 3 ? 1 : 0);
      return /^\d+$/.test(s) ? Number(s) : undefined;
    };
    for (const expr of fields[i].split(',')) {
      const [range, step, extra] = expr.split('/');
      if (extra !== undefined) return `too many slashes: ${expr}`;
      if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0)) return `step of range should be a positive number: ${expr}`;
      if (range === '*' || range === '?') continue;
      const [lo, hi, more] = range.split('-');
      if (more !== undefined) return `too many hyphens: ${expr}`;
      const a = num(lo);
      const b = hi === undefined ? a : num(hi);
      if (a === undefined || b === undefined) return `failed to parse int from ${expr}`;
      if (a < min) return `beginning of range (${a}) below minimum (${min}): ${expr}`;
      if (b > max) return `end of range (${b}) above maximum (${max}): ${expr}`;
      if (a > b) return `beginning of range (${a}) beyond end of range (${b}): ${expr}`;
    }
  }
  return undefined;
}

const POD_TEMPLATE_PATHS: Record<string, Seg[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  PodTemplate: ['template'],
};

class Checker {
  readonly out: ApiRuleViolation[] = [];
  constructor(private readonly objects: any[]) {}

  err(obj: any, segs: readonly Seg[], rule: ApiRuleId, message: string): void {
    this.out.push({ object: idOf(obj), field: fmt(segs), rule, message });
  }

  labels(obj: any, segs: Seg[], labels: unknown, rule: ApiRuleId = 'labels'): void {
    if (!isObj(labels)) return;
    for (const [k, v] of Object.entries(labels)) {
      if (!isQualifiedName(k)) this.err(obj, [...segs, k], rule, `invalid label key ${q(k)}: a qualified name ([prefix/]name, name <= 63 chars of alphanumerics, '-', '_', '.')`);
      if (!isLabelValue(v)) this.err(obj, [...segs, k], rule, `invalid label value ${q(v)}: <= 63 chars of alphanumerics, '-', '_', '.', starting and ending alphanumeric`);
    }
  }

  meta(obj: any, segs: Seg[], requireName: boolean): void {
    const m = get(obj, segs);
    if (!isObj(m)) return;
    const name = m.name;
    if (segs.length === 1) {
      if (typeof name !== 'string' || name === '') {
        if (requireName) this.err(obj, [...segs, 'name'], 'object-name', 'name or generateName is required');
      } else if (obj.kind === 'Service' ? !(name.length <= 63 && DNS1035_LABEL.test(name)) : obj.kind === 'Namespace' ? !isDnsLabel(name) : !isDnsSubdomain(name)) {
        this.err(obj, [...segs, 'name'], 'object-name', `${q(name)} is not a valid ${obj.kind === 'Service' ? 'DNS-1035 label' : obj.kind === 'Namespace' ? 'DNS-1123 label' : 'DNS-1123 subdomain'}`);
      }
      if (typeof m.namespace === 'string' && m.namespace !== '' && !isDnsLabel(m.namespace)) {
        this.err(obj, [...segs, 'namespace'], 'namespace', `${q(m.namespace)} is not a valid DNS-1123 label (lowercase alphanumerics and '-', <= 63 chars)`);
      }
    }
    this.labels(obj, [...segs, 'labels'], m.labels);
    if (isObj(m.annotations)) {
      let size = 0;
      for (const [k, v] of Object.entries(m.annotations)) {
        size += k.length + String(v).length;
        if (!isQualifiedName(k.toLowerCase())) this.err(obj, [...segs, 'annotations', k], 'annotations', `invalid annotation key ${q(k)}: a qualified name ([prefix/]name)`);
      }
      if (size > 256 * 1024) this.err(obj, [...segs, 'annotations'], 'annotations', `annotations total ${size} bytes, must be <= 262144`);
    }
  }

  podSpec(obj: any, segs: Seg[]): void {
    const spec = get(obj, segs);
    if (!isObj(spec)) return;
    this.labels(obj, [...segs, 'nodeSelector'], spec.nodeSelector, 'node-selector');
    if (typeof spec.priorityClassName === 'string' && spec.priorityClassName !== '' && !isDnsSubdomain(spec.priorityClassName)) {
      this.err(obj, [...segs, 'priorityClassName'], 'priority-class', `${q(spec.priorityClassName)} is not a valid DNS-1123 subdomain`);
    }
    const volumeNames = new Set<string>();
    arr(spec.volumes).forEach((v: any, i: number) => {
      const vp = [...segs, 'volumes', i];
      if (typeof v?.name !== 'string' || !isDnsLabel(v.name)) this.err(obj, [...vp, 'name'], 'volumes', `volume name ${q(v?.name)} is not a DNS-1123 label`);
      else if (volumeNames.has(v.name)) this.err(obj, [...vp, 'name'], 'volumes', `duplicate volume name ${q(v.name)}`);
      volumeNames.add(v?.name);
      const sources = Object.keys(v ?? {}).filter(k => k !== 'name');
      if (sources.length !== 1) this.err(obj, vp, 'volumes', `must specify exactly one volume source (got ${sources.length}: ${sources.join(', ')})`);
      for (const src of ['configMap', 'secret']) {
        arr(v?.[src]?.items).forEach((item: any, j: number) => this.keyToPath(obj, [...vp, src, 'items', j], item));
      }
      arr(v?.projected?.sources).forEach((s: any, j: number) => {
        for (const src of ['configMap', 'secret']) {
          arr(s?.[src]?.items).forEach((item: any, k: number) => this.keyToPath(obj, [...vp, 'projected', 'sources', j, src, 'items', k], item));
        }
      });
    });
    for (const field of ['initContainers', 'containers']) {
      arr(spec[field]).forEach((c: any, i: number) => this.container(obj, [...segs, field, i], c, field === 'initContainers'));
    }
  }

  keyToPath(obj: any, segs: Seg[], item: any): void {
    const p = item?.path;
    if (typeof p !== 'string' || p === '') this.err(obj, [...segs, 'path'], 'volumes', 'path is required');
    else if (p.startsWith('/') || p.split('/').includes('..')) this.err(obj, [...segs, 'path'], 'volumes', `${q(p)} must be a relative path without '..'`);
    if (typeof item?.key !== 'string' || item.key === '') this.err(obj, [...segs, 'key'], 'volumes', 'key is required');
    if (item?.mode !== undefined && !(Number.isInteger(item.mode) && item.mode >= 0 && item.mode <= 0o777)) this.err(obj, [...segs, 'mode'], 'volumes', `mode ${item.mode} must be 0-0777 (octal)`);
  }

  container(obj: any, segs: Seg[], c: any, init: boolean): void {
    if (!isObj(c)) return;
    const names = new Set<string>();
    arr(c.ports).forEach((p: any, i: number) => {
      const pp = [...segs, 'ports', i];
      if (p?.name !== undefined && p.name !== '') {
        if (!isPortName(p.name)) this.err(obj, [...pp, 'name'], 'container-ports', `port name ${q(p.name)} is not a valid IANA_SVC_NAME (<= 15 chars of [a-z0-9-], at least one letter)`);
        else if (names.has(p.name)) this.err(obj, [...pp, 'name'], 'container-ports', `duplicate port name ${q(p.name)}`);
        names.add(p.name);
      }
      if (!isPortNum(p?.containerPort)) this.err(obj, [...pp, 'containerPort'], 'container-ports', `port ${q(p?.containerPort)} must be between 1 and 65535`);
    });
    arr(c.env).forEach((e: any, i: number) => {
      if (typeof e?.name !== 'string' || !ENV_VAR_NAME.test(e.name)) {
        this.err(obj, [...segs, 'env', i, 'name'], 'env', `env var name ${q(e?.name)} must consist of alphabetic characters, digits, '_', '-' or '.' and must not start with a digit`);
      }
    });
    const requests = isObj(c.resources?.requests) ? c.resources.requests : {};
    const limits = isObj(c.resources?.limits) ? c.resources.limits : {};
    for (const [kind, map] of [['requests', requests], ['limits', limits]] as const) {
      for (const [res, v] of Object.entries(map)) {
        const n = parseQuantity(v);
        if (n === undefined || n < 0) this.err(obj, [...segs, 'resources', kind, res], 'resources', `${q(v)} is not a non-negative quantity`);
      }
    }
    for (const [res, v] of Object.entries(requests)) {
      const r = parseQuantity(v);
      const l = parseQuantity(limits[res]);
      if (r !== undefined && l !== undefined && r > l) {
        this.err(obj, [...segs, 'resources', 'requests', res], 'resources', `request ${q(v)} must be less than or equal to ${res} limit ${q(limits[res])}`);
      }
    }
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const p = c[probe];
      if (!isObj(p)) continue;
      const pp = [...segs, probe];
      if (init && c.restartPolicy !== 'Always') this.err(obj, pp, 'probe', 'may not be set for init containers without restartPolicy=Always');
      const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter(h => p[h] !== undefined);
      if (handlers.length !== 1) this.err(obj, pp, 'probe', `must specify exactly one handler type (got ${handlers.length})`);
      for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
        if (p[f] !== undefined && !(Number.isInteger(p[f]) && p[f] >= 0)) this.err(obj, [...pp, f], 'probe', `${f} must be a non-negative integer`);
      }
      if (probe !== 'readinessProbe' && p.successThreshold !== undefined && p.successThreshold !== 1) {
        this.err(obj, [...pp, 'successThreshold'], 'probe', 'must be 1');
      }
      const port = p.httpGet?.port ?? p.tcpSocket?.port;
      if (port !== undefined && !(typeof port === 'string' ? isPortName(port) : isPortNum(port))) this.err(obj, pp, 'probe', `port ${q(port)} is not a port number or name`);
    }
  }

  object(obj: any): void {
    if (!isObj(obj) || typeof obj.kind !== 'string') return;
    this.meta(obj, ['metadata'], true);
    const tpl = POD_TEMPLATE_PATHS[obj.kind];
    if (tpl) {
      this.meta(obj, [...tpl, 'metadata'], false);
      this.podSpec(obj, [...tpl, 'spec']);
    }
    if (obj.kind === 'Pod') this.podSpec(obj, ['spec']);
    const name: string = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
    const spec = isObj(obj.spec) ? obj.spec : {};
    switch (obj.kind) {
      case 'Job':
        if (name.length > 63) this.err(obj, ['metadata', 'name'], 'job-name', `${q(name)} is ${name.length} chars: the label batch.kubernetes.io/job-name takes it, so it must be <= 63`);
        break;
      case 'CronJob': {
        if (name.length > 52) this.err(obj, ['metadata', 'name'], 'cronjob-name', `${q(name)} is ${name.length} chars, must be no more than 52`);
        const problem = typeof spec.schedule === 'string' ? cronProblem(spec.schedule) : 'schedule is required';
        if (problem) this.err(obj, ['spec', 'schedule'], 'cronjob-schedule', `${q(spec.schedule)}: ${problem}`);
        break;
      }
      case 'StatefulSet': {
        if (name.length > 52) this.err(obj, ['metadata', 'name'], 'statefulset-name', `${q(name)} is ${name.length} chars: its pods' controller-revision-hash label (<name>-<hash>) would pass 63, keep it <= 52`);
        arr(spec.volumeClaimTemplates).forEach((t: any, i: number) => this.pvcSpec(obj, ['spec', 'volumeClaimTemplates', i, 'spec'], t?.spec));
        if (typeof spec.serviceName === 'string' && spec.serviceName !== '') {
          const svc = this.objects.find(o => o?.kind === 'Service' && o.metadata?.name === spec.serviceName && (o.metadata?.namespace ?? '') === (obj.metadata?.namespace ?? ''));
          if (svc && svc.spec?.clusterIP !== 'None') {
            this.err(obj, ['spec', 'serviceName'], 'statefulset-service', `Service ${q(spec.serviceName)} is not headless (clusterIP: None): the pods get no stable DNS names`);
          }
        }
        break;
      }
      case 'PersistentVolumeClaim':
        this.pvcSpec(obj, ['spec'], spec);
        break;
      case 'Service': this.service(obj, spec); break;
      case 'Role':
        arr(obj.rules).forEach((r: any, i: number) => {
          const rp = ['rules', i];
          if (arr(r?.verbs).length === 0) this.err(obj, [...rp, 'verbs'], 'policy-rule', 'verbs must contain at least one value');
          if (arr(r?.nonResourceURLs).length > 0) this.err(obj, [...rp, 'nonResourceURLs'], 'policy-rule', 'namespaced rules cannot apply to non-resource URLs');
          if (arr(r?.resources).length > 0 && r?.apiGroups === undefined) this.err(obj, [...rp, 'apiGroups'], 'policy-rule', 'resource rules must supply at least one api group');
          if (arr(r?.resources).length === 0 && arr(r?.nonResourceURLs).length === 0) this.err(obj, [...rp, 'resources'], 'policy-rule', 'rules must cover resources or nonResourceURLs');
        });
        break;
      case 'NetworkPolicy': this.networkPolicy(obj, spec); break;
      case 'PodDisruptionBudget':
        if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) this.err(obj, ['spec'], 'pdb', 'minAvailable and maxUnavailable cannot be both set');
        for (const f of ['minAvailable', 'maxUnavailable']) {
          const v = spec[f];
          if (v === undefined) continue;
          const ok = typeof v === 'number' ? Number.isInteger(v) && v >= 0 : /^\d+%$/.test(v) && Number(v.slice(0, -1)) <= 100;
          if (!ok) this.err(obj, ['spec', f], 'pdb', `${q(v)} must be a non-negative integer or a percentage <= 100%`);
        }
        this.labels(obj, ['spec', 'selector', 'matchLabels'], spec.selector?.matchLabels);
        break;
      case 'Ingress':
        arr(spec.rules).forEach((r: any, i: number) => arr(r?.http?.paths).forEach((p: any, j: number) => {
          const pp = ['spec', 'rules', i, 'http', 'paths', j];
          if (!['Exact', 'Prefix', 'ImplementationSpecific'].includes(p?.pathType)) this.err(obj, [...pp, 'pathType'], 'ingress-path', `pathType ${q(p?.pathType)} must be Exact, Prefix or ImplementationSpecific`);
          else if (p.pathType !== 'ImplementationSpecific' && !(typeof p.path === 'string' && p.path.startsWith('/'))) this.err(obj, [...pp, 'path'], 'ingress-path', `path ${q(p.path)} must be an absolute path`);
        }));
        break;
      default:
        break;
    }
    if (isObj(spec.selector?.matchLabels) && obj.kind !== 'PodDisruptionBudget') this.labels(obj, ['spec', 'selector', 'matchLabels'], spec.selector.matchLabels);
  }

  pvcSpec(obj: any, segs: Seg[], spec: any): void {
    const v = spec?.resources?.requests?.storage;
    const n = parseQuantity(v);
    if (v === undefined) this.err(obj, [...segs, 'resources', 'requests', 'storage'], 'pvc-size', 'storage request is required');
    else if (n === undefined || n <= 0) this.err(obj, [...segs, 'resources', 'requests', 'storage'], 'pvc-size', `${q(v)} must be greater than zero`);
  }

  service(obj: any, spec: any): void {
    const ports = arr(spec.ports);
    if (ports.length === 0 && spec.clusterIP !== 'None' && spec.type !== 'ExternalName') this.err(obj, ['spec', 'ports'], 'service', 'ports are required unless the Service is headless');
    const names = new Set<string>();
    ports.forEach((p: any, i: number) => {
      const pp = ['spec', 'ports', i];
      if (ports.length > 1 && (typeof p?.name !== 'string' || p.name === '')) this.err(obj, [...pp, 'name'], 'service', 'every port must be named when there are several');
      if (typeof p?.name === 'string' && p.name !== '') {
        if (!isPortName(p.name)) this.err(obj, [...pp, 'name'], 'service', `port name ${q(p.name)} is not a valid IANA_SVC_NAME`);
        if (names.has(p.name)) this.err(obj, [...pp, 'name'], 'service', `duplicate port name ${q(p.name)}`);
        names.add(p.name);
      }
      if (!isPortNum(p?.port)) this.err(obj, [...pp, 'port'], 'service', `port ${q(p?.port)} must be between 1 and 65535`);
      const t = p?.targetPort;
      if (t !== undefined && !(typeof t === 'string' ? isPortName(t) : isPortNum(t))) this.err(obj, [...pp, 'targetPort'], 'service', `targetPort ${q(t)} must be a port number or a valid port name`);
    });
    this.labels(obj, ['spec', 'selector'], spec.selector);
  }

  networkPolicy(obj: any, spec: any): void {
    this.labels(obj, ['spec', 'podSelector', 'matchLabels'], spec.podSelector?.matchLabels);
    arr(spec.policyTypes).forEach((t: any, i: number) => {
      if (t !== 'Ingress' && t !== 'Egress') this.err(obj, ['spec', 'policyTypes', i], 'network-policy', `policyType ${q(t)} must be Ingress or Egress`);
    });
    for (const [dir, peersField] of [['ingress', 'from'], ['egress', 'to']] as const) {
      arr(spec[dir]).forEach((rule: any, i: number) => {
        arr(rule?.ports).forEach((p: any, j: number) => {
          const pp = ['spec', dir, i, 'ports', j];
          if (p?.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) this.err(obj, [...pp, 'protocol'], 'network-policy', `protocol ${q(p.protocol)} must be TCP, UDP or SCTP`);
          if (p?.port !== undefined && !(typeof p.port === 'string' ? isPortName(p.port) : isPortNum(p.port))) this.err(obj, [...pp, 'port'], 'network-policy', `port ${q(p.port)} must be a port number or a valid port name`);
          if (p?.endPort !== undefined && !(typeof p.port === 'number' && isPortNum(p.endPort) && p.endPort >= p.port)) this.err(obj, [...pp, 'endPort'], 'network-policy', `endPort ${q(p.endPort)} needs a numeric port and must be >= it`);
        });
        arr(rule?.[peersField]).forEach((peer: any, j: number) => {
          const pp = ['spec', dir, i, peersField, j];
          const set = ['podSelector', 'namespaceSelector', 'ipBlock'].filter(f => peer?.[f] !== undefined);
          if (set.length === 0) this.err(obj, pp, 'network-policy', 'must specify a peer');
          if (peer?.ipBlock !== undefined && set.length > 1) this.err(obj, pp, 'network-policy', 'ipBlock may not be combined with other fields');
          this.labels(obj, [...pp, 'podSelector', 'matchLabels'], peer?.podSelector?.matchLabels);
          this.labels(obj, [...pp, 'namespaceSelector', 'matchLabels'], peer?.namespaceSelector?.matchLabels);
          if (peer?.ipBlock) {
            const cidr = parseCidr(peer.ipBlock.cidr);
            if (!cidr) this.err(obj, [...pp, 'ipBlock', 'cidr'], 'network-policy', `${q(peer.ipBlock.cidr)} is not a valid CIDR`);
            arr(peer.ipBlock.except).forEach((e: any, k: number) => {
              const ex = parseCidr(e);
              if (!ex) {this.err(obj, [...pp, 'ipBlock', 'except', k], 'network-policy', `${q(e)} is not a valid CIDR`);} else if (cidr && !(ex.v6 === cidr.v6 && ex.bits >= cidr.bits && ex.prefix.slice(0, cidr.bits) === cidr.prefix.slice(0, cidr.bits))) {
                this.err(obj, [...pp, 'ipBlock', 'except', k], 'network-policy', `${q(e)} must be a strict subset of ${q(peer.ipBlock.cidr)}`);
              }
            });
          }
        });
      });
    }
  }
}

/** A parsed CIDR: the address bits as a '0'/'1' string. IPv4 only is parsed to bits; IPv6 syntax is checked loosely. */
function parseCidr(v: unknown): { v6: boolean; bits: number; prefix: string } | undefined {
  if (typeof v !== 'string') return undefined;
  const m4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  if (m4) {
    const octets = m4.slice(1, 5).map(Number);
    const bits = Number(m4[5]);
    if (octets.some(o => o > 255) || bits > 32) return undefined;
    return { v6: false, bits, prefix: octets.map(o => o.toString(2).padStart(8, '0')).join('') };
  }
  const m6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(v);
  if (m6 && Number(m6[2]) <= 128 && m6[1].includes(':')) return { v6: true, bits: Number(m6[2]), prefix: '' };
  return undefined;
}

/** The value at `segs` under `root`, or undefined. */
export function get(root: any, segs: readonly Seg[]): any {
  let cur = root;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[s as any];
  }
  return cur;
}

/** Every API-server rule (and the named controller/DNS rules) broken by `objects`; [] when all hold. */
export function checkApiRules(objects: any[]): ApiRuleViolation[] {
  const c = new Checker(objects);
  for (const obj of objects) c.object(obj);
  return c.out;
}

/** One line per violation: `Deployment/web: spec.x: message [rule]`. */
export function describeViolations(violations: ApiRuleViolation[]): string[] {
  return violations.map(v => `${v.object}: ${v.field}: ${v.message} [api rule ${v.rule}]`);
}
