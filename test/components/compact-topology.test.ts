import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import {
  AirflowDeployment, AirflowDeploymentProps, AirflowExecutor, AirflowLogs, AirflowMetrics, AirflowTopology, AirflowVersion, GitSyncSidecar,
  WorkerAutoscaling,
} from '../../src';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, env, errorOf, podSpec, testChart } from '../support/synth';

/** Issue #15 section 3: every long-running component as a container of one pod. */

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];
const GIT = () => new GitSyncSidecar({ repo: 'https://git.example.com/data/dags.git', gitRef: 'main' });

function synth(props: AirflowDeploymentProps = {}) {
  const chart = testChart();
  const airflow = new AirflowDeployment(chart, 'Airflow', { topology: AirflowTopology.compact(), dagSource: GIT(), ...props });
  const manifests = Testing.synth(chart);
  const airflowPods = manifests.filter(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] !== 'postgresql');
  return { airflow, manifests, airflowPods };
}

const envNames = (c: any) => (c.env ?? []).map((e: any) => e.name).sort();

describe('AirflowTopology.compact() (issue #15, section 3)', () => {
  test.each([
    ['Airflow 3, KubernetesExecutor', {}, ['api-server', 'scheduler', 'dag-processor', 'triggerer']],
    ['Airflow 3, LocalExecutor', { executor: AirflowExecutor.local() }, ['api-server', 'scheduler', 'dag-processor', 'triggerer']],
    ['Airflow 2, KubernetesExecutor', { airflowVersion: AirflowVersion.V2_11_0 }, ['webserver', 'scheduler', 'triggerer']],
    ['Airflow 2, LocalExecutor, standalone dag-processor', { airflowVersion: AirflowVersion.V2_11_0, executor: AirflowExecutor.local(), dagProcessor: { enabled: true } },
      ['webserver', 'scheduler', 'triggerer', 'dag-processor']],
  ])('%s: one Airflow pod (plus the database), every component a container of it; passes the harness', (_, props, components) => {
    const { manifests, airflowPods } = synth(props as AirflowDeploymentProps);
    expectValidManifests(manifests);
    expect(airflowPods.map(d => d.metadata.name)).toEqual(['airflow-compact']);
    const [pod] = airflowPods;
    expect(pod.spec.replicas).toBe(1);
    expect(pod.spec.strategy).toEqual({ type: 'Recreate' });
    const names = pod.spec.template.spec.containers.map((c: any) => c.name);
    expect([...names].filter(n => components.includes(n)).sort()).toEqual([...components].sort());
    // every other long-running workload is the database (and the one-shot Jobs)
    const longRunning = manifests.filter(m => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(m.kind)).map(m => m.metadata.name);
    expect(longRunning.sort()).toEqual(['airflow-compact', 'airflow-postgresql']);
    expect(manifests.filter(m => m.kind === 'PodDisruptionBudget').map(m => m.metadata.name)).not.toContain('airflow-compact');
    expect(manifests.filter(m => WORKLOADS.includes(m.kind)).length).toBeGreaterThan(2);
  });

  test('the DAG source is bound once: one git-sync sidecar and one DAG volume for the whole pod', () => {
    const { airflowPods } = synth();
    const spec = podSpec(airflowPods[0]);
    expect(spec.containers.filter((c: any) => c.name.startsWith('git-sync')).map((c: any) => c.name)).toEqual(['git-sync']);
    expect(spec.initContainers.filter((c: any) => c.name.startsWith('git-sync')).map((c: any) => c.name)).toEqual(['git-sync-init']);
    expect(spec.volumes.filter((v: any) => v.name === 'dags')).toHaveLength(1);
    for (const name of ['api-server', 'scheduler', 'dag-processor', 'triggerer']) {
      expect(container(spec, name).volumeMounts.some((m: any) => m.mountPath === '/opt/airflow/dags'), name).toBe(true);
    }
  });

  test('the same security, config and logs volume as the standard topology; each container keeps its own component\'s secrets', () => {
    const compact = synth();
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { dagSource: GIT() });
    const standard = Testing.synth(chart);
    const spec = podSpec(compact.airflowPods[0]);
    const standardPod = (component: string) => podSpec(standard.find(m => m.kind === 'Deployment' && m.metadata.name === `airflow-${component}`));
    expect(spec.securityContext).toEqual(standardPod('scheduler').securityContext);
    for (const name of ['api-server', 'scheduler', 'dag-processor', 'triggerer']) {
      const mine = container(spec, name);
      const theirs = container(standardPod(name), name);
      expect(mine.securityContext, name).toEqual(theirs.securityContext);
      expect(mine.args, name).toEqual(theirs.args);
      expect(mine.image, name).toEqual(theirs.image);
      expect(envNames(mine), name).toEqual(envNames(theirs));
      expect(mine.volumeMounts.some((m: any) => m.mountPath === '/opt/airflow/airflow.cfg'), name).toBe(true);
    }
    // one logs volume: the UI reads the task and trigger logs the other containers write
    expect(spec.volumes.filter((v: any) => v.name === 'logs')).toHaveLength(1);
    expect(airflowCfg(compact.manifests)['core.executor']).toBe('KubernetesExecutor');
    // the airflow.cfg is the standard one but for nothing: same settings
    expect(airflowCfg(compact.manifests)).toEqual(airflowCfg(standard));
  });

  test('KubernetesExecutor: the scheduler launches task pods (token, pod template, Role) and the Services select the pod', () => {
    const { manifests, airflowPods } = synth();
    const spec = podSpec(airflowPods[0]);
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(container(spec, 'scheduler').volumeMounts.some((m: any) => m.mountPath === '/opt/airflow/pod_templates')).toBe(true);
    const binding = manifests.find(m => m.kind === 'RoleBinding' && m.roleRef.name === 'airflow-pod-launcher');
    expect(binding.subjects[0].name).toBe(spec.serviceAccountName);
    const services = manifests.filter(m => m.kind === 'Service' && m.spec.selector['app.kubernetes.io/component'] !== 'postgresql');
    expect(services.map(m => m.metadata.name).sort()).toEqual(['airflow-api-server', 'airflow-triggerer']);
    expect(new Set(services.map(m => m.spec.selector['app.kubernetes.io/component']))).toEqual(new Set(['compact']));
    expect(airflowCfg(manifests)['core.execution_api_server_url']).toBe('http://airflow-api-server:8080/execution/');
  });

  test('LocalExecutor: tasks run in the scheduler container, which also gets a worker\'s secrets (its log server checks the API secret key)', () => {
    const { manifests, airflowPods } = synth({ executor: AirflowExecutor.local() });
    const spec = podSpec(airflowPods[0]);
    expect(airflowCfg(manifests)['core.executor']).toBe('LocalExecutor');
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(manifests.some(m => m.kind === 'ConfigMap' && m.metadata.name.includes('pod-template'))).toBe(false);
    expect(env(container(spec, 'scheduler'), 'AIRFLOW__API__SECRET_KEY')).toBeDefined();
    expect(env(container(spec, 'dag-processor'), 'AIRFLOW__API__SECRET_KEY')).toBeUndefined();
  });

  test('the report lists one Airflow workload', () => {
    const { airflow } = synth();
    const report = airflow.report();
    expect(report).toContain('airflow-compact');
    expect(report).not.toContain('airflow-scheduler');
  });

  test('pod-level options of the topology land on the pod', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', {
      topology: AirflowTopology.compact({ nodeSelector: { pool: 'dev' }, podAnnotations: { team: 'data' }, serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'a@b.iam.gserviceaccount.com' } }),
      scheduler: { resources: { cpu: { request: kplus.Cpu.millis(250) } } },
    });
    const manifests = Testing.synth(chart);
    const pod = manifests.find(m => m.kind === 'Deployment' && m.metadata.name === 'airflow-compact');
    expect(pod.spec.template.spec.nodeSelector).toEqual({ pool: 'dev' });
    expect(pod.spec.template.metadata.annotations.team).toBe('data');
    expect(container(pod.spec.template.spec, 'scheduler').resources).toEqual({ requests: { cpu: '250m' } });
    const sa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === pod.spec.template.spec.serviceAccountName);
    expect(sa.metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'a@b.iam.gserviceaccount.com' });
    expectValidManifests(manifests);
  });

  test.each([
    ['ingress, PgBouncer, StatsD metrics, maintenance, logs on a shared claim', {
      ingress: { host: 'airflow.example.com' },
      pgbouncer: {},
      metrics: AirflowMetrics.statsd(),
      maintenance: { databaseCleanup: {}, podCleanup: {} },
      logs: AirflowLogs.persistentVolume(),
    }],
    ['named task pod templates with an image of their own', {
      executor: AirflowExecutor.kubernetes({ podTemplates: { spark: { image: 'registry.example.com/data/airflow:3.2.2-spark3.5' } } }),
    }],
    ['Airflow 2 with FAB and LocalExecutor', { airflowVersion: AirflowVersion.V2_11_0, executor: AirflowExecutor.local() }],
  ])('works with %s, and passes the harness', (_, props) => {
    const { manifests, airflowPods } = synth(props as AirflowDeploymentProps);
    expect(airflowPods.filter(d => !['airflow-pgbouncer', 'airflow-statsd'].includes(d.metadata.name)).map(d => d.metadata.name)).toEqual(['airflow-compact']);
    expectValidManifests(manifests);
  });

  test('combinations that cannot work are refused, naming the prop and the fix', () => {
    const deploy = (props: AirflowDeploymentProps) => () => new AirflowDeployment(testChart(), 'Airflow', props);
    const compact = AirflowTopology.compact();
    expect(errorOf(deploy({ executor: AirflowExecutor.local() })))
      .toBe("AirflowExecutor.local() runs tasks inside the scheduler, which needs 'topology: AirflowTopology.compact()': with a pod per component "
        + 'the task logs stay in the scheduler pods, out of reach of the UI; use AirflowExecutor.kubernetes(), or the compact topology');
    expect(errorOf(deploy({ topology: compact, executor: AirflowExecutor.celeryAndKubernetes() })))
      .toBe("'topology' is AirflowTopology.compact(), one pod for every component, but 'executor' (CeleryExecutor,KubernetesExecutor) runs Celery "
        + 'workers, a broker and pools of their own: use AirflowExecutor.kubernetes() or AirflowExecutor.local(), or AirflowTopology.standard()');
    expect(errorOf(deploy({ topology: compact, scheduler: { replicas: 2 } })))
      .toBe("'replicas' of scheduler is 2, but 'topology' is AirflowTopology.compact(): every component runs once, in one pod, so there is no "
        + 'high availability to scale: remove replicas, or use AirflowTopology.standard()');
    expect(errorOf(deploy({ topology: compact, apiServer: { nodeSelector: { a: 'b' } } })))
      .toBe("'nodeSelector' of api-server cannot be set with 'topology: AirflowTopology.compact()', where every component is a container of one "
        + 'pod: set AirflowTopology.compact({ nodeSelector })');
    expect(errorOf(deploy({ topology: compact, triggerer: { autoscaling: WorkerAutoscaling.keda() } })))
      .toBe("'triggerer.autoscaling' cannot scale the triggerer with 'topology: AirflowTopology.compact()', where it is a container of the one pod: "
        + 'remove it, or use AirflowTopology.standard()');
    expect(errorOf(deploy({ topology: compact, networkPolicies: {} })))
      .toBe("'networkPolicies' are not available with 'topology: AirflowTopology.compact()' yet: the policies allow flows between component pods, "
        + 'and the compact pod holds them all; remove networkPolicies, or use AirflowTopology.standard()');
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', { topology: AirflowTopology.compact({ podLabels: { 'app.kubernetes.io/component': 'x' } }) })))
      .toBe("'podLabels' of AirflowTopology.compact() sets 'app.kubernetes.io/component', which the library sets to select the pod: use another label key");
    expect(errorOf(deploy({ topology: 'compact' as any })))
      .toBe("'topology' must be an AirflowTopology (AirflowTopology.standard() or .compact()), got the string 'compact'");
  });
});
