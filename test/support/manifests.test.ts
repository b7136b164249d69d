import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import * as YAML from 'yaml';
import {
  checkPodSecurityRestricted,
  checkReferences,
  embeddedPods,
  expectValidManifests,
  makeStrict,
  podSpecsOf,
  ReferenceOptions,
  validateSchemas,
} from './manifests';

// ---------------------------------------------------------------------------
// hand-written manifests that pass every check
// ---------------------------------------------------------------------------

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

const CONTAINER_SC = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function container(name = 'app', extra: Record<string, any> = {}): any {
  return { name, image: 'busybox:1.36', securityContext: clone(CONTAINER_SC), ...extra };
}

function podSpec(extra: Record<string, any> = {}): any {
  return {
    serviceAccountName: 'app',
    securityContext: { runAsNonRoot: true, runAsUser: 50000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [container()],
    ...extra,
  };
}

function deployment(name = 'web', spec: Record<string, any> = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { 'app.kubernetes.io/name': name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: podSpec(spec) },
    },
  };
}

const sa = (name = 'app'): any => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
const secret = (name: string, data?: Record<string, string>): any => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...(data ? { stringData: data } : {}) });
const configMap = (name: string, data: Record<string, string> = {}): any => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

function service(name: string, selector: Record<string, string>, targetPort: string | number = 'http'): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { app: name } },
    spec: { selector, ports: [{ name: 'http', port: 80, targetPort }] },
  };
}

const POD_TEMPLATE_YAML = (extra = ''): string => `apiVersion: v1
kind: Pod
metadata:
  name: placeholder-name
  labels:
    component: worker
spec:
  serviceAccountName: app
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: base
      image: apache/airflow:3.0.2
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]${extra}
      volumeMounts:
        - name: config
          mountPath: /opt/airflow/airflow.cfg
          subPath: airflow.cfg
  volumes:
    - name: config
      configMap:
        name: airflow-config
`;

/** expect one error containing every given fragment */
function expectError(errors: string[], ...fragments: string[]): void {
  expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(fragments.map(escape).join('.*')))]));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const validSchemas = (objs: any[]) => ({ v1_28: validateSchemas(objs, '1.28'), v1_33: validateSchemas(objs, '1.33') });
const refs = (objs: any[], options?: ReferenceOptions) => checkReferences(objs, options);

// ---------------------------------------------------------------------------

