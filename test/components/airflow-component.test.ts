import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import {
  AirflowApiServer, AirflowComponent, AirflowComponentOptions, AirflowConfig, AirflowDagProcessor, AirflowPodRecipe, AirflowScheduler,
  AirflowTriggerer, AirflowVersion, AirflowWarnings, AirflowWebserver,
} from '../../src';
import { checkPodSecurityRestricted, expectValidManifests } from '../support/manifests';
import { container, one, podSpec, testChart, errorOf, RESTRICTED_CONTAINER } from '../support/synth';

/** The message of the error `build` throws, to compare it whole. */
type Kind = 'scheduler' | 'triggerer' | 'dag-processor' | 'api-server' | 'webserver';

/** One component of `kind`, alone in a chart, with `options`. */
function component(kind: Kind, options: (chart: ReturnType<typeof testChart>) => AirflowComponentOptions = () => ({})) {
  const chart = testChart();
  const version = kind === 'webserver' ? AirflowVersion.V2_11_0 : AirflowVersion.V3_2_2;
  const config = new AirflowConfig(chart, 'Config', { version });
  const recipe = new AirflowPodRecipe({ config });
  const props = { recipe, ...options(chart) };
  const classes: Record<Kind, () => AirflowComponent> = {
    'scheduler': () => new AirflowScheduler(chart, 'C', props),
    'triggerer': () => new AirflowTriggerer(chart, 'C', props),
    'dag-processor': () => new AirflowDagProcessor(chart, 'C', props),
    'api-server': () => new AirflowApiServer(chart, 'C', props),
    'webserver': () => new AirflowWebserver(chart, 'C', props),
  };
  const built = classes[kind]();
  const manifests = Testing.synth(chart);
  return { chart, component: built, manifests, deployment: one(manifests, 'Deployment') };
}

const KINDS: Kind[] = ['scheduler', 'triggerer', 'dag-processor', 'api-server', 'webserver'];

describe('high availability defaults, on every component', () => {
  test.each(KINDS)('%s: one replica gets the rollout strategy and a PodDisruptionBudget, no spreading', (kind) => {
    const { deployment, manifests, component: c } = component(kind);
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(podSpec(deployment).affinity).toBeUndefined();
    expect(podSpec(deployment).topologySpreadConstraints).toBeUndefined();
    const pdb = one(manifests, 'PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
    expect(c.podDisruptionBudget).toBeDefined();
    expectValidManifests(manifests);
  });

  test.each(KINDS)('%s: 2+ replicas prefer other nodes and spread over zones', (kind) => {
    const { deployment, manifests } = component(kind, () => ({ replicas: 3 }));
    const matchLabels = deployment.spec.selector.matchLabels;
    expect(deployment.spec.replicas).toBe(3);
    expect(podSpec(deployment).affinity).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100, podAffinityTerm: { labelSelector: { matchLabels }, topologyKey: 'kubernetes.io/hostname' },
        }],
      },
    });
    expect(podSpec(deployment).topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels },
    }]);
    expectValidManifests(manifests);
  });

  test('a user affinity replaces the default anti-affinity; the zone spread stays', () => {
    const affinity: kplus.k8s.Affinity = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['airflow'] }] }] } },
    };
    const { deployment, manifests } = component('scheduler', () => ({ replicas: 2, affinity }));
    expect(podSpec(deployment).affinity).toEqual(kplus.k8s.toJson_Affinity(affinity));
    expect(podSpec(deployment).topologySpreadConstraints).toHaveLength(1);
    expectValidManifests(manifests);
  });

  test('podDisruptionBudget: false leaves the budget out', () => {
    const { manifests, component: c } = component('triggerer', () => ({ replicas: 2, podDisruptionBudget: false }));
    expect(manifests.filter(m => m.kind === 'PodDisruptionBudget')).toEqual([]);
    expect(c.podDisruptionBudget).toBeUndefined();
  });
});

