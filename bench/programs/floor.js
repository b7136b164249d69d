// The floor: a hand-written cdk8s-plus-28 program with the same number and kinds of objects as the library's
// output, NOT using the library. `node floor.js <manifests.json> <count> <outdir>` reads one deployment's manifests
// (written by `airflow.js ... dump`) as the data a user would have typed, builds <count> charts of them the way one
// writes cdk8s-plus by hand (every kind cdk8s-plus-28 has through its construct: workloads (Deployment, StatefulSet,
// Job, CronJob) with containers, env, ports, mounts and volumes; Services, ConfigMaps, Secrets, ServiceAccounts,
// PersistentVolumeClaims, Roles, RoleBindings, NetworkPolicies, Ingresses; the kinds cdk8s-plus lacks (PDBs, CRDs)
// as ApiObjects), synthesizes with App.synth() and prints its figures as JSON.
'use strict';
const { performance } = require('perf_hooks');
const fs = require('fs');
const cdk8s = require('cdk8s');
const kplus = require('cdk8s-plus-28');

const [manifestsFile, countText, outdir] = process.argv.slice(2);
const manifests = JSON.parse(fs.readFileSync(manifestsFile, 'utf-8'));

function metadata(m) {
  return { name: m.metadata.name, labels: m.metadata.labels, annotations: m.metadata.annotations };
}

function volumeOf(scope, id, v) {
  if (v.configMap) return kplus.Volume.fromConfigMap(scope, id, kplus.ConfigMap.fromConfigMapName(scope, `${id}-cm`, v.configMap.name), { name: v.name });
  if (v.secret) return kplus.Volume.fromSecret(scope, id, kplus.Secret.fromSecretName(scope, `${id}-s`, v.secret.secretName), { name: v.name });
  if (v.persistentVolumeClaim) {
    return kplus.Volume.fromPersistentVolumeClaim(scope, id, kplus.PersistentVolumeClaim.fromClaimName(scope, `${id}-pvc`, v.persistentVolumeClaim.claimName), { name: v.name });
  }
  return kplus.Volume.fromEmptyDir(scope, id, v.name);
}

function env(scope, id, e) {
  const from = e.valueFrom?.secretKeyRef;
  if (from) return kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(scope, id, from.name), key: from.key });
  return kplus.EnvValue.fromValue(e.value ?? '');
}

function containerProps(scope, id, c) {
  const envVariables = {};
  (c.env ?? []).forEach((e, i) => { envVariables[e.name] = env(scope, `${id}-env${i}`, e); });
  return {
    name: c.name,
    image: c.image,
    command: c.command,
    args: c.args,
    envVariables,
    ports: (c.ports ?? []).map(p => ({ number: p.containerPort, name: p.name })),
    securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false },
  };
}

function fillPod(scope, id, pod, podSpec) {
  const volumes = {};
  (podSpec.volumes ?? []).forEach((v, i) => { volumes[v.name] = volumeOf(scope, `${id}-vol${i}`, v); });
  const add = (c, i, init) => {
    const props = containerProps(scope, `${id}-c${i}`, c);
    const container = init ? pod.addInitContainer(props) : pod.addContainer(props);
    for (const m of c.volumeMounts ?? []) {
      if (volumes[m.name]) container.mount(m.mountPath, volumes[m.name], { subPath: m.subPath, readOnly: m.readOnly });
    }
  };
  (podSpec.initContainers ?? []).forEach((c, i) => add(c, `i${i}`, true));
  (podSpec.containers ?? []).forEach((c, i) => add(c, i, false));
}

function podProps(spec) {
  return { serviceAccount: undefined, automountServiceAccountToken: spec.automountServiceAccountToken ?? false };
}

/** A NetworkPolicy peer as cdk8s-plus selects it: pods (in some namespaces), namespaces, or an IP block. */
function peerOf(scope, id, peer) {
  if (peer.ipBlock) return kplus.NetworkPolicyIpBlock.ipv4(scope, id, peer.ipBlock.cidr, peer.ipBlock.except);
  const namespaces = peer.namespaceSelector && (Object.keys(peer.namespaceSelector).length === 0
    ? kplus.Namespaces.all(scope, `${id}-ns`)
    : kplus.Namespaces.select(scope, `${id}-ns`, { labels: peer.namespaceSelector.matchLabels }));
  if (!peer.podSelector) return namespaces;
  return kplus.Pods.select(scope, id, { labels: peer.podSelector.matchLabels, namespaces });
}

function trafficOf(scope, id, rules, side) {
  if (rules === undefined) return { default: kplus.NetworkPolicyTrafficDefault.DENY };
  const out = [];
  rules.forEach((r, i) => {
    const ports = (r.ports ?? []).map(p => (p.protocol === 'UDP' ? kplus.NetworkPolicyPort.udp(p.port) : kplus.NetworkPolicyPort.tcp(p.port)));
    (r[side] ?? [{ namespaceSelector: {} }]).forEach((peer, j) => out.push({ peer: peerOf(scope, `${id}-${i}-${j}`, peer), ports }));
  });
  return { default: kplus.NetworkPolicyTrafficDefault.DENY, rules: out };
}

function cron(expression) {
  const [minute, hour, day, month, weekDay] = expression.split(' ');
  return cdk8s.Cron.schedule({ minute, hour, day, month, weekDay });
}

