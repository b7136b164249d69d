import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import {
  AirflowDeployment, AirflowDeploymentProps, AirflowExecutor, AirflowLogs, AirflowVersion, CeleryExecutorConfig, CeleryWorkerPool, DagSource,
  EfsDagVolume, GitAuth, GitSyncSidecar, NetworkPeer, WorkerAutoscaling,
} from '../../src';
import { expectValidManifests } from '../support/manifests';
import { errorOf, testChart } from '../support/synth';

/**
 * The inputs that used to pass construction and then fail at `kubectl apply` (or at run time): each is refused when
 * the construct is created, naming the prop, the value and the fix (docs/errors.md lists each message). The
 * Kubernetes rule behind each is proven against the real API server in test/real/api-rules.test.ts.
 */
const deploy = (props: AirflowDeploymentProps, chart: Chart = testChart()) => new AirflowDeployment(chart, 'Airflow', props);
const git = () => new GitSyncSidecar({ repo: 'https://github.com/org/dags.git' });

describe('values the API server would refuse are refused at construction', () => {
  test.each([
    ['61 * * * *', "the minute must be 0-59, got '61'"],
    ['0 25 * * *', "the hour must be 0-23, got '25'"],
    ['0 3 * * 8', "the day of week must be 0-6, got '8'"],
    ['*/0 * * * *', "the minute step in '*/0' must be a number above 0"],
    ['0 3 32 * *', "the day of month must be 1-31, got '32'"],
    ['0 3 * 13 *', "the month must be 1-12, got '13'"],
    ['30-10 * * * *', "the minute range '30-10' starts after it ends"],
  ])('CronJob schedule %s', (schedule, problem) => {
    expect(errorOf(() => deploy({ maintenance: { databaseCleanup: { schedule } } }))).toBe(
      `'maintenance.databaseCleanup.schedule' is not a schedule Kubernetes accepts, got '${schedule}': ${problem}; `
      + "write e.g. '0 3 * * 0' (Sundays at 03:00) or '*/15 * * * *' (every 15 minutes)");
  });

  test('valid schedules with names, ranges, lists and steps are accepted and pass the API rules', () => {
    const chart = testChart();
    deploy({ maintenance: { databaseCleanup: { schedule: '*/20 1-3 1,15 jan-jun mon-fri' } } }, chart);
    expectValidManifests(Testing.synth(chart));
  });

  test('a CPU or memory request above its limit', () => {
    expect(errorOf(() => deploy({ scheduler: { resources: { cpu: { request: kplus.Cpu.millis(2000), limit: kplus.Cpu.units(1) } } } })))
      .toBe("'resources of scheduler': the CPU request 2000m is above the CPU limit 1: Kubernetes refuses a request above its limit; raise the limit or lower the request");
    expect(errorOf(() => deploy({ scheduler: { resources: { memory: { request: Size.gibibytes(4), limit: Size.gibibytes(2) } } } })))
      .toBe("'resources of scheduler': the memory request 4194304Ki is above the memory limit 2097152Ki: Kubernetes refuses a request above its limit; "
        + 'raise the limit or lower the request');
  });

  test('label and annotation keys with spaces, nodeSelector values, priorityClassName', () => {
    expect(errorOf(() => deploy({ scheduler: { podLabels: { 'my label': 'x' } } })))
      .toMatch(/^'podLabels of scheduler': key 'my label' is not a Kubernetes label key: .*\(e\.g\. 'example\.com\/team'\)$/);
    expect(errorOf(() => deploy({ scheduler: { podAnnotations: { 'my note': 'x' } } })))
      .toMatch(/^'podAnnotations of scheduler': key 'my note' is not a Kubernetes annotation key: /);
    expect(errorOf(() => deploy({ scheduler: { nodeSelector: { pool: 'big pool' } } })))
      .toMatch(/^'nodeSelector': the value 'big pool' of 'pool' is not a Kubernetes label value: .*\(no spaces\)$/);
    expect(errorOf(() => deploy({ scheduler: { nodeSelector: { 'my pool': 'x' } } }))).toMatch(/^'nodeSelector': key 'my pool' is not a Kubernetes label key/);
    expect(errorOf(() => deploy({ scheduler: { priorityClassName: 'High_Priority' } })))
      .toBe("'priorityClassName of scheduler' must be the name of a Kubernetes object (lowercase letters, digits, '-' and '.', at most 253), got 'High_Priority'");
  });

  test('extra container ports and env var names', () => {
    const extra = (c: Partial<kplus.ContainerProps>) => deploy({ scheduler: { extraContainers: [{ name: 'x', image: 'busybox:1.36', ...c }] } });
    expect(errorOf(() => extra({ ports: [{ number: 70000 }] }))).toBe("'extraContainers of scheduler: container 'x'': port 70000 is not a port number: use 1 to 65535");
    expect(errorOf(() => extra({ ports: [{ number: 7000, name: 'a-very-long-port-name' }] })))
      .toMatch(/port name 'a-very-long-port-name' is not a Kubernetes port name: use at most 15 /);
    expect(errorOf(() => extra({ envVariables: { 'MY VAR': kplus.EnvValue.fromValue('x') } })))
      .toMatch(/^'extraContainers of scheduler: container 'x'': 'MY VAR' is not an environment variable name Kubernetes 1\.28 accepts/);
    expect(errorOf(() => deploy({ scheduler: { envVariables: { 'MY VAR': kplus.EnvValue.fromValue('x') } } })))
      .toMatch(/^'envVariables of scheduler': 'MY VAR' is not an environment variable name/);
  });

  test('NetworkPeer label values', () => {
    expect(errorOf(() => NetworkPeer.podsInNamespace('monitoring', { app: 'otel collector' })))
      .toMatch(/^'NetworkPeer.podsInNamespace podLabels': the value 'otel collector' of 'app' is not a Kubernetes label value/);
    expect(errorOf(() => NetworkPeer.pods({ 'bad key!': 'x' }))).toMatch(/^'NetworkPeer.pods podLabels': key 'bad key!' is not a Kubernetes label key/);
  });

  test('PersistentVolumeClaim sizes of 0', () => {
    const zero = 'must be greater than zero (a PersistentVolumeClaim of size 0 is refused): give e.g. Size.gibibytes(10)';
    expect(errorOf(() => AirflowLogs.persistentVolume({ storage: Size.gibibytes(0) }))).toBe(`'AirflowLogs.persistentVolume storage' ${zero}`);
    expect(errorOf(() => {
      const chart = testChart();
      new EfsDagVolume(chart, 'Efs', { fileSystemId: 'fs-0123456789abcdef0', storage: Size.gibibytes(0), populatedBy: git() });
    })).toBe(`'EfsDagVolume storage' ${zero}`);
    expect(errorOf(() => deploy({ executor: AirflowExecutor.celery({ pools: [{ name: 'default', logsStorage: Size.gibibytes(0) }] }) })))
      .toBe(`'logsStorage of worker pool 'default'' ${zero}`);
  });

  test("a chart namespace like 'Airflow_Prod'", () => {
    expect(errorOf(() => deploy({}, new Chart(Testing.app(), 'c', { namespace: 'Airflow_Prod' })))).toBe(
      "the chart's 'namespace' 'Airflow_Prod' is not a Kubernetes namespace name: use at most 63 lowercase letters, digits and '-', "
      + "starting and ending with a letter or digit (e.g. 'airflow-prod')");
  });

  test('DagSource.combine subfolders whose volume names collide', () => {
    const chart = testChart();
    const ssh = new GitSyncSidecar({
      repo: 'git@github.com:org/dags.git',
      auth: GitAuth.ssh({ privateKey: { secret: kplus.Secret.fromSecretName(chart, 'S', 'git'), key: 'ssh' }, knownHosts: 'github.com ssh-ed25519 AAAA' }),
    });
    expect(errorOf(() => DagSource.combine([{ subfolder: 'a', source: ssh }, { subfolder: 'a-ssh-key', source: git() }]))).toBe(
      "DagSource.combine: subfolder 'a-ssh-key' collides with the volume names of subfolder 'a' "
      + "(volumes are named 'dags-<subfolder>-ssh-key|known-hosts|password|github-app|volume|tmp|claim'): rename subfolder 'a-ssh-key'");
    // a similar, non-colliding pair is fine
    deploy({ dagSource: DagSource.combine([{ subfolder: 'a', source: ssh }, { subfolder: 'a-legacy', source: git() }]) }, chart);
    expectValidManifests(Testing.synth(chart), { external: { secrets: ['git'] } });
  });
});