describe('escape hatches, on every component', () => {
  test.each(KINDS)('%s: extra containers, init containers, volumes, envFrom, labels, annotations, priority, pull secrets, ServiceAccount annotations', (kind) => {
    const { deployment, manifests, component: c } = component(kind, (chart) => {
      const certs = kplus.ConfigMap.fromConfigMapName(chart, 'Certs', 'ca-certs');
      const plugins = kplus.Volume.fromConfigMap(chart, 'Plugins', certs, { name: 'plugins' });
      const shared = kplus.Volume.fromEmptyDir(chart, 'Shared', 'shared');
      const scratch = kplus.Volume.fromEmptyDir(chart, 'Scratch', 'scratch');
      return {
        extraContainers: [{ name: 'proxy', image: 'ghcr.io/example/proxy:1.0', args: ['--port', '9000'], volumeMounts: [{ path: '/shared', volume: shared }] }],
        extraInitContainers: [{ name: 'prepare', image: 'busybox:1.36', command: ['true'], securityContext: { user: 1000, group: 1000 } }],
        extraVolumes: [scratch],
        extraVolumeMounts: [{ path: '/opt/airflow/plugins', volume: plugins, readOnly: true }, { path: '/shared', volume: shared }],
        envFrom: [kplus.Env.fromSecret(kplus.Secret.fromSecretName(chart, 'Env', 'airflow-env')), kplus.Env.fromConfigMap(certs, 'CA_')],
        podLabels: { team: 'data' },
        podAnnotations: { 'prometheus.io/scrape': 'false' },
        priorityClassName: 'airflow-critical',
        imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'Pull', 'regcred')],
        serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/airflow' },
      };
    });
    const spec = podSpec(deployment);
    // the main container first, the user's last (the library's own sidecars in between); init containers likewise.
    const names = spec.containers.map((x: any) => x.name);
    expect([names[0], names[names.length - 1]]).toEqual([kind, 'proxy']);
    const initNames = spec.initContainers.map((x: any) => x.name);
    expect([initNames[0], initNames[initNames.length - 1]]).toEqual(['wait-for-airflow-migrations', 'prepare']);
    const proxy = container(spec, 'proxy');
    expect(proxy.imagePullPolicy).toBe('IfNotPresent');
    expect(proxy.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(proxy.securityContext).toEqual(RESTRICTED_CONTAINER);
    expect(container(spec, 'prepare').securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, capabilities: { drop: ['ALL'] } });
    // the Airflow containers (main and init) get the mounts, the extra containers do not.
    for (const name of [kind, 'wait-for-airflow-migrations']) {
      expect(container(spec, name).volumeMounts).toEqual(expect.arrayContaining([
        { mountPath: '/opt/airflow/plugins', name: 'plugins', readOnly: true }, { mountPath: '/shared', name: 'shared', readOnly: false },
      ]));
    }
    expect(container(spec, 'proxy').volumeMounts).toEqual([{ mountPath: '/shared', name: 'shared' }]);
    expect(spec.volumes.map((v: any) => v.name)).toEqual(expect.arrayContaining(['scratch', 'plugins', 'shared']));
    expect(container(spec, kind).envFrom).toEqual([{ secretRef: { name: 'airflow-env' } }, { configMapRef: { name: 'ca-certs' }, prefix: 'CA_' }]);
    expect(container(spec, 'wait-for-airflow-migrations').envFrom).toBeUndefined();
    expect(deployment.spec.template.metadata.labels.team).toBe('data');
    expect(deployment.spec.selector.matchLabels.team).toBeUndefined();
    expect(deployment.spec.template.metadata.annotations['prometheus.io/scrape']).toBe('false');
    expect(spec.priorityClassName).toBe('airflow-critical');
    expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    const sa = one(manifests, 'ServiceAccount');
    expect(sa.metadata.name).toBe(c.serviceAccount.name);
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/airflow' });
    expectValidManifests(manifests, {
      external: { secrets: ['airflow-env', 'regcred'], configMaps: ['ca-certs'], priorityClasses: ['airflow-critical'] },
    });
  });

  test('a container sets its own securityContext fields; the ones it leaves out stay restricted', () => {
    const { deployment, manifests } = component('scheduler', () => ({
      extraContainers: [{
        name: 'nginx',
        image: 'nginx:1.27',
        readiness: kplus.Probe.fromTcpSocket({ port: 8081 }),
        portNumber: 8081,
        securityContext: {
          user: 101,
          readOnlyRootFilesystem: false,
          capabilities: { drop: [kplus.Capability.ALL], add: [kplus.Capability.NET_BIND_SERVICE] },
        },
        resources: { cpu: { request: kplus.Cpu.millis(20) } },
        imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      }],
    }));
    const nginx = container(podSpec(deployment), 'nginx');
    expect(nginx.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsNonRoot: true,
      runAsUser: 101,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(nginx.resources).toEqual({ requests: { cpu: '20m' } });
    expect(nginx.imagePullPolicy).toBe('Always');
    expectValidManifests(manifests);
  });

  test('allowUnrestrictedContainers lets a privileged container through (the pod then fails "restricted", as asked)', () => {
    const { deployment } = component('scheduler', () => ({
      allowUnrestrictedContainers: true,
      extraInitContainers: [{ name: 'sysctl', image: 'busybox:1.36', command: ['sysctl', '-w', 'vm.max_map_count=262144'], securityContext: { privileged: true, ensureNonRoot: false, user: 0 } }],
    }));
    expect(container(podSpec(deployment), 'sysctl').securityContext).toMatchObject({ privileged: true, runAsNonRoot: false, runAsUser: 0 });
  });

  test('allowHostPathVolumes lets a Docker socket volume through; by default the pods stay restricted', () => {
    const { manifests, deployment } = component('scheduler', (chart) => ({
      allowHostPathVolumes: true,
      extraVolumes: [kplus.Volume.fromHostPath(chart, 'Docker', 'docker-sock', { path: '/var/run/docker.sock' })],
    }));
    expect(podSpec(deployment).volumes).toContainEqual(expect.objectContaining({ name: 'docker-sock', hostPath: expect.objectContaining({ path: '/var/run/docker.sock' }) }));
    expect(checkPodSecurityRestricted(manifests).join('\n')).toContain('hostPath');
    expect(checkPodSecurityRestricted(component('scheduler', () => ({})).manifests)).toEqual([]);
  });

  test('components keep their own ServiceAccount name and default rollout when given a ServiceAccount', () => {
    const { manifests } = component('scheduler', (chart) => ({ serviceAccount: new kplus.ServiceAccount(chart, 'Mine', { automountToken: false }) }));
    expect(manifests.filter(m => m.kind === 'ServiceAccount')).toHaveLength(1);
  });
});

