/**
 * One pair per rule of test/support/update-rules.ts (an object as first applied, then as applied again), each
 * small but valid, so the rule mirror (test/support/update-rules.test.ts) and the real API server
 * (test/real/update-rules.test.ts) judge the same pairs. `refused` pairs must fail, the others must pass.
 */
export interface UpdateRuleCase {
  readonly name: string;
  readonly before: any;
  readonly after: any;
  /** The field the mirror names; undefined for a pair that must pass. */
  readonly field?: string;
  /** What the real API server answers (its message), for refused pairs. */
  readonly server?: RegExp;
  /**
   * Why the real server in the tests judges differently from a real cluster, if it does (the mirror follows the
   * cluster). Such pairs are left out of the agreement test.
   */
  readonly serverDiffers?: string;
}

const LABELS = { app: 'rule-case' };

/** A pod template that Pod Security `restricted` admits. */
function podTemplate(image = 'registry.example/app:1.0', extra: Record<string, unknown> = {}): any {
  return {
    metadata: { labels: { ...LABELS } },
    spec: {
      restartPolicy: 'Never',
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'main', image, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, ...extra }],
    },
  };
}

function job(spec: Record<string, unknown> = {}, template = podTemplate()): any {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: { backoffLimit: 1, template, ...spec } };
}

function statefulSet(spec: Record<string, unknown> = {}, storage = '1Gi'): any {
  const template = podTemplate();
  template.spec.restartPolicy = 'Always';
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'postgresql' },
    spec: {
      serviceName: 'postgresql',
      replicas: 1,
      selector: { matchLabels: { ...LABELS } },
      template,
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } }],
      ...spec,
    },
  };
}

function deployment(selector: Record<string, string> = LABELS, image?: string): any {
  const template = podTemplate(image);
  template.spec.restartPolicy = 'Always';
  template.metadata.labels = { ...LABELS, tier: 'web' };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'scheduler' }, spec: { replicas: 1, selector: { matchLabels: selector }, template } };
}

function pvc(spec: Record<string, unknown> = {}): any {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'logs' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, ...spec } };
}

function service(spec: Record<string, unknown> = {}): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api-server' }, spec: { selector: { ...LABELS }, ports: [{ name: 'http', port: 8080 }], ...spec } };
}

function roleBinding(role: string): any {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'pod-launcher' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: [{ kind: 'ServiceAccount', name: 'scheduler' }],
  };
}

function storageClass(fields: Record<string, unknown> = {}): any {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'efs' }, provisioner: 'efs.csi.aws.com', parameters: { fileSystemId: 'fs-1' }, ...fields };
}

function secret(type: string | undefined, data: Record<string, string>): any {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, ...(type ? { type } : {}), stringData: data };
}

function configMap(data: Record<string, string>, immutable?: boolean): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config' }, data, ...(immutable === undefined ? {} : { immutable }) };
}

const IMMUTABLE = /field is immutable/;