describe('messages users can act on', () => {
  test('a pool without a name names the prop', () => {
    expect(errorOf(() => deploy({ executor: AirflowExecutor.celery({ pools: [{} as any] }) })))
      .toBe("Celery 'pools[0]' has no 'name': give every pool a name, e.g. { name: 'default' } (the first pool is usually 'default')");
  });

  test('triggerer autoscaling with hpa says hpa is the problem', () => {
    expect(errorOf(() => deploy({ triggerer: { autoscaling: WorkerAutoscaling.hpa() } }))).toMatch(/^'triggerer.autoscaling' is WorkerAutoscaling.hpa\(\), which cannot scale a triggerer/);
  });

  test('CeleryExecutorConfig and a standalone CeleryWorkerPool on a non-Celery deployment say which executor is needed', () => {
    const airflow = deploy({ executor: AirflowExecutor.kubernetes() });
    expect(errorOf(() => new CeleryExecutorConfig(airflow, 'Celery', { recipe: airflow.recipe }))).toBe(
      'CeleryExecutorConfig needs a deployment whose executor is the CeleryExecutor (or CeleryKubernetesExecutor, or a list with CeleryExecutor), '
      + "but this one runs 'KubernetesExecutor': set 'executor: AirflowExecutor.celery(...)' on the AirflowDeployment instead");
    expect(errorOf(() => new CeleryWorkerPool(airflow, 'Pool', { name: 'extra', recipe: airflow.recipe }))).toBe(
      "CeleryWorkerPool 'extra' needs the CeleryExecutor and its broker, but the deployment's executor is 'KubernetesExecutor' without a Celery broker: "
      + "set 'executor: AirflowExecutor.celery({ pools: [...] })' on the AirflowDeployment instead of creating the pool");
  });

  test('an owned key in settings fails at construction', () => {
    expect(errorOf(() => deploy({ settings: { 'core.executor': 'LocalExecutor' } })))
      .toBe("Airflow setting 'core.executor' is managed by this library: set 'executor' instead of overriding it in 'settings'");
  });

  test.each([
    ['core.load_examples', 'yes'], ['core.dags_are_paused_at_creation', 'no'], ['logging.colored_console_log', 'on'], ['scheduler.catchup_by_default', 'yes'],
  ])('boolean setting %s: %s is refused like getboolean refuses it', (key, value) => {
    expect(errorOf(() => deploy({ settings: { [key]: value } }))).toBe(`Airflow setting '${key}' must be a boolean (True or False), got '${value}'`);
  });

  test("expose_config still takes 'non-sensitive-only' (read with conf.get first), booleans in any getboolean spelling pass", () => {
    deploy({ airflowVersion: AirflowVersion.V3_1_8, settings: { 'api.expose_config': 'non-sensitive-only', 'core.load_examples': 'FALSE', 'logging.colored_console_log': 'f' } });
    deploy({ airflowVersion: AirflowVersion.V2_11_0, settings: { 'webserver.expose_config': 'non-sensitive-only', 'core.dags_are_paused_at_creation': '0' } });
  });
});