describe('validateSchemas', () => {
  test('a valid Deployment passes 1.28 and 1.33', () => {
    expect(validSchemas([deployment(), sa()])).toEqual({ v1_28: [], v1_33: [] });
  });

  test('unknown field is rejected in 1.28 and 1.33', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagePullPolcy = 'Always';
    for (const v of ['1.28', '1.33'] as const) {
      expectError(validateSchemas([d], v), 'Deployment/web: spec.template.spec.containers[0].imagePullPolcy: unknown field', `[k8s ${v} schema]`);
    }
  });

  test('unknown top-level and metadata fields are rejected', () => {
    const d: any = deployment();
    d.metadata.label = { a: 'b' };
    d.extra = true;
    const errors = validateSchemas([d], '1.28');
    expectError(errors, 'Deployment/web: metadata.label: unknown field');
    expectError(errors, 'Deployment/web: extra: unknown field');
  });

  test('a field that exists only in 1.33 (PodSpec.resources) passes 1.33 and fails 1.28', () => {
    const d = deployment('web', { resources: { limits: { cpu: '1', memory: '1Gi' } } });
    expect(validateSchemas([d], '1.33')).toEqual([]);
    expectError(validateSchemas([d], '1.28'), 'Deployment/web: spec.template.spec.resources: unknown field', '[k8s 1.28 schema]');
  });

  test('wrong types are rejected; IntOrString and Quantity accept both forms', () => {
    const d = deployment();
    d.spec.replicas = '2';
    d.spec.template.spec.containers[0].ports = [{ containerPort: '8080' }];
    const errors = validateSchemas([d], '1.28');
    expectError(errors, 'Deployment/web: spec.replicas: must be integer (got string "2")');
    expectError(errors, 'spec.template.spec.containers[0].ports[0].containerPort: must be integer');

    const ok = deployment();
    ok.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } };
    ok.spec.template.spec.containers[0].resources = { requests: { cpu: 0.5, memory: '512Mi' } };
    expect(validateSchemas([ok], '1.33')).toEqual([]);
    ok.spec.strategy.rollingUpdate.maxSurge = true;
    expectError(validateSchemas([ok], '1.33'), 'spec.strategy.rollingUpdate.maxSurge: true matches none of the allowed types');
  });

  test('missing required fields are reported (the swagger definitions carry no enums for restartPolicy)', () => {
    const d = deployment();
    delete d.spec.template.spec.containers[0].name;
    d.spec.template.spec.restartPolicy = 'Sometimes';
    const errors = validateSchemas([d], '1.28');
    expectError(errors, 'spec.template.spec.containers[0].name: required field missing');
    // neither 1.28 nor 1.33 definitions list the allowed restartPolicy values: not caught here
    expect(errors.some(e => e.includes('restartPolicy'))).toBe(false);
  });

  test('unknown kinds are errors', () => {
    const errors = validateSchemas([
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
      { apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'old' } },
    ], '1.28');
    expectError(errors, 'Widget/w: (root): unknown kind example.com/v1/Widget');
    expectError(errors, 'Deployment/old: (root): unknown kind extensions/v1beta1/Deployment');
  });

  test('KEDA ScaledObject is validated against its CRD (valid, unknown field, metadata)', () => {
    const so: any = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'worker' },
      spec: {
        scaleTargetRef: { name: 'worker' },
        minReplicaCount: 0,
        maxReplicaCount: 10,
        triggers: [{ type: 'postgresql', metadata: { query: 'SELECT 1', targetQueryValue: '1' }, authenticationRef: { name: 'pg' } }],
      },
    };
    expect(validSchemas([so])).toEqual({ v1_28: [], v1_33: [] });
    const bad = clone(so);
    bad.spec.triggers[0].metdata = bad.spec.triggers[0].metadata;
    delete bad.spec.triggers[0].metadata;
    bad.spec.maxReplicaCount = 'ten';
    bad.metadata.lables = {};
    const errors = validateSchemas([bad], '1.33');
    expectError(errors, 'ScaledObject/worker: spec.triggers[0].metdata: unknown field', '[CRD scaledobjects.keda.sh]');
    expectError(errors, 'ScaledObject/worker: spec.maxReplicaCount: must be integer');
    expectError(errors, 'ScaledObject/worker: metadata.lables: unknown field', '[k8s 1.33 schema]');
    expectError(errors, 'ScaledObject/worker: spec.triggers[0].metadata: required field missing');
  });

  test('ServiceMonitor is validated against its CRD', () => {
    const sm = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm' }, spec: { selector: {}, endpoints: [{ port: 'metrics' }] } };
    expect(validateSchemas([sm], '1.28')).toEqual([]);
    const bad: any = clone(sm);
    bad.spec.endpoints[0].prot = 'x';
    expectError(validateSchemas([bad], '1.28'), 'ServiceMonitor/m: spec.endpoints[0].prot: unknown field');
  });

  test('makeStrict closes objects but respects x-kubernetes-preserve-unknown-fields', () => {
    const strict = makeStrict({
      type: 'object',
      properties: {
        a: { type: 'object', properties: { b: { type: 'string' } } },
        open: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true, 'properties': { c: { type: 'string' } } },
        list: { type: 'array', items: { type: 'object', properties: { d: { type: 'string' } } } },
        map: { type: 'object', additionalProperties: { type: 'object', properties: { e: { type: 'string' } } } },
      },
    });
    expect(strict.additionalProperties).toBe(false);
    expect(strict.properties.a.additionalProperties).toBe(false);
    expect(strict.properties.open.additionalProperties).toBeUndefined();
    expect(strict.properties.list.items.additionalProperties).toBe(false);
    expect(strict.properties.map.additionalProperties.additionalProperties).toBe(false);
  });

  test('Pods embedded in ConfigMaps are validated as core/v1 Pod', () => {
    const cm = configMap('pod-template', { 'pod_template_file.yaml': POD_TEMPLATE_YAML(), 'airflow.cfg': '[core]\nexecutor = KubernetesExecutor\n' });
    expect(validSchemas([cm])).toEqual({ v1_28: [], v1_33: [] });
    const bad = configMap('pod-template', { 'pod_template_file.yaml': POD_TEMPLATE_YAML('\n        runAsNonroot: true') });
    expectError(validateSchemas([bad], '1.28'),
      'ConfigMap/pod-template#pod_template_file.yaml: spec.containers[0].securityContext.runAsNonroot: unknown field', '[k8s 1.28 schema]');
  });

  test('object names: DNS-1123 subdomain, labels for workloads, DNS-1035 for Services, 52 chars for CronJobs', () => {
    expectError(validateSchemas([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }], '1.28'),
      'ConfigMap/Bad_Name: metadata.name: "Bad_Name" is not a valid DNS-1123 subdomain');
    expectError(validateSchemas([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }], '1.28'), 'ConfigMap/<no name>: metadata.name: required');
    expect(validateSchemas([configMap('airflow.config-v1')], '1.28')).toEqual([]);
    expectError(validateSchemas([deployment('web.v1')], '1.28'), 'Deployment/web.v1: metadata.name: "web.v1" is not a valid DNS-1123 label');
    const long = 'a'.repeat(64);
    expectError(validateSchemas([deployment(long)], '1.28'), `Deployment/${long}: metadata.name:`, 'DNS-1123 label');
    expectError(validateSchemas([service('1web', { app: 'web' })], '1.28'), 'Service/1web: metadata.name:', 'DNS-1035');
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c'.repeat(53) },
      spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: podSpec({ restartPolicy: 'Never' }) } } } },
    };
    expectError(validateSchemas([cron], '1.28'), 'CronJob/ccc', 'metadata.name:', 'CronJob names must be <= 52 chars');
    cron.metadata.name = 'c'.repeat(52);
    expect(validateSchemas([cron], '1.28')).toEqual([]);
  });

  test('label keys and values in metadata, pod templates and selectors', () => {
    const d = deployment();
    d.metadata.labels.version = 'v'.repeat(64);
    d.spec.template.metadata.labels.bad = 'has space';
    d.spec.selector.matchLabels['-key'] = 'x';
    const errors = validateSchemas([d], '1.28');
    expectError(errors, 'Deployment/web: metadata.labels.version: invalid label value');
    expectError(errors, 'Deployment/web: spec.template.metadata.labels.bad: invalid label value "has space"');
    expectError(errors, 'Deployment/web: spec.selector.matchLabels["-key"]: invalid label key');
    expectError(validateSchemas([service('web', { app: 'a/b' })], '1.28'), 'Service/web: spec.selector.app: invalid label value "a/b"');
    expect(validateSchemas([service('web', { 'app.kubernetes.io/name': 'airflow_web-1.0' })], '1.28')).toEqual([]);
  });
});

