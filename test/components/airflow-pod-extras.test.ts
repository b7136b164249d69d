import { Duration, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { AirflowExecutor, AirflowSidecar, AirflowVersion, MetadataDatabase } from '../../src';
import { embeddedPods, expectValidManifests, podSpecsOf } from '../support/manifests';
import { container, one, podSpec, errorOf, deployInChart as deploy } from '../support/synth';

function taskPod(manifests: any[]): any {
  return parse(one(manifests, 'ConfigMap', 'pod-template').data['pod_template_file.yaml']);
}

describe('escape hatches of KubernetesExecutor task pods', () => {
  test('extra containers that exit on their own, volumes, envFrom, priority and pull secrets reach the pod template', () => {
    const { manifests } = deploy((chart) => {
      const ca = kplus.ConfigMap.fromConfigMapName(chart, 'Ca', 'ca-bundle');
      return {
        executor: AirflowExecutor.kubernetes({
          extraInitContainers: [{ name: 'fetch-model', image: 'curlimages/curl:8.10.1', args: ['-o', '/models/m.bin', 'https://models.example.com/m.bin'] }],
          extraContainers: [{ name: 'log-shipper', image: 'ghcr.io/example/ship-once:1.2', args: ['--exit-when-done'] }],
          extraVolumeMounts: [{ path: '/etc/ssl/custom', volume: kplus.Volume.fromConfigMap(chart, 'CaVolume', ca, { name: 'ca' }), readOnly: true }],
          envFrom: [kplus.Env.fromSecret(kplus.Secret.fromSecretName(chart, 'TaskEnv', 'task-env'))],
          priorityClassName: 'batch-low',
          imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'TaskPull', 'task-registry')],
        }),
      };
    });
    const pod = taskPod(manifests);
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['base', 'log-shipper']);
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['fetch-model']);
    expect(container(pod.spec, 'base').envFrom).toEqual([{ secretRef: { name: 'task-env' } }]);
    expect(container(pod.spec, 'base').volumeMounts).toContainEqual({ mountPath: '/etc/ssl/custom', name: 'ca', readOnly: true });
    expect(container(pod.spec, 'log-shipper').securityContext).toMatchObject({ runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(pod.spec.priorityClassName).toBe('batch-low');
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'task-registry' }]);
    expectValidManifests(manifests, { external: { secrets: ['task-env', 'task-registry'], configMaps: ['ca-bundle'], priorityClasses: ['batch-low'] } });
  });

  test('errors name the task pods', () => {
    expect(errorOf(() => deploy(() => ({
      executor: AirflowExecutor.kubernetes({ extraContainers: [{ name: 'base', image: 'busybox:1.36' }] }),
    })))).toBe("'extraContainers' of task pods: container name 'base' is already used in the pod: give the container another name");
  });
});

describe('imagePullSecrets of the whole deployment', () => {
  test('reach every pod (components, jobs, database, workers, task pods), after the component\'s own', () => {
    const { manifests } = deploy((chart) => ({
      imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'Pull', 'regcred')],
      executor: AirflowExecutor.celeryAndKubernetes(),
      scheduler: { imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'Own', 'scheduler-registry'), kplus.Secret.fromSecretName(chart, 'Again', 'regcred')] },
    }));
    const specs = podSpecsOf(manifests);
    expect(specs.length).toBeGreaterThanOrEqual(8);
    for (const { where, spec } of specs) {
      expect(spec.imagePullSecrets, where).toContainEqual({ name: 'regcred' });
    }
    expect(podSpec(one(manifests, 'Deployment', 'scheduler')).imagePullSecrets).toEqual([{ name: 'scheduler-registry' }, { name: 'regcred' }]);
    expect(taskPod(manifests).spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(embeddedPods(manifests)).toHaveLength(1);
    expectValidManifests(manifests, { external: { secrets: ['regcred', 'scheduler-registry'] } });
  });
});

