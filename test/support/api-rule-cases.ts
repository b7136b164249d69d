/**
 * One valid object set and one bad object per rule of test/support/api-rules.ts, shared by the mirror's own test
 * (test/support/api-rules.test.ts) and the real API server's (test/real/api-rules.test.ts).
 */
import { ApiRuleId } from './api-rules';

const SC = {
  runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
};
const LABELS = { 'app.kubernetes.io/name': 'demo' };

function podTemplate(): any {
  return {
    metadata: { labels: { ...LABELS }, annotations: { 'example.com/note': 'ok' } },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      containers: [{
        name: 'main',
        image: 'busybox:1.36',
        securityContext: SC,
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [{ name: 'AIRFLOW__CORE__LOAD_EXAMPLES', value: 'False' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10 },
        livenessProbe: { tcpSocket: { port: 8080 }, successThreshold: 1 },
        volumeMounts: [{ name: 'config', mountPath: '/config' }],
      }],
      volumes: [{ name: 'config', configMap: { name: 'demo', items: [{ key: 'a', path: 'a.cfg', mode: 0o444 }] } }],
    },
  };
}

/** A valid set of every kind the rules cover: the mirror finds nothing and the real server accepts all of it. */
export function goodObjects(): any[] {
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo', labels: { ...LABELS } }, data: { a: 'x' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'demo', labels: { ...LABELS } }, spec: { selector: { matchLabels: { ...LABELS } }, template: podTemplate() } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'demo' }, spec: { selector: { ...LABELS }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9102 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db-headless' }, spec: { clusterIP: 'None', selector: { 'app.kubernetes.io/name': 'db' }, ports: [{ name: 'pg', port: 5432 }] } },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db-headless',
        selector: { matchLabels: { 'app.kubernetes.io/name': 'db' } },
        template: { ...podTemplate(), metadata: { labels: { 'app.kubernetes.io/name': 'db' } } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: { template: { ...podTemplate(), spec: { ...podTemplate().spec, restartPolicy: 'Never' } } } },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cleanup' },
      spec: { schedule: '*/15 2-4 1,15 jan-jun mon-fri', jobTemplate: { spec: { template: { ...podTemplate(), spec: { ...podTemplate().spec, restartPolicy: 'Never' } } } } },
    },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'logs' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '10Gi' } } } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'demo' },
      spec: {
        podSelector: { matchLabels: { ...LABELS } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { ...LABELS } }, namespaceSelector: { matchLabels: { team: 'data' } } }], ports: [{ port: 'http' }] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 5432, endPort: 5433 }] }],
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'demo' }, spec: { maxUnavailable: 1, selector: { matchLabels: { ...LABELS } } } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'demo' },
      spec: { rules: [{ host: 'airflow.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'demo', port: { name: 'http' } } } }] } }] },
    },
  ];
}

/** One bad object for a rule: how to break the good set, and what the real server says (`server: undefined`: it accepts). */
export interface ApiRuleCase {
  readonly rule: ApiRuleId;
  readonly title: string;
  /** kind/name of the object to break in goodObjects() */
  readonly target: string;
  readonly breakIt: (obj: any) => void;
  /** a fragment of the real API server's refusal; undefined for rules the server does not enforce */
  readonly server?: RegExp;
  /** what the real server is given when the broken object cannot be sent as is (default: the broken object) */
  readonly serverObject?: (broken: any) => any;
}

const c0 = (o: any) => (o.spec.template ?? o.spec.jobTemplate.spec.template).spec.containers[0];