describe('embeddedPods / podSpecsOf', () => {
  test('embeddedPods finds Pods in ConfigMap data and ignores other values', () => {
    const cm = configMap('pt', {
      'pod.yaml': POD_TEMPLATE_YAML(),
      'notpod.yaml': 'kind: Deployment\n',
      'broken.yaml': 'kind: Pod\n  : : [',
      'airflow.cfg': '[core]\n',
    });
    const found = embeddedPods([cm]);
    expect(found.map(f => f.where)).toEqual(['ConfigMap/pt#pod.yaml']);
    expect(found[0].pod.spec.containers[0].name).toBe('base');
  });

  test('podSpecsOf covers every pod-bearing kind', () => {
    const tpl = { metadata: { labels: { a: 'b' } }, spec: podSpec() };
    const objs = [
      deployment(),
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'ss' }, spec: { template: clone(tpl) } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds' }, spec: { template: clone(tpl) } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { template: clone(tpl) } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: { template: clone(tpl) } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron' }, spec: { jobTemplate: { spec: { template: clone(tpl) } } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod' }, spec: podSpec() },
      configMap('pt', { 'pod_template_file.yaml': POD_TEMPLATE_YAML() }),
      sa(),
    ];
    const specs = podSpecsOf(objs);
    expect(specs.map(s => s.where)).toEqual([
      'Deployment/web', 'StatefulSet/ss', 'DaemonSet/ds', 'ReplicaSet/rs', 'Job/job', 'CronJob/cron', 'Pod/pod', 'ConfigMap/pt#pod_template_file.yaml',
    ]);
    expect(specs[5].metadata).toEqual({ labels: { a: 'b' } });
    expect(specs[7].spec.containers[0].name).toBe('base');
  });
});

