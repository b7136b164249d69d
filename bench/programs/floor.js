// The floor: a hand-written cdk8s-plus-28 program with the same number and kinds of objects as the library's
// output, NOT using the library. `node floor.js <manifests.json> <count> <outdir>` reads one deployment's manifests
// (written by `airflow.js ... dump`) as the data a user would have typed, builds <count> charts of them the way one
// writes cdk8s-plus by hand (workloads with containers, env, ports, mounts and volumes; Services, ConfigMaps,
// Secrets, ServiceAccounts as cdk8s-plus constructs; kinds cdk8s-plus lacks as ApiObjects), synthesizes with
// App.synth() and prints its figures as JSON.
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

function build(chart, m, i) {
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
      return service;
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
  manifests.forEach((m, i) => build(chart, m, i));
}
app.synth();
const cpu = process.cpuUsage();
console.log(JSON.stringify({ ms: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