export const UPDATE_RULE_CASES: UpdateRuleCase[] = [
  { name: 'Job: the pod template changes under the same name', before: job(), after: job({}, podTemplate('registry.example/app:1.0', { env: [{ name: 'X', value: '1' }] })), field: 'spec.template', server: IMMUTABLE },
  { name: 'Job: completions change', before: job({ completions: 1 }), after: job({ completions: 2 }), field: 'spec.completions', server: IMMUTABLE },
  {
    name: 'Job: a manual selector changes',
    before: job({ manualSelector: true, selector: { matchLabels: { ...LABELS } } }, { ...podTemplate(), metadata: { labels: { ...LABELS, tier: 'job' } } }),
    after: job({ manualSelector: true, selector: { matchLabels: { ...LABELS, tier: 'job' } } }, { ...podTemplate(), metadata: { labels: { ...LABELS, tier: 'job' } } }),
    field: 'spec.selector',
    server: IMMUTABLE,
  },
  { name: 'Job: backoffLimit and ttlSecondsAfterFinished change (mutable)', before: job(), after: job({ backoffLimit: 3, ttlSecondsAfterFinished: 600 }) },
  { name: 'Job: applied again unchanged', before: job(), after: job() },
  { name: 'StatefulSet: a volume claim template grows', before: statefulSet(), after: statefulSet({}, '2Gi'), field: 'spec', server: /updates to statefulset spec for fields other than/ },
  { name: 'StatefulSet: serviceName changes', before: statefulSet(), after: statefulSet({ serviceName: 'postgresql-headless' }), field: 'spec', server: /updates to statefulset spec for fields other than/ },
  { name: 'StatefulSet: podManagementPolicy changes', before: statefulSet(), after: statefulSet({ podManagementPolicy: 'Parallel' }), field: 'spec', server: /updates to statefulset spec for fields other than/ },
  { name: 'StatefulSet: podManagementPolicy set to its default (no change)', before: statefulSet(), after: statefulSet({ podManagementPolicy: 'OrderedReady' }) },
  {
    name: 'StatefulSet: replicas, template, updateStrategy, minReadySeconds change (mutable)',
    before: statefulSet(),
    after: (() => {
      const s = statefulSet({ replicas: 2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, minReadySeconds: 5 });
      s.spec.template.spec.containers[0].image = 'registry.example/app:2.0';
      return s;
    })(),
  },
  { name: 'Deployment: the selector changes', before: deployment(), after: deployment({ ...LABELS, tier: 'web' }), field: 'spec.selector', server: IMMUTABLE },
  { name: 'Deployment: the template changes (mutable)', before: deployment(), after: deployment(LABELS, 'registry.example/app:2.0') },
  { name: 'PersistentVolumeClaim: accessModes change', before: pvc(), after: pvc({ accessModes: ['ReadWriteMany'] }), field: 'spec', server: /spec is immutable after creation/ },
  { name: 'PersistentVolumeClaim: storageClassName changes', before: pvc({ storageClassName: 'gp3' }), after: pvc({ storageClassName: 'efs' }), field: 'spec', server: /spec is immutable after creation/ },
  { name: 'PersistentVolumeClaim: storage shrinks', before: pvc(), after: pvc({ resources: { requests: { storage: '1Gi' } } }), field: 'spec.resources.requests.storage', server: /spec is immutable after creation|can not be less than/ },
  {
    name: 'PersistentVolumeClaim: storage grows (allowed for a bound claim)',
    before: pvc(),
    after: pvc({ resources: { requests: { storage: '10Gi' } } }),
    serverDiffers: 'no PV controller runs, so the claim stays Pending, and ValidatePersistentVolumeClaimUpdate lets only a Bound claim change its requests',
  },
  { name: 'Service: becomes headless (clusterIP None) after an IP was allocated', before: service(), after: service({ clusterIP: 'None' }), field: 'spec.clusterIP', server: /may not change once set/ },
  { name: 'Service: ports change (mutable)', before: service(), after: service({ ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9102 }] }) },
  { name: 'RoleBinding: roleRef changes', before: roleBinding('pod-launcher'), after: roleBinding('pod-launcher-v2'), field: 'roleRef', server: /cannot change roleRef/ },
  { name: 'StorageClass: parameters change', before: storageClass(), after: storageClass({ parameters: { fileSystemId: 'fs-2' } }), field: 'parameters', server: /updates to parameters are forbidden/ },
  { name: 'StorageClass: provisioner changes', before: storageClass(), after: storageClass({ provisioner: 'ebs.csi.aws.com' }), field: 'provisioner', server: /updates to provisioner are forbidden/ },
  { name: 'StorageClass: reclaimPolicy changes', before: storageClass(), after: storageClass({ reclaimPolicy: 'Retain' }), field: 'reclaimPolicy', server: /updates to reclaimPolicy are forbidden/ },
  { name: 'StorageClass: volumeBindingMode changes', before: storageClass(), after: storageClass({ volumeBindingMode: 'WaitForFirstConsumer' }), field: 'volumeBindingMode', server: IMMUTABLE },
  { name: 'StorageClass: allowVolumeExpansion changes (mutable)', before: storageClass(), after: storageClass({ allowVolumeExpansion: true }) },
  { name: 'Secret: type changes', before: secret(undefined, { username: 'a', password: 'b' }), after: secret('kubernetes.io/basic-auth', { username: 'a', password: 'b' }), field: 'type', server: IMMUTABLE },
  { name: 'ConfigMap: data of an immutable ConfigMap changes', before: configMap({ a: '1' }, true), after: configMap({ a: '2' }, true), field: 'data', server: /field is immutable when `immutable` is set/ },
  { name: 'ConfigMap: an immutable ConfigMap is made mutable', before: configMap({ a: '1' }, true), after: configMap({ a: '1' }, false), field: 'immutable', server: /field is immutable when `immutable` is set/ },
  { name: 'ConfigMap: data changes (mutable)', before: configMap({ a: '1' }), after: configMap({ a: '2' }) },
];