describe('bad escape hatches', () => {
  const chart = () => testChart();
  test('a privileged extra container without allowUnrestrictedContainers', () => {
    expect(errorOf(() => component('scheduler', () => ({
      extraContainers: [{ name: 'debug', image: 'busybox:1.36', securityContext: { privileged: true, capabilities: { add: [kplus.Capability.SYS_ADMIN] } } }],
    })))).toBe('\'extraContainers\' of scheduler: container \'debug\' breaks Pod Security "restricted" (privileged: true; capabilities.drop without ALL; '
      + 'capabilities.add SYS_ADMIN): change its securityContext, or set \'allowUnrestrictedContainers: true\' to run these pods outside the "restricted" profile');
  });

  test('a root init container with privilege escalation and an unconfined seccomp profile', () => {
    expect(errorOf(() => component('triggerer', () => ({
      extraInitContainers: [{
        name: 'root',
        image: 'busybox:1.36',
        securityContext: {
          ensureNonRoot: false,
          user: 0,
          allowPrivilegeEscalation: true,
          seccompProfile: { type: kplus.SeccompProfileType.UNCONFINED },
        },
      }],
    })))).toBe('\'extraInitContainers\' of triggerer: container \'root\' breaks Pod Security "restricted" (allowPrivilegeEscalation: true; ensureNonRoot: false; '
      + 'user: 0; seccompProfile Unconfined): change its securityContext, or set \'allowUnrestrictedContainers: true\' to run these pods outside the "restricted" profile');
  });

  test('a hostPath volume without allowHostPathVolumes, as an extra volume or in an extra container', () => {
    expect(errorOf(() => component('scheduler', (c) => ({ extraVolumes: [kplus.Volume.fromHostPath(c, 'Docker', 'docker-sock', { path: '/var/run/docker.sock' })] }))))
      .toBe('\'extraVolumes\' of scheduler: volume \'docker-sock\' mounts the node\'s \'/var/run/docker.sock\', which breaks Pod Security "restricted" and "baseline": '
        + 'use another volume type, or set \'allowHostPathVolumes: true\' to give that up');
    expect(errorOf(() => component('scheduler', (c) => ({
      extraContainers: [{
        name: 'dind', image: 'docker:27', volumeMounts: [{ path: '/var/run/docker.sock', volume: kplus.Volume.fromHostPath(c, 'Sock', 'sock', { path: '/var/run/docker.sock' }) }],
      }],
    })))).toContain("'extraContainers' of scheduler: volume 'sock' mounts the node's '/var/run/docker.sock'");
  });

  test('an extra container without a name, or with a name already taken', () => {
    expect(errorOf(() => component('scheduler', () => ({ extraContainers: [{ image: 'busybox:1.36' }] }))))
      .toBe("'extraContainers' of scheduler: every container needs a 'name'");
    expect(errorOf(() => component('api-server', () => ({ extraInitContainers: [{ name: 'wait-for-airflow-migrations', image: 'busybox:1.36' }] }))))
      .toBe("'extraInitContainers' of api-server: container name 'wait-for-airflow-migrations' is already used in the pod: give the container another name");
  });

  test('a volume named like one of the library\'s', () => {
    expect(errorOf(() => component('scheduler', (c) => ({ extraVolumes: [kplus.Volume.fromEmptyDir(c, 'Tmp2', 'tmp')] }))))
      .toBe("'extraVolumes' of scheduler: volume name 'tmp' is already used in the pod: give the volume another name");
    expect(errorOf(() => component('scheduler', (c) => ({ extraVolumeMounts: [{ path: '/data', volume: kplus.Volume.fromEmptyDir(c, 'Logs2', 'logs') }] }))))
      .toBe("'extraVolumeMounts' of scheduler: volume name 'logs' is already used in the pod: give the volume another name");
  });

  test('a mount on a relative path, or on a path the library mounts', () => {
    expect(errorOf(() => component('webserver', (c) => ({ extraVolumeMounts: [{ path: 'plugins', volume: kplus.Volume.fromEmptyDir(c, 'P', 'plugins') }] }))))
      .toBe("'extraVolumeMounts' of webserver: 'path' must be an absolute path, got 'plugins'");
    expect(errorOf(() => component('webserver', (c) => ({ extraVolumeMounts: [{ path: '/opt/airflow/logs', volume: kplus.Volume.fromEmptyDir(c, 'L', 'other-logs') }] }))))
      .toBe("'extraVolumeMounts' of webserver: '/opt/airflow/logs' is already a mount path of the Airflow containers: mount the volume elsewhere");
  });

  test('ServiceAccount annotations together with a ServiceAccount of the user\'s', () => {
    const c = chart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(c, 'Config') });
    expect(errorOf(() => new AirflowScheduler(c, 'S', {
      recipe, serviceAccount: kplus.ServiceAccount.fromServiceAccountName(c, 'Sa', 'mine'), serviceAccountAnnotations: { a: 'b' },
    }))).toBe("'serviceAccountAnnotations' of scheduler has no effect together with 'serviceAccount': annotate your own ServiceAccount instead");
  });

  test('pod labels and annotations the library manages', () => {
    expect(errorOf(() => component('dag-processor', () => ({ podLabels: { 'app.kubernetes.io/component': 'parser' } }))))
      .toBe("'podLabels' of dag-processor sets 'app.kubernetes.io/component', which the library sets to 'dag-processor' to select the pods: use another label key");
    expect(errorOf(() => component('scheduler', () => ({ podAnnotations: { 'checksum/airflow-config': 'x' } }))))
      .toBe("'podAnnotations' of scheduler sets 'checksum/airflow-config', which the library manages: use another annotation key");
  });

  test('a pod label value Kubernetes would reject', () => {
    expect(errorOf(() => component('triggerer', () => ({ podLabels: { team: 'x'.repeat(64) } }))))
      .toBe(`'podLabels' of triggerer: the value of 'team' must be at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, got '${'x'.repeat(64)}'`);
    expect(errorOf(() => component('triggerer', () => ({ podLabels: { team: 'data platform' } })))).toContain("got 'data platform'");
  });
});

describe('a single replica without a PodDisruptionBudget', () => {
  test('is a warning (an error in strict mode)', () => {
    const { chart } = component('scheduler', () => ({ podDisruptionBudget: false }));
    expect(AirflowWarnings.of(chart).messages).toContain("scheduler has one replica and no PodDisruptionBudget ('podDisruptionBudget: false'): "
      + 'nothing tells a node drain or the cluster autoscaler to wait for a replacement');
    expect(AirflowWarnings.of(component('scheduler', () => ({ podDisruptionBudget: false, replicas: 2 })).chart).messages).toEqual([]);
  });
});