describe('checkReferences', () => {
  const base = () => [sa(), deployment()];

  test('a consistent set has no errors', () => {
    expect(refs(base())).toEqual([]);
  });

  test('volumeMounts need a volume; StatefulSet volumeClaimTemplates count as volumes', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
    expectError(refs([sa(), d]), 'Deployment/web: spec.template.spec.containers[0].volumeMounts[0].name: container app mounts volume "data" that is not defined');
    d.spec.template.spec.volumes = [{ name: 'data', emptyDir: {} }];
    expect(refs([sa(), d])).toEqual([]);

    const ss: any = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: podSpec({ containers: [container('db', { volumeMounts: [{ name: 'pgdata', mountPath: '/var/lib/pg' }] })] }) },
        volumeClaimTemplates: [{ metadata: { name: 'pgdata' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    const svc = service('db', { app: 'db' }, 5432);
    ss.spec.template.spec.containers[0].ports = [{ containerPort: 5432 }];
    expect(refs([sa(), ss, svc])).toEqual([]);
    ss.spec.volumeClaimTemplates[0].metadata.name = 'other';
    expectError(refs([sa(), ss, svc]), 'StatefulSet/db: spec.template.spec.containers[0].volumeMounts[0].name: container db mounts volume "pgdata"');
  });

  test('volume names and container names are unique in a pod (init + regular together)', () => {
    const d = deployment('web', {
      volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'tmp', emptyDir: {} }],
      initContainers: [container('app')],
    });
    const errors = refs([sa(), d]);
    expectError(errors, 'Deployment/web: spec.template.spec.volumes[1].name: duplicate volume name "tmp"');
    expectError(errors, 'Deployment/web: spec.template.spec.containers[0].name: duplicate container name "app"');
  });

  test('Secret references: volumes, items, projected, secretKeyRef (+key), envFrom, imagePullSecrets', () => {
    const d = deployment('web', {
      volumes: [
        { name: 's', secret: { secretName: 'creds', items: [{ key: 'password', path: 'p' }] } },
        { name: 'p', projected: { sources: [{ secret: { name: 'proj' } }] } },
        { name: 'opt', secret: { secretName: 'maybe', optional: true } },
      ],
      imagePullSecrets: [{ name: 'registry' }],
    });
    d.spec.template.spec.containers[0].env = [
      { name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } },
      { name: 'B', valueFrom: { secretKeyRef: { name: 'missing', key: 'x' } } },
      { name: 'C', valueFrom: { secretKeyRef: { name: 'maybe', key: 'x', optional: true } } },
    ];
    d.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: 'envsecret' } }];
    const all = [sa(), d, secret('creds', { user: 'u', password: 'p' }), secret('proj'), secret('registry'), secret('missing'), secret('envsecret')];
    expect(refs(all)).toEqual([]);

    const errors = refs([sa(), d, secret('creds', { user: 'u' })]);
    expectError(errors, 'Deployment/web: spec.template.spec.volumes[0].secret.items[0].key: key "password" not found in Secret/creds (has: user)');
    expectError(errors, 'Deployment/web: spec.template.spec.volumes[1].projected.sources[0].secret.name: Secret "proj" not found');
    expectError(errors, 'Deployment/web: spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name: Secret "missing" not found');
    expectError(errors, 'Deployment/web: spec.template.spec.containers[0].envFrom[0].secretRef.name: Secret "envsecret" not found');
    expectError(errors, 'Deployment/web: spec.template.spec.imagePullSecrets[0].name: Secret "registry" not found');
    expect(errors.some(e => e.includes('maybe'))).toBe(false);
    expect(errors).toHaveLength(5);

    const keyErrors = refs([sa(), d, secret('creds', { password: 'p' }), secret('proj'), secret('registry'), secret('missing'), secret('envsecret')]);
    expect(keyErrors).toEqual([
      'Deployment/web: spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key: key "user" not found in Secret/creds (has: password)',
    ]);
  });

  test('external and runtime-generated Secrets count as present; generated keys are checked when listed', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].env = [{ name: 'A', valueFrom: { secretKeyRef: { name: 'fernet', key: 'fernet-key' } } }];
    expectError(refs([sa(), d]), 'Secret "fernet" not found (not in the manifests, not generated at run time, not listed as external)');
    expect(refs([sa(), d], { external: { secrets: ['fernet'] } })).toEqual([]);

    const job: any = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'gen', annotations: { 'airflow.cdk8s.io/generates-secrets': 'webserver-secret, fernet' } },
      spec: { template: { spec: podSpec({ restartPolicy: 'OnFailure' }) } },
    };
    expect(refs([sa(), d, job])).toEqual([]);
    job.metadata.annotations['airflow.cdk8s.io/generates-secret-keys'] = 'fernet:key|other,webserver-secret:secret';
    expectError(refs([sa(), d, job]), 'Deployment/web: spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key: key "fernet-key" not among the keys of runtime-generated Secret/fernet');
    job.metadata.annotations['airflow.cdk8s.io/generates-secret-keys'] = 'fernet:fernet-key';
    expect(refs([sa(), d, job])).toEqual([]);
  });

  test('ConfigMap references: volumes (+items), configMapKeyRef (+key), envFrom; optional skipped', () => {
    const d = deployment('web', {
      volumes: [
        { name: 'cfg', configMap: { name: 'airflow-config', items: [{ key: 'airflow.cfg', path: 'airflow.cfg' }] } },
        { name: 'opt', configMap: { name: 'nope', optional: true } },
        { name: 'proj', projected: { sources: [{ configMap: { name: 'extra' } }] } },
      ],
    });
    d.spec.template.spec.containers[0].env = [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'airflow-config', key: 'mode' } } }];
    d.spec.template.spec.containers[0].envFrom = [{ configMapRef: { name: 'env' } }];
    expect(refs([sa(), d, configMap('airflow-config', { 'airflow.cfg': '', 'mode': 'x' }), configMap('env'), configMap('extra')])).toEqual([]);

    const errors = refs([sa(), d, configMap('airflow-config', { other: '' })]);
    expectError(errors, 'Deployment/web: spec.template.spec.volumes[0].configMap.items[0].key: key "airflow.cfg" not found in ConfigMap/airflow-config');
    expectError(errors, 'Deployment/web: spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.key: key "mode" not found in ConfigMap/airflow-config');
    expectError(errors, 'Deployment/web: spec.template.spec.containers[0].envFrom[0].configMapRef.name: ConfigMap "env" not found');
    expectError(errors, 'Deployment/web: spec.template.spec.volumes[2].projected.sources[0].configMap.name: ConfigMap "extra" not found');
    expect(refs([sa(), d], { external: { configMaps: ['airflow-config', 'env', 'extra'] } })).toEqual([]);
  });

  test('ServiceAccount must exist; "default" (explicit or implied) is an error unless external', () => {
    expectError(refs([deployment()]), 'Deployment/web: spec.template.spec.serviceAccountName: ServiceAccount "app" not found');
    expect(refs([deployment()], { external: { serviceAccounts: ['app'] } })).toEqual([]);
    const explicit = deployment('web', { serviceAccountName: 'default' });
    expectError(refs([explicit]), 'Deployment/web: spec.template.spec.serviceAccountName: uses the "default" ServiceAccount');
    const implied = deployment();
    delete implied.spec.template.spec.serviceAccountName;
    expectError(refs([implied]), 'Deployment/web: spec.template.spec.serviceAccountName: not set');
    expect(refs([explicit], { external: { serviceAccounts: ['default'] } })).toEqual([]);
  });

  test('PVC claimName must exist; PVC and claim template storageClassName must exist or be external', () => {
    const d = deployment('web', { volumes: [{ name: 'logs', persistentVolumeClaim: { claimName: 'logs' } }] });
    expectError(refs([sa(), d]), 'Deployment/web: spec.template.spec.volumes[0].persistentVolumeClaim.claimName: PersistentVolumeClaim "logs" not found');
    expect(refs([sa(), d], { external: { persistentVolumeClaims: ['logs'] } })).toEqual([]);
    const pvc: any = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'logs' }, spec: { storageClassName: 'fast' } };
    expectError(refs([sa(), d, pvc]), 'PersistentVolumeClaim/logs: spec.storageClassName: StorageClass "fast" not found');
    expect(refs([sa(), d, pvc], { external: { storageClasses: ['fast'] } })).toEqual([]);
    expect(refs([sa(), d, pvc, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' } }])).toEqual([]);
    pvc.spec.storageClassName = '';
    expect(refs([sa(), d, pvc])).toEqual([]);
  });

  test('priorityClassName must exist or be external (system classes are built in)', () => {
    const d = deployment('web', { priorityClassName: 'airflow-high' });
    expectError(refs([sa(), d]), 'Deployment/web: spec.template.spec.priorityClassName: PriorityClass "airflow-high" not found');
    expect(refs([sa(), d], { external: { priorityClasses: ['airflow-high'] } })).toEqual([]);
    expect(refs([sa(), deployment('web', { priorityClassName: 'system-cluster-critical' })])).toEqual([]);
  });

  test('workload selector must match the template labels; StatefulSet serviceName must exist', () => {
    const d = deployment();
    d.spec.selector.matchLabels = { app: 'other' };
    expectError(refs([sa(), d]), 'Deployment/web: spec.selector: selector {app=other} does not match spec.template.metadata.labels');
    d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] };
    expect(refs([sa(), d])).toEqual([]);
    d.spec.selector = {};
    expectError(refs([sa(), d]), 'Deployment/web: spec.selector: empty selector');

    const ss = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: { serviceName: 'db-headless', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: podSpec() } },
    };
    expectError(refs([sa(), ss]), 'StatefulSet/db: spec.serviceName: Service "db-headless" not found');
    expect(refs([sa(), ss, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db-headless' }, spec: { clusterIP: 'None' } }])).toEqual([]);
  });

  test('Service selector must select a pod template whose containers declare the target port', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports = [{ name: 'http', containerPort: 8080 }];
    expect(refs([sa(), d, service('web', { app: 'web' }, 'http')])).toEqual([]);
    expect(refs([sa(), d, service('web', { app: 'web' }, 8080)])).toEqual([]);
    expectError(refs([sa(), d, service('web', { app: 'nothing' })]), 'Service/web: spec.selector: selector {app=nothing} selects no pod template');
    expectError(refs([sa(), d, service('web', { app: 'web' }, 'api')]), 'Service/web: spec.ports[0].targetPort: named port "api" is not a container port of selected pod template(s) Deployment/web');
    expectError(refs([sa(), d, service('web', { app: 'web' }, 9090)]), 'Service/web: spec.ports[0].targetPort: port 9090 is not a container port');
    const noTarget = service('web', { app: 'web' });
    delete noTarget.spec.ports[0].targetPort;
    expectError(refs([sa(), d, noTarget]), 'Service/web: spec.ports[0].port: port 80 is not a container port');
    // a Service in another namespace does not select the pods
    const otherNs = service('web', { app: 'web' });
    otherNs.metadata.namespace = 'other';
    d.metadata.namespace = 'airflow';
    expectError(refs([sa(), d, otherNs]), 'Service/web: spec.selector: selector {app=web} selects no pod template');
  });

  test('PodDisruptionBudget and NetworkPolicy selectors must select a pod template', () => {
    const pdb = (app: string) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app } } } });
    const np = (app?: string) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np' },
      spec: { podSelector: app ? { matchLabels: { app } } : {}, policyTypes: ['Ingress'] },
    });
    expect(refs([...base(), pdb('web'), np('web'), np()])).toEqual([]);
    expectError(refs([...base(), pdb('gone')]), 'PodDisruptionBudget/pdb: spec.selector: selector {app=gone} selects no pod template');
    expectError(refs([...base(), np('gone')]), 'NetworkPolicy/np: spec.podSelector: selector {app=gone} selects no pod template');
  });

  test('RBAC: namespaced only, Role must exist, subjects must exist, no wildcards', () => {
    const role = (rules: any[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules });
    const binding = (roleKind = 'Role', saName = 'app') => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: 'r' },
      subjects: [{ kind: 'ServiceAccount', name: saName }],
    });
    const goodRole = role([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'create'] }]);
    expect(refs([sa(), goodRole, binding()])).toEqual([]);
    expectError(refs([sa(), binding()]), 'RoleBinding/rb: roleRef.name: Role "r" not found');
    expectError(refs([sa(), goodRole, binding('ClusterRole')]), 'RoleBinding/rb: roleRef.kind: "ClusterRole" refs are not allowed');
    expectError(refs([sa(), goodRole, binding('Role', 'ghost')]), 'RoleBinding/rb: subjects[0].name: ServiceAccount "ghost" not found');
    const errors = refs([role([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])]);
    for (const f of ['verbs', 'resources', 'apiGroups']) expectError(errors, `Role/r: rules[0].${f}: wildcard "*" is not allowed`);
    expectError(refs([{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr' }, rules: [] }]), 'ClusterRole/cr: kind: ClusterRole is not allowed');
    expectError(refs([{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'crb' } }]), 'ClusterRoleBinding/crb: kind: ClusterRoleBinding is not allowed');
  });

  test('Ingress backends need a Service with that port', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports = [{ name: 'http', containerPort: 8080 }];
    const svc = service('web', { app: 'web' });
    const ing = (name: string, port: any) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'ing' },
      spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port } } }] } }] },
    });
    expect(refs([sa(), d, svc, ing('web', { name: 'http' })])).toEqual([]);
    expect(refs([sa(), d, svc, ing('web', { number: 80 })])).toEqual([]);
    expectError(refs([sa(), d, svc, ing('nope', { number: 80 })]), 'Ingress/ing: spec.rules[0].http.paths[0].backend.service.name: Service "nope" not found');
    expectError(refs([sa(), d, svc, ing('web', { number: 8080 })]), 'Ingress/ing: spec.rules[0].http.paths[0].backend.service.port.number: Service/web has no port 8080');
    expectError(refs([sa(), d, svc, ing('web', { name: 'https' })]), 'backend.service.port.name: Service/web has no port named "https"');
  });

  test('HPA and KEDA scale targets, TriggerAuthentication and its Secrets must exist', () => {
    const hpa = (kind: string, name: string) => ({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'hpa' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name }, maxReplicas: 3 },
    });
    expect(refs([...base(), hpa('Deployment', 'web')])).toEqual([]);
    expectError(refs([...base(), hpa('StatefulSet', 'web')]), 'HorizontalPodAutoscaler/hpa: spec.scaleTargetRef: scale target StatefulSet/web not found');

    const so = (target: string, auth = 'pg') => ({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'so' },
      spec: { scaleTargetRef: { name: target }, triggers: [{ type: 'postgresql', metadata: {}, authenticationRef: { name: auth } }] },
    });
    const ta = (secretName: string, key = 'connection') => ({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'TriggerAuthentication',
      metadata: { name: 'pg' },
      spec: { secretTargetRef: [{ parameter: 'connection', name: secretName, key }] },
    });
    const conn = secret('metadata', { connection: 'postgresql://...' });
    expect(refs([...base(), so('web'), ta('metadata'), conn])).toEqual([]);
    expectError(refs([...base(), so('worker'), ta('metadata'), conn]), 'ScaledObject/so: spec.scaleTargetRef: scale target Deployment/worker not found');
    expectError(refs([...base(), so('web', 'other'), ta('metadata'), conn]), 'ScaledObject/so: spec.triggers[0].authenticationRef.name: TriggerAuthentication "other" not found');
    expectError(refs([...base(), so('web'), ta('nosuch'), conn]), 'TriggerAuthentication/pg: spec.secretTargetRef[0].name: Secret "nosuch" not found');
    expectError(refs([...base(), so('web'), ta('metadata', 'conn'), conn]), 'TriggerAuthentication/pg: spec.secretTargetRef[0].key: key "conn" not found in Secret/metadata');
  });

  test('ServiceMonitor must select a Service that has the endpoint port; PodMonitor must select a pod template', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports = [{ name: 'http', containerPort: 8080 }];
    const svc = service('web', { app: 'web' });
    const sm = (app: string, port = 'http') => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'sm' },
      spec: { selector: { matchLabels: { app } }, endpoints: [{ port }] },
    });
    expect(refs([sa(), d, svc, sm('web')])).toEqual([]);
    expectError(refs([sa(), d, svc, sm('statsd')]), 'ServiceMonitor/sm: spec.selector: selector {app=statsd} selects no Service');
    expectError(refs([sa(), d, svc, sm('web', 'metrics')]), 'ServiceMonitor/sm: spec.endpoints[0].port: no selected Service (Service/web) has a port named "metrics"');
    const pm = (app: string) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'pm' },
      spec: { selector: { matchLabels: { app } }, podMetricsEndpoints: [{ port: 'http' }] },
    });
    expect(refs([sa(), d, pm('web')])).toEqual([]);
    expectError(refs([sa(), d, pm('x')]), 'PodMonitor/pm: spec.selector: selector {app=x} selects no pod template');
  });

  test('Pods embedded in ConfigMaps are reference-checked too', () => {
    const cm = configMap('pod-template', { 'pod_template_file.yaml': POD_TEMPLATE_YAML() });
    expect(refs([sa(), cm, configMap('airflow-config')])).toEqual([]);
    const errors = refs([cm]);
    expectError(errors, 'ConfigMap/pod-template#pod_template_file.yaml: spec.volumes[0].configMap.name: ConfigMap "airflow-config" not found');
    expectError(errors, 'ConfigMap/pod-template#pod_template_file.yaml: spec.serviceAccountName: ServiceAccount "app" not found');
    const pod = YAML.parse(POD_TEMPLATE_YAML());
    pod.spec.containers[0].volumeMounts.push({ name: 'logs', mountPath: '/logs' });
    pod.spec.containers[0].envFrom = [{ secretRef: { name: 'airflow-secrets' } }];
    const errors2 = refs([sa(), configMap('airflow-config'), configMap('pt', { 'pod.yaml': YAML.stringify(pod) })]);
    expectError(errors2, 'ConfigMap/pt#pod.yaml: spec.containers[0].volumeMounts[1].name: container base mounts volume "logs"');
    expectError(errors2, 'ConfigMap/pt#pod.yaml: spec.containers[0].envFrom[0].secretRef.name: Secret "airflow-secrets" not found');
  });

  test('objects in another namespace do not satisfy references; objects without namespace do', () => {
    const d = deployment();
    d.metadata.namespace = 'airflow';
    const s = sa();
    s.metadata.namespace = 'other';
    expectError(refs([s, d]), 'Deployment/web: spec.template.spec.serviceAccountName: ServiceAccount "app" not found');
    s.metadata.namespace = 'airflow';
    expect(refs([s, d])).toEqual([]);
    delete s.metadata.namespace;
    expect(refs([s, d])).toEqual([]);
  });
});