function build(chart, m, i, services) {
  const id = `${m.kind}${i}`;
  switch (m.kind) {
    case 'ConfigMap': return new kplus.ConfigMap(chart, id, { metadata: metadata(m), data: m.data });
    case 'Secret': return new kplus.Secret(chart, id, { metadata: metadata(m), stringData: m.stringData });
    case 'ServiceAccount': return new kplus.ServiceAccount(chart, id, { metadata: metadata(m), automountToken: m.automountServiceAccountToken ?? false });
    case 'Service': {
      const service = new kplus.Service(chart, id, {
        metadata: metadata(m),
        clusterIP: m.spec.clusterIP,
        ports: (m.spec.ports ?? []).map(p => ({ port: p.port, targetPort: typeof p.targetPort === 'number' ? p.targetPort : undefined, name: p.name })),
      });
      for (const [k, v] of Object.entries(m.spec.selector ?? {})) service.selectLabel(k, v);
      services.set(m.metadata.name, service);
      return service;
    }
    case 'StatefulSet': {
      const pod = m.spec.template.spec;
      const set = new kplus.StatefulSet(chart, id, {
        metadata: metadata(m), replicas: m.spec.replicas, podMetadata: m.spec.template.metadata, service: services.get(m.spec.serviceName), ...podProps(pod),
      });
      fillPod(chart, id, set, pod);
      return set;
    }
    case 'CronJob': {
      const pod = m.spec.jobTemplate.spec.template.spec;
      const job = new kplus.CronJob(chart, id, {
        metadata: metadata(m), schedule: cron(m.spec.schedule), suspend: m.spec.suspend, podMetadata: m.spec.jobTemplate.spec.template.metadata,
        successfulJobsRetained: m.spec.successfulJobsHistoryLimit, failedJobsRetained: m.spec.failedJobsHistoryLimit, ...podProps(pod),
      });
      fillPod(chart, id, job, pod);
      return job;
    }
    case 'PersistentVolumeClaim':
      return new kplus.PersistentVolumeClaim(chart, id, {
        metadata: metadata(m),
        accessModes: m.spec.accessModes,
        storage: cdk8s.Size.gibibytes(parseInt(m.spec.resources.requests.storage, 10)),
        storageClassName: m.spec.storageClassName,
      });
    case 'Role': {
      const role = new kplus.Role(chart, id, { metadata: metadata(m) });
      for (const rule of m.rules ?? []) {
        for (const apiGroup of rule.apiGroups ?? ['']) {
          for (const resourceType of rule.resources ?? []) {
            const names = rule.resourceNames ?? [undefined];
            role.allow(rule.verbs, ...names.map(resourceName => ({ apiGroup, resourceType, resourceName })));
          }
        }
      }
      return role;
    }
    case 'RoleBinding': {
      const binding = new kplus.RoleBinding(chart, id, { metadata: metadata(m), role: kplus.Role.fromRoleName(chart, `${id}-role`, m.roleRef.name) });
      (m.subjects ?? []).forEach((s, j) => binding.addSubjects(kplus.ServiceAccount.fromServiceAccountName(chart, `${id}-s${j}`, s.name, { namespaceName: s.namespace })));
      return binding;
    }
    case 'NetworkPolicy':
      return new kplus.NetworkPolicy(chart, id, {
        metadata: metadata(m),
        selector: kplus.Pods.select(chart, `${id}-pods`, { labels: m.spec.podSelector.matchLabels }),
        ingress: trafficOf(chart, `${id}-in`, m.spec.ingress, 'from'),
        egress: trafficOf(chart, `${id}-out`, m.spec.egress, 'to'),
      });
    case 'Ingress': {
      const rules = [];
      for (const rule of m.spec.rules ?? []) {
        for (const p of rule.http.paths) {
          const service = services.get(p.backend.service.name);
          rules.push({ host: rule.host, path: p.path, backend: kplus.IngressBackend.fromService(service, { port: p.backend.service.port.number }) });
        }
      }
      return new kplus.Ingress(chart, id, { metadata: metadata(m), className: m.spec.ingressClassName, rules });
    }
    case 'Deployment': {
      const pod = m.spec.template.spec;
      const d = new kplus.Deployment(chart, id, { metadata: metadata(m), replicas: m.spec.replicas, podMetadata: m.spec.template.metadata, ...podProps(pod) });
      fillPod(chart, id, d, pod);
      return d;
    }
    case 'Job': {
      const pod = m.spec.template.spec;
      const job = new kplus.Job(chart, id, { metadata: metadata(m), backoffLimit: m.spec.backoffLimit, podMetadata: m.spec.template.metadata, ...podProps(pod) });
      fillPod(chart, id, job, pod);
      return job;
    }
    default: return new cdk8s.ApiObject(chart, id, m); // kinds cdk8s-plus lacks or a user writes as plain objects
  }
}

const app = new cdk8s.App({ outdir });
for (let n = 0; n < Number(countText); n++) {
  const chart = new cdk8s.Chart(app, `airflow-${n}`, { namespace: `airflow-${n}` });
  const services = new Map(); // by name: a StatefulSet's headless Service, an Ingress backend
  manifests.forEach((m, i) => build(chart, m, i, services));
}
app.synth();
const cpu = process.cpuUsage();
console.log(JSON.stringify({ ms: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