describe('a deployment using most options', () => {
  const build = (version: AirflowVersion) => deploy((chart) => {
    const keytab = { secret: kplus.Secret.fromSecretName(chart, 'Keytab', 'airflow-keytab'), key: 'keytab' };
    const krb = AirflowSidecar.kerberos({ principal: 'airflow@EXAMPLE.COM', keytab, krb5Conf: '[libdefaults]\n  default_realm = EXAMPLE.COM\n' });
    const plugins = kplus.Volume.fromConfigMap(chart, 'Plugins', kplus.ConfigMap.fromConfigMapName(chart, 'PluginsCm', 'airflow-plugins'), { name: 'plugins' });
    const pull = kplus.Secret.fromSecretName(chart, 'Pull', 'regcred');
    const web = {
      replicas: 2,
      podAnnotations: { 'example.com/owner': 'data-platform' },
      extraContainers: [{ name: 'oauth-proxy', image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.7.1', portNumber: 4180, securityContext: { user: 2000 } }],
      sidecars: version.isAirflow3 ? [] : [AirflowSidecar.syncPermissions()],
    };
    return {
      airflowVersion: version,
      database: MetadataDatabase.external({ connection: { secret: kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db'), key: 'url' } }),
      imagePullSecrets: [pull],
      ingress: { host: 'airflow.example.com', path: '/airflow', tls: kplus.Secret.fromSecretName(chart, 'Tls', 'airflow-tls'), ingressClassName: 'nginx' },
      executor: AirflowExecutor.celeryAndKubernetes(
        { pools: [{ name: 'default', replicas: 2, sidecars: [krb] }] },
        { extraVolumeMounts: [{ path: '/opt/airflow/plugins', volume: plugins, readOnly: true }], priorityClassName: 'batch' },
      ),
      scheduler: {
        replicas: 2,
        sidecars: [krb],
        priorityClassName: 'airflow-critical',
        podLabels: { team: 'data' },
        extraVolumeMounts: [{ path: '/opt/airflow/plugins', volume: plugins, readOnly: true }],
        serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/airflow-scheduler' },
      },
      triggerer: { replicas: 2, sidecars: [krb], envFrom: [kplus.Env.fromSecret(kplus.Secret.fromSecretName(chart, 'TrigEnv', 'triggerer-env'))] },
      dagProcessor: { enabled: true, replicas: 2, extraInitContainers: [{ name: 'warm-up', image: 'busybox:1.36', command: ['true'] }] },
      ...(version.isAirflow3 ? { apiServer: web } : { webserver: web }),
    };
  });
  const external = {
    secrets: ['airflow-keytab', 'regcred', 'airflow-db', 'airflow-tls', 'triggerer-env'],
    configMaps: ['airflow-plugins'],
    priorityClasses: ['airflow-critical', 'batch'],
  };

  test.each([AirflowVersion.V3_2_2, AirflowVersion.V2_11_0])('Airflow %s: valid manifests, byte-identical run to run', (version) => {
    const { manifests } = build(version);
    expectValidManifests(manifests, { external });
    const worker = manifests.find(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'worker');
    expect(podSpec(worker).containers.map((c: any) => c.name)).toContain('kerberos');
    expect(taskPod(manifests).spec.priorityClassName).toBe('batch');
    const ui = one(manifests, 'Deployment', version.isAirflow3 ? 'api-server' : 'webserver');
    expect(podSpec(ui).containers.map((c: any) => c.name)).toContain('oauth-proxy');
    expect(podSpec(ui).affinity.podAntiAffinity).toBeDefined();
    expect(manifests.filter(m => m.kind === 'PodDisruptionBudget')).toHaveLength(5);
    expect(Yaml.stringify(...build(version).manifests)).toBe(Yaml.stringify(...manifests));
  });

  test('the grace period of components stays theirs', () => {
    const { manifests } = deploy(() => ({ scheduler: { terminationGracePeriod: Duration.seconds(20), replicas: 2 } }));
    expect(podSpec(one(manifests, 'Deployment', 'scheduler')).terminationGracePeriodSeconds).toBe(20);
  });
});