describe('checkPodSecurityRestricted', () => {
  const pod = (spec: Record<string, any> = {}, annotations?: Record<string, string>): any => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...(annotations ? { annotations } : {}) },
    spec: podSpec(spec),
  });
  const pss = (o: any) => checkPodSecurityRestricted([o]);
  const withContainer = (sc: Record<string, any>, extra: Record<string, any> = {}) =>
    pod({ containers: [container('app', { securityContext: { ...CONTAINER_SC, ...sc }, ...extra })] });

  test('a restricted-compliant pod passes (pod-level or container-level runAsNonRoot/seccomp)', () => {
    expect(pss(pod())).toEqual([]);
    // container-level settings alone are enough
    expect(pss(pod({ securityContext: {} }))).toEqual([]);
    // pod-level settings alone are enough
    expect(pss(pod({ containers: [container('app', { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } })] }))).toEqual([]);
    expect(pss(pod({ volumes: ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'].map((t, i) => ({ name: `v${i}`, [t]: {} })) }))).toEqual([]);
    expect(pss(pod({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' }, sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }] } }))).toEqual([]);
  });

  const cases: Array<[string, () => any, string]> = [
    ['hostNetwork', () => pod({ hostNetwork: true }), 'Pod/p: spec.hostNetwork: must not be true (baseline: host namespaces)'],
    ['hostPID', () => pod({ hostPID: true }), 'Pod/p: spec.hostPID: must not be true'],
    ['hostIPC', () => pod({ hostIPC: true }), 'Pod/p: spec.hostIPC: must not be true'],
    ['privileged', () => withContainer({ privileged: true }), 'Pod/p: spec.containers[0].securityContext.privileged: container app must not be privileged'],
    ['capability outside baseline', () => withContainer({ capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }),
      'spec.containers[0].securityContext.capabilities.add[0]: container app adds capability "SYS_ADMIN" (baseline'],
    ['capability other than NET_BIND_SERVICE', () => withContainer({ capabilities: { drop: ['ALL'], add: ['CHOWN'] } }),
      'container app adds capability "CHOWN" (restricted: only NET_BIND_SERVICE'],
    ['drop ALL missing', () => withContainer({ capabilities: { drop: ['NET_RAW'] } }), 'spec.containers[0].securityContext.capabilities.drop: container app must drop ALL'],
    ['hostPath volume', () => pod({ volumes: [{ name: 'h', hostPath: { path: '/var' } }] }), 'Pod/p: spec.volumes[0].hostPath: volume "h" uses hostPath (baseline'],
    ['non-restricted volume type', () => pod({ volumes: [{ name: 'n', nfs: { server: 'x', path: '/' } }] }), 'Pod/p: spec.volumes[0].nfs: volume "n" has type nfs (restricted'],
    ['hostPort', () => withContainer({}, { ports: [{ containerPort: 80, hostPort: 80 }] }), 'spec.containers[0].ports[0].hostPort: container app uses hostPort 80'],
    ['SELinux type', () => withContainer({ seLinuxOptions: { type: 'spc_t' } }), 'seLinuxOptions.type: container app SELinux type "spc_t" not allowed'],
    ['SELinux user', () => pod({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, seLinuxOptions: { user: 'root' } } }),
      'Pod/p: spec.securityContext.seLinuxOptions.user: pod must not set SELinux user'],
    ['procMount', () => withContainer({ procMount: 'Unmasked' }), 'securityContext.procMount: container app procMount "Unmasked" not allowed'],
    ['container seccomp Unconfined', () => withContainer({ seccompProfile: { type: 'Unconfined' } }),
      'spec.containers[0].securityContext.seccompProfile.type: container app seccomp profile must not be Unconfined'],
    ['pod seccomp Unconfined', () => pod({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } } }),
      'Pod/p: spec.securityContext.seccompProfile.type: pod seccomp profile "Unconfined" not allowed (baseline'],
    ['no seccomp anywhere', () => pod({ securityContext: { runAsNonRoot: true }, containers: [container('app', { securityContext: { ...CONTAINER_SC, seccompProfile: undefined } })] }),
      'container app has no seccomp profile and the pod sets none'],
    ['AppArmor annotation', () => pod({}, { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' }),
      'Pod/p: metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]: AppArmor profile "unconfined" not allowed'],
    ['AppArmor profile field', () => withContainer({ appArmorProfile: { type: 'Unconfined' } }), 'securityContext.appArmorProfile.type: container app must not be Unconfined'],
    ['unsafe sysctl', () => pod({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }),
      'Pod/p: spec.securityContext.sysctls[0].name: sysctl "kernel.msgmax" is not in the safe set'],
    ['allowPrivilegeEscalation missing', () => withContainer({ allowPrivilegeEscalation: undefined }),
      'spec.containers[0].securityContext.allowPrivilegeEscalation: container app must set allowPrivilegeEscalation: false'],
    ['allowPrivilegeEscalation true', () => withContainer({ allowPrivilegeEscalation: true }), 'container app must set allowPrivilegeEscalation: false'],
    ['runAsNonRoot false on container', () => withContainer({ runAsNonRoot: false }), 'spec.containers[0].securityContext.runAsNonRoot: container app sets runAsNonRoot: false'],
    ['runAsNonRoot nowhere', () => pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [container('app', { securityContext: { ...CONTAINER_SC, runAsNonRoot: undefined } })] }),
      'container app must set runAsNonRoot: true'],
    ['runAsUser 0 on pod', () => pod({ securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } }), 'Pod/p: spec.securityContext.runAsUser: must not be 0'],
    ['runAsUser 0 on container', () => withContainer({ runAsUser: 0 }), 'spec.containers[0].securityContext.runAsUser: container app must not run as UID 0'],
    ['Windows HostProcess', () => withContainer({ windowsOptions: { hostProcess: true } }), 'container app must not be a HostProcess container'],
    ['initContainers are checked', () => pod({ initContainers: [container('init', { securityContext: { ...CONTAINER_SC, privileged: true } })] }),
      'Pod/p: spec.initContainers[0].securityContext.privileged: container init must not be privileged'],
    ['ephemeralContainers are checked', () => pod({ ephemeralContainers: [{ name: 'debug', image: 'busybox' }] }),
      'Pod/p: spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation: container debug must set allowPrivilegeEscalation: false'],
  ];

  test.each(cases)('%s is reported', (_name, make, expected) => {
    const errors = pss(JSON.parse(JSON.stringify(make())));
    expectError(errors, expected);
  });

  test('every pod-bearing kind is checked: CronJob, Deployment and Pods embedded in ConfigMaps', () => {
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cleanup' },
      spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: podSpec({ hostPID: true }) } } } },
    };
    expectError(checkPodSecurityRestricted([cron]), 'CronJob/cleanup: spec.jobTemplate.spec.template.spec.hostPID: must not be true');
    expectError(checkPodSecurityRestricted([deployment('web', { hostIPC: true })]), 'Deployment/web: spec.template.spec.hostIPC: must not be true');
    const cm = configMap('pt', { 'pod.yaml': POD_TEMPLATE_YAML() });
    expect(checkPodSecurityRestricted([cm])).toEqual([]);
    const bad = configMap('pt', { 'pod.yaml': POD_TEMPLATE_YAML().replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true') });
    expectError(checkPodSecurityRestricted([bad]), 'ConfigMap/pt#pod.yaml: spec.containers[0].securityContext.allowPrivilegeEscalation: container base must set allowPrivilegeEscalation: false');
  });
});