export const API_RULE_CASES: ApiRuleCase[] = [
  { rule: 'object-name', title: 'a ConfigMap name with an uppercase letter', target: 'ConfigMap/demo', breakIt: o => { o.metadata.name = 'Demo_Config'; }, server: /a lowercase RFC 1123 subdomain/ },
  { rule: 'object-name', title: 'a Service name starting with a digit (DNS-1035)', target: 'Service/demo', breakIt: o => { o.metadata.name = '1demo'; }, server: /a DNS-1035 label must consist of/ },
  {
    rule: 'namespace',
    title: 'a namespace like Airflow_Prod',
    target: 'ConfigMap/demo',
    breakIt: o => { o.metadata.namespace = 'Airflow_Prod'; },
    server: /Airflow_Prod.*RFC 1123 label/,
    // a request into namespace Airflow_Prod only meets a 404; the namespace itself is what the server refuses
    serverObject: o => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.metadata.namespace } }),
  },
  { rule: 'labels', title: 'a label key with a space', target: 'ConfigMap/demo', breakIt: o => { o.metadata.labels['team name'] = 'x'; }, server: /team name/ },
  { rule: 'labels', title: 'a label value with a space', target: 'Deployment/demo', breakIt: o => { o.metadata.labels.tier = 'back end'; }, server: /back end/ },
  { rule: 'annotations', title: 'an annotation key with a space', target: 'Deployment/demo', breakIt: o => { o.spec.template.metadata.annotations['my note'] = 'x'; }, server: /my note/ },
  { rule: 'container-ports', title: 'container port 70000', target: 'Deployment/demo', breakIt: o => { c0(o).ports[0].containerPort = 70000; }, server: /containerPort: Invalid value: 70000/ },
  { rule: 'container-ports', title: 'a port name over 15 characters', target: 'Deployment/demo', breakIt: o => { c0(o).ports[0].name = 'a-very-long-port-name'; o.spec.template.spec.containers[0].readinessProbe.httpGet.port = 8080; }, server: /must be no more than 15 characters/ },
  { rule: 'env', title: 'an env var name with a space (refused by 1.28, accepted by 1.33)', target: 'Deployment/demo', breakIt: o => { c0(o).env[0].name = 'MY VAR'; } },
  { rule: 'resources', title: 'a memory request above its limit', target: 'Deployment/demo', breakIt: o => { c0(o).resources.requests.memory = '2Gi'; }, server: /must be less than or equal to memory limit/ },
  { rule: 'resources', title: 'a cpu request above its limit', target: 'CronJob/cleanup', breakIt: o => { c0(o).resources.requests.cpu = '1500m'; }, server: /must be less than or equal to cpu limit/ },
  { rule: 'probe', title: 'a liveness probe with successThreshold 2', target: 'Deployment/demo', breakIt: o => { c0(o).livenessProbe.successThreshold = 2; }, server: /successThreshold: Invalid value: 2: must be 1/ },
  { rule: 'probe', title: 'a probe with two handlers', target: 'Deployment/demo', breakIt: o => { c0(o).readinessProbe.tcpSocket = { port: 8080 }; }, server: /may not specify more than 1 handler type/ },
  { rule: 'volumes', title: 'a configMap item path with ".."', target: 'Deployment/demo', breakIt: o => { o.spec.template.spec.volumes[0].configMap.items[0].path = '../a.cfg'; }, server: /must not contain '\.\.'/ },
  { rule: 'volumes', title: 'a volume name with an underscore', target: 'Deployment/demo', breakIt: o => { o.spec.template.spec.volumes[0].name = 'my_config'; c0(o).volumeMounts[0].name = 'my_config'; }, server: /my_config/ },
  { rule: 'node-selector', title: 'a nodeSelector value that is not a label value', target: 'Deployment/demo', breakIt: o => { o.spec.template.spec.nodeSelector['kubernetes.io/os'] = 'linux amd64'; }, server: /nodeSelector: Invalid value: "linux amd64"/ },
  { rule: 'priority-class', title: 'a priorityClassName with an uppercase letter', target: 'Deployment/demo', breakIt: o => { o.spec.template.spec.priorityClassName = 'High_Priority'; }, server: /priorityClassName: Invalid value: "High_Priority"/ },
  { rule: 'job-name', title: 'a Job name of 64 characters', target: 'Job/migrate', breakIt: o => { o.metadata.name = 'j'.repeat(64); }, server: /must be no more than 63 characters/ },
  { rule: 'cronjob-name', title: 'a CronJob name of 53 characters', target: 'CronJob/cleanup', breakIt: o => { o.metadata.name = 'c'.repeat(53); }, server: /must be no more than 52 characters/ },
  { rule: 'cronjob-schedule', title: 'minute 61', target: 'CronJob/cleanup', breakIt: o => { o.spec.schedule = '61 * * * *'; }, server: /schedule: Invalid value: "61 \* \* \* \*"/ },
  { rule: 'cronjob-schedule', title: 'hour 25', target: 'CronJob/cleanup', breakIt: o => { o.spec.schedule = '0 25 * * *'; }, server: /schedule: Invalid value/ },
  { rule: 'cronjob-schedule', title: 'weekday 8', target: 'CronJob/cleanup', breakIt: o => { o.spec.schedule = '0 3 * * 8'; }, server: /schedule: Invalid value/ },
  { rule: 'cronjob-schedule', title: 'a step of 0', target: 'CronJob/cleanup', breakIt: o => { o.spec.schedule = '*/0 * * * *'; }, server: /schedule: Invalid value/ },
  { rule: 'statefulset-name', title: 'a StatefulSet name of 53 characters (a controller rule: the server accepts it)', target: 'StatefulSet/db', breakIt: o => { o.metadata.name = 's'.repeat(53); } },
  { rule: 'statefulset-service', title: 'serviceName pointing at a ClusterIP Service (a DNS rule: the server accepts it)', target: 'StatefulSet/db', breakIt: o => { o.spec.serviceName = 'demo'; } },
  { rule: 'service', title: 'two unnamed Service ports', target: 'Service/demo', breakIt: o => { delete o.spec.ports[1].name; }, server: /spec\.ports\[1\]\.name: Required value/ },
  { rule: 'service', title: 'a Service targetPort name over 15 characters', target: 'Service/demo', breakIt: o => { o.spec.ports[0].targetPort = 'a-very-long-port-name'; }, server: /targetPort: Invalid value/ },
  { rule: 'policy-rule', title: 'a Role rule with no verbs', target: 'Role/pods', breakIt: o => { o.rules[0].verbs = []; }, server: /verbs: Required value/ },
  { rule: 'policy-rule', title: 'a Role rule with resources and no apiGroups', target: 'Role/pods', breakIt: o => { delete o.rules[0].apiGroups; }, server: /apiGroups: Required value/ },
  { rule: 'network-policy', title: 'an ipBlock except outside its cidr', target: 'NetworkPolicy/demo', breakIt: o => { o.spec.egress[0].to[0].ipBlock.except = ['192.168.0.0/16']; }, server: /must be a strict subset of `cidr`/ },
  { rule: 'network-policy', title: 'ipBlock together with a podSelector', target: 'NetworkPolicy/demo', breakIt: o => { o.spec.egress[0].to[0].podSelector = {}; }, server: /may not specify both ipBlock and another peer/ },
  { rule: 'labels', title: 'a NetworkPolicy peer namespaceSelector label value with a space (podsInNamespace)', target: 'NetworkPolicy/demo', breakIt: o => { o.spec.ingress[0].from[0].namespaceSelector.matchLabels.team = 'data team'; }, server: /data team/ },
  { rule: 'pdb', title: 'minAvailable and maxUnavailable together', target: 'PodDisruptionBudget/demo', breakIt: o => { o.spec.minAvailable = 1; }, server: /minAvailable and maxUnavailable cannot be both set/ },
  { rule: 'ingress-path', title: 'an Ingress path without pathType', target: 'Ingress/demo', breakIt: o => { delete o.spec.rules[0].http.paths[0].pathType; }, server: /pathType: Required value/ },
  { rule: 'pvc-size', title: 'a PersistentVolumeClaim of size 0', target: 'PersistentVolumeClaim/logs', breakIt: o => { o.spec.resources.requests.storage = '0'; }, server: /must be greater than zero/ },
];

/** goodObjects() with the case's target broken; returns the set and the broken object. */
export function brokenSet(c: ApiRuleCase): { objects: any[]; broken: any } {
  const objects = goodObjects();
  const broken = objects.find(o => `${o.kind}/${o.metadata.name}` === c.target);
  if (!broken) throw new Error(`no ${c.target} in goodObjects()`);
  c.breakIt(broken);
  return { objects, broken };
}