describe('expectValidManifests', () => {
  test('passes on a valid set and fails readably on an invalid one', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports = [{ name: 'http', containerPort: 8080 }];
    const objs = [sa(), d, service('web', { app: 'web' })];
    expectValidManifests(objs);
    const bad = clone(objs);
    bad[1].spec.template.spec.containers[0].imagePullPolcy = 'Always';
    bad[1].spec.template.spec.containers[0].securityContext.privileged = true;
    bad[2].spec.ports[0].targetPort = 'api';
    let message = '';
    try {
      expectValidManifests(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('Deployment/web: spec.template.spec.containers[0].imagePullPolcy: unknown field "imagePullPolcy" [k8s 1.28 schema]');
    expect(message).toContain('[k8s 1.33 schema]');
    expect(message).toContain('Service/web: spec.ports[0].targetPort: named port "api"');
    expect(message).toContain('container app must not be privileged');
  });

  test('real cdk8s-plus-28 output: fails until its security context is made restricted, then passes', () => {
    const chart = Testing.chart();
    const account = new kplus.ServiceAccount(chart, 'sa');
    const deploy = new kplus.Deployment(chart, 'web', {
      serviceAccount: account,
      containers: [{ name: 'web', image: 'nginx:1.27', portNumber: 8080 }],
    });
    deploy.exposeViaService({ ports: [{ port: 80, targetPort: 8080 }] });

    const before = Testing.synth(chart);
    const errors = [...validateSchemas(before, '1.28'), ...validateSchemas(before, '1.33'), ...checkReferences(before), ...checkPodSecurityRestricted(before)];
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every(e => /^Deployment\/test-web-[0-9a-f]+: spec\.template\.spec\.containers\[0\]\.securityContext\./.test(e))).toBe(true);
    expectError(errors, 'container web must drop ALL capabilities');
    expectError(errors, 'container web has no seccomp profile');

    ApiObject.of(deploy).addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
    );
    expectValidManifests(Testing.synth(chart));
  });
});
