import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test, vi } from 'vitest';
import * as YAML from 'yaml';
import {
  AirflowConfig, AirflowDeployment, AirflowExecutor, AirflowMetrics, AirflowStatsd, AirflowVersion, WorkerWorkloadKind,
} from '../../src';
import { AIRFLOW_2_SETTINGS } from '../../src/config/data/airflow-2';
import { AIRFLOW_3_SETTINGS } from '../../src/config/data/airflow-3';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, one, podSpec, synthDeployment, testChart } from '../support/synth';

vi.spyOn(console, 'warn').mockImplementation(() => undefined);

const exporterOf = (manifests: any[]) => one(manifests, 'Deployment', '-statsd');
const withAlerts = () => AirflowMetrics.statsd({ serviceMonitor: true, alerts: true });
const mappingsOf = (manifests: any[]) => YAML.parse(one(manifests, 'ConfigMap', '-statsd').data['mappings.yml']);

describe('AirflowStatsd: the exporter', () => {
  test('one non-root statsd-exporter pod, probes on /metrics :9102, small resources, mappings mounted read-only', () => {
    const { airflow, manifests } = synthDeployment({ metrics: AirflowMetrics.statsd() });
    expectValidManifests(manifests);
    const exporter = exporterOf(manifests);
    expect(exporter.spec.replicas).toBe(1);
    const spec = podSpec(exporter);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534, runAsNonRoot: true });
    expect(spec.serviceAccountName).toBe(airflow.metrics!.serviceAccount.name);
    const c = container(spec, 'statsd-exporter');
    expect(c.image).toBe('quay.io/prometheus/statsd-exporter:v0.28.0');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.args).toEqual([
      '--statsd.mapping-config=/etc/statsd-exporter/mappings.yml', '--statsd.listen-udp=:9125', '--statsd.listen-tcp=', '--web.listen-address=:9102',
    ]);
    expect(c.ports).toEqual([
      { containerPort: 9125, name: 'statsd-ingest', protocol: 'UDP' },
      { containerPort: 9102, name: 'metrics', protocol: 'TCP' },
    ]);
    const probe = { httpGet: { path: '/metrics', port: 9102, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
    expect(c.livenessProbe).toEqual({ ...probe, initialDelaySeconds: 10 });
    expect(c.readinessProbe).toEqual({ ...probe, initialDelaySeconds: 5 });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.volumeMounts).toEqual([{ mountPath: '/etc/statsd-exporter', name: 'mappings', readOnly: true }]);
    expect(spec.volumes).toEqual([{ name: 'mappings', configMap: { name: airflow.metrics!.mappings.name } }]);
    expect(exporter.spec.template.metadata.annotations['checksum/statsd-mappings']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('a Service with statsd-ingest 9125/UDP and metrics 9102/TCP selecting the exporter pod, exposed for NetworkPolicies', () => {
    const { airflow, manifests } = synthDeployment({ metrics: AirflowMetrics.statsd() });
    const statsd = airflow.metrics!;
    expect(statsd).toBeInstanceOf(AirflowStatsd);
    expect(statsd.deployment).toBeInstanceOf(kplus.Deployment);
    expect([statsd.ingestPort, statsd.metricsPort]).toEqual([9125, 9102]);
    const service = manifests.find(m => m.kind === 'Service' && m.metadata.name === statsd.service.name);
    expect(service.spec.ports).toEqual([
      { name: 'statsd-ingest', port: 9125, targetPort: 9125, protocol: 'UDP' },
      { name: 'metrics', port: 9102, targetPort: 9102, protocol: 'TCP' },
    ]);
    const podLabels = exporterOf(manifests).spec.template.metadata.labels;
    for (const [key, value] of Object.entries(service.spec.selector)) expect(podLabels[key]).toBe(value);
    expect(service.metadata.labels['app.kubernetes.io/component']).toBe('statsd');
  });

  test('no exporter, no ServiceMonitor, no [metrics] settings by default', () => {
    const { airflow, manifests } = synthDeployment();
    expect(airflow.metrics).toBeUndefined();
    expect(manifests.filter(m => m.metadata.name.includes('metrics') || ['ServiceMonitor', 'PrometheusRule'].includes(m.kind))).toEqual([]);
    expect(Object.keys(airflowCfg(manifests)).filter(k => k.startsWith('metrics.'))).toEqual([]);
  });

  test('image and resources can be overridden; the output is byte-identical run to run', () => {
    const props = () => ({
      metrics: AirflowMetrics.statsd({
        image: 'registry.example.com/statsd-exporter:v0.28.0',
        resources: { cpu: { request: kplus.Cpu.millis(100) } },
        serviceMonitor: true,
        alerts: true,
      }),
    });
    const first = synthDeployment(props()).manifests;
    const c = container(podSpec(exporterOf(first)), 'statsd-exporter');
    expect(c.image).toBe('registry.example.com/statsd-exporter:v0.28.0');
    expect(c.resources).toEqual({ requests: { cpu: '100m' } });
    expect(JSON.stringify(synthDeployment(props()).manifests)).toBe(JSON.stringify(first));
  });
});

describe('AirflowStatsd: Airflow settings', () => {
  test.each([
    [AirflowVersion.V3_2_2, { 'metrics.legacy_names_on': 'True' }],
    [AirflowVersion.V3_1_8, {}],
    [AirflowVersion.V2_11_0, { 'metrics.timer_unit_consistency': 'True' }],
    [AirflowVersion.V2_10_5, {}],
  ])('Airflow %s sends StatsD to the Service', (airflowVersion, extra) => {
    const { airflow, manifests } = synthDeployment({ airflowVersion, metrics: AirflowMetrics.statsd() });
    expectValidManifests(manifests);
    const metrics = Object.fromEntries(Object.entries(airflowCfg(manifests)).filter(([k]) => k.startsWith('metrics.')));
    expect(metrics).toEqual({
      'metrics.statsd_on': 'True',
      'metrics.statsd_host': airflow.metrics!.service.name,
      'metrics.statsd_port': '9125',
      'metrics.statsd_prefix': 'airflow',
      ...extra,
    });
  });

  test('the keys exist in both majors\' settings data', () => {
    for (const key of ['statsd_on', 'statsd_host', 'statsd_port', 'statsd_prefix', 'otel_on', 'otel_host', 'otel_port', 'otel_ssl_active',
      'otel_prefix', 'otel_service', 'otel_interval_milliseconds']) {
      expect(AIRFLOW_2_SETTINGS.sections.metrics[key], key).toBeDefined();
      expect(AIRFLOW_3_SETTINGS.sections.metrics[key], key).toBeDefined();
    }
    expect(AIRFLOW_2_SETTINGS.sections.metrics.timer_unit_consistency).toBeDefined();
    expect(AIRFLOW_3_SETTINGS.sections.metrics.legacy_names_on).toBeDefined();
  });

  test('the settings are owned: overriding one in settings fails at synth', () => {
    expect(() => synthDeployment({ metrics: AirflowMetrics.statsd(), settings: { 'metrics.statsd_port': '8125' } }))
      .toThrow("Airflow setting 'metrics.statsd_port' is managed by this library: set 'metrics (AirflowMetrics.statsd)' instead of overriding it in 'settings'");
  });
});

describe('AirflowStatsd: mappings', () => {
  test('dotted Airflow metrics become labelled Prometheus metrics; tag-only twins are dropped', () => {
    const { manifests } = synthDeployment({ metrics: AirflowMetrics.statsd() });
    const config = mappingsOf(manifests);
    expect(config.defaults).toEqual({
      observer_type: 'histogram',
      match_type: 'glob',
      histogram_options: { buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600] },
    });
    const byMatch = (match: string) => config.mappings.find((m: any) => m.match === match);
    expect(byMatch('airflow.scheduler_heartbeat')).toEqual({ match: 'airflow.scheduler_heartbeat', name: 'airflow_scheduler_heartbeat' });
    expect(byMatch('^airflow\\.pool\\.queued_slots\\.(.+)$')).toEqual({
      match: '^airflow\\.pool\\.queued_slots\\.(.+)$', match_type: 'regex', name: 'airflow_pool_queued_slots', labels: { pool: '$1' },
    });
    // TaskGroup task ids hold dots: the regex form (test/observability/statsd-runtime.test.ts feeds the real exporter).
    expect(byMatch('^airflow\\.ti\\.finish\\.([^.]+)\\.(.+)\\.([^.]+)$')).toEqual({
      match: '^airflow\\.ti\\.finish\\.([^.]+)\\.(.+)\\.([^.]+)$', match_type: 'regex', name: 'airflow_ti_finish', labels: { dag_id: '$1', task_id: '$2', state: '$3' },
    });
    expect(byMatch('^airflow\\.dag\\.([^.]+)\\.(.+)\\.duration$')).toEqual({
      match: '^airflow\\.dag\\.([^.]+)\\.(.+)\\.duration$', match_type: 'regex', name: 'airflow_task_duration', labels: { dag_id: '$1', task_id: '$2' },
    });
    expect(byMatch('^airflow\\.dagrun\\.duration\\.failed\\.(.+)$')).toEqual({
      match: '^airflow\\.dagrun\\.duration\\.failed\\.(.+)$', match_type: 'regex', name: 'airflow_dagrun_duration', labels: { dag_id: '$1', state: 'failed' },
    });
    expect(byMatch('^airflow\\.dag_processing\\.last_duration\\.(.+)$').labels).toEqual({ dag_file: '$1' });
    expect(config.mappings.at(-1)).toEqual({ match: '.', match_type: 'regex', name: 'dropped', action: 'drop' });
    expect(byMatch('^airflow\\.operator_failures_(.+)$')).toEqual({
      match: '^airflow\\.operator_failures_(.+)$', match_type: 'regex', name: 'airflow_operator_failures', labels: { operator: '$1' },
    });
    expect(byMatch('airflow.celery.execute_command.failure').name).toBe('airflow_celery_execute_command_failure');
    expect(byMatch('airflow.pool.queued_slots')).toEqual({ match: 'airflow.pool.queued_slots', name: 'dropped', action: 'drop' });
    // every metric name keeps one set of labels.
    const labelSets = new Map<string, string>();
    for (const m of config.mappings.filter((r: any) => r.action !== 'drop')) {
      const labels = Object.keys(m.labels ?? {}).sort().join(',');
      expect(labelSets.get(m.name) ?? labels, m.name).toBe(labels);
      labelSets.set(m.name, labels);
    }
  });

  test('executor metrics: one executor labels the short names with it, several drop them for the named ones', () => {
    const single = mappingsOf(synthDeployment({ metrics: AirflowMetrics.statsd() }).manifests).mappings;
    expect(single.find((m: any) => m.match === 'airflow.executor.queued_tasks'))
      .toEqual({ match: 'airflow.executor.queued_tasks', name: 'airflow_executor_queued_tasks', labels: { executor: 'KubernetesExecutor' } });
    expect(single.find((m: any) => m.match === 'airflow.executor.queued_tasks.*'))
      .toEqual({ match: 'airflow.executor.queued_tasks.*', name: 'airflow_executor_queued_tasks', labels: { executor: '$1' } });
    const both = mappingsOf(synthDeployment({ executor: AirflowExecutor.celeryAndKubernetes(), metrics: AirflowMetrics.statsd() }).manifests)
      .mappings;
    expect(both.find((m: any) => m.match === 'airflow.executor.open_slots')).toEqual({ match: 'airflow.executor.open_slots', name: 'dropped', action: 'drop' });
  });

  test('extraMappings come after the library\'s rules', () => {
    const { manifests } = synthDeployment({
      metrics: AirflowMetrics.statsd({ extraMappings: [{ match: 'airflow.my_team.rows.*', name: 'airflow_my_team_rows', labels: { table: '$1' } }, { match: 'airflow.my_team.runs', name: 'my_runs' }] }),
    });
    const mappings = mappingsOf(manifests).mappings;
    expect(mappings.slice(-3)).toEqual([
      { match: 'airflow.my_team.rows.*', name: 'airflow_my_team_rows', labels: { table: '$1' } },
      { match: 'airflow.my_team.runs', name: 'my_runs' },
      { match: '.', match_type: 'regex', name: 'dropped', action: 'drop' },
    ]);
  });
});

describe('AirflowStatsd: ServiceMonitor and PrometheusRule', () => {
  test('the ServiceMonitor selects the exporter Service and its metrics port; both carry prometheusLabels', () => {
    const { airflow, manifests } = synthDeployment({
      metrics: AirflowMetrics.statsd({ serviceMonitor: true, scrapeInterval: Duration.seconds(15), prometheusLabels: { release: 'kube-prometheus-stack' } }),
    });
    expectValidManifests(manifests);
    const monitor = one(manifests, 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    const service = manifests.find(m => m.kind === 'Service' && m.metadata.name === airflow.metrics!.service.name);
    for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels)) expect(service.metadata.labels[key]).toBe(value);
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(manifests.filter(m => m.kind === 'PrometheusRule')).toEqual([]);
    expect(airflow.metrics!.serviceMonitor).toBeDefined();
  });

  test('the checker notices a ServiceMonitor that selects nothing', () => {
    const { manifests } = synthDeployment({ metrics: AirflowMetrics.statsd({ serviceMonitor: true }) });
    const broken = manifests.map(m => (m.kind === 'ServiceMonitor' ? { ...m, spec: { ...m.spec, endpoints: [{ port: 'scrape' }] } } : m));
    expect(() => expectValidManifests(broken)).toThrow('has a port named "scrape"');
  });

  const rulesOf = (manifests: any[]) => one(manifests, 'PrometheusRule').spec.groups[0].rules;
  const selector = (airflow: AirflowDeployment) => `{job="${airflow.metrics!.service.name}",namespace="airflow"}`;

  test('KubernetesExecutor, Airflow 3: the base alerts plus pod launch failures, each expression exact', () => {
    const { airflow, manifests } = synthDeployment({ metrics: AirflowMetrics.statsd({ serviceMonitor: true, alerts: true }) });
    expectValidManifests(manifests);
    const s = selector(airflow);
    const rules = rulesOf(manifests);
    expect(rules.map((r: any) => r.alert)).toEqual([
      'AirflowSchedulerHeartbeatMissing', 'AirflowTasksQueuedTooLong', 'AirflowDagProcessingSlow', 'AirflowDagImportErrors', 'AirflowTaskPodLaunchFailures',
    ]);
    expect(airflow.metrics!.alertNames).toEqual(rules.map((r: any) => r.alert));
    expect(rules.map((r: any) => [r.alert, r.expr, r.for, r.labels.severity])).toEqual([
      ['AirflowSchedulerHeartbeatMissing', `sum(rate(airflow_scheduler_heartbeat${s}[2m])) == 0 or absent(airflow_scheduler_heartbeat${s})`, '5m', 'critical'],
      ['AirflowTasksQueuedTooLong', `sum(airflow_pool_queued_slots${s}) > 0`, '15m', 'warning'],
      ['AirflowDagProcessingSlow', `max(airflow_dag_processing_total_parse_time${s}) > 300`, '10m', 'warning'],
      ['AirflowDagImportErrors', `max(airflow_dag_processing_import_errors${s}) > 0`, '5m', 'warning'],
      ['AirflowTaskPodLaunchFailures', `sum(increase(airflow_scheduler_tasks_killed_externally${s}[15m])) > 0`, undefined, 'warning'],
    ]);
    for (const r of rules) expect(Object.keys(r.annotations).sort()).toEqual(['description', 'summary']);
    // the PrometheusRule really is checked against its CRD.
    const broken = manifests.map(m => (m.kind === 'PrometheusRule'
      ? { ...m, spec: { groups: [{ ...m.spec.groups[0], rules: [{ ...rules[0], for: 'five minutes' }] }] } } : m));
    expect(() => expectValidManifests(broken)).toThrow('CRD prometheusrules.monitoring.coreos.com');
  });

  test('every metric the alerts read is one the mappings produce', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celeryAndKubernetes(), metrics: withAlerts() });
    const produced = new Set(mappingsOf(manifests).mappings.map((m: any) => m.name));
    const read = rulesOf(manifests).flatMap((r: any) => [...r.expr.matchAll(/\b(airflow_[a-z_]+)\{/g)].map((m: RegExpMatchArray) => m[1]));
    expect(read.length).toBeGreaterThan(5);
    for (const metric of read) expect(produced.has(metric), metric).toBe(true);
  });

  test('CeleryExecutor, Airflow 2: workers absent instead of pod launch failures, for Deployment and StatefulSet pools', () => {
    const { airflow, manifests } = synthDeployment({
      airflowVersion: AirflowVersion.V2_11_0,
      executor: AirflowExecutor.celery({ pools: [{ name: 'default' }, { name: 'heavy', workloadKind: WorkerWorkloadKind.STATEFUL_SET }] }),
      metrics: AirflowMetrics.statsd({ serviceMonitor: true, alerts: true }),
    });
    expectValidManifests(manifests);
    const rules = rulesOf(manifests);
    expect(rules.map((r: any) => r.alert)).toEqual([
      'AirflowSchedulerHeartbeatMissing', 'AirflowTasksQueuedTooLong', 'AirflowDagProcessingSlow', 'AirflowDagImportErrors', 'AirflowCeleryWorkersAbsent',
    ]);
    const [deployment, statefulSet] = airflow.celeryExecutor!.pools.map(p => p.workload.name);
    const absent = rules.find((r: any) => r.alert === 'AirflowCeleryWorkersAbsent');
    expect(absent.expr).toBe(`sum(airflow_pool_queued_slots${selector(airflow)}) > 0 unless on() (`
      + `sum(kube_deployment_status_replicas_available{namespace="airflow",deployment=~"${deployment}"}) > 0 or `
      + `sum(kube_statefulset_status_replicas_ready{namespace="airflow",statefulset=~"${statefulSet}"}) > 0)`);
    expect([absent.for, absent.labels]).toEqual(['10m', { severity: 'critical' }]);
  });

  test('CeleryExecutor and KubernetesExecutor together: both alerts', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celeryAndKubernetes(), metrics: withAlerts() });
    expectValidManifests(manifests);
    expect(rulesOf(manifests).map((r: any) => r.alert).slice(-2)).toEqual(['AirflowCeleryWorkersAbsent', 'AirflowTaskPodLaunchFailures']);
  });

  test('alertLabels override severity and add labels; thresholds change the rules', () => {
    const { manifests } = synthDeployment({
      metrics: AirflowMetrics.statsd({
        serviceMonitor: true,
        alerts: true,
        scrapeInterval: Duration.minutes(1),
        alertLabels: { severity: 'page', team: 'data' },
        alertThresholds: {
          schedulerHeartbeatMissing: Duration.minutes(2), tasksQueued: Duration.hours(1), dagProcessingDuration: Duration.seconds(90),
        },
      }),
    });
    expectValidManifests(manifests);
    const rules = rulesOf(manifests);
    for (const r of rules) expect(r.labels).toEqual({ severity: 'page', team: 'data' });
    expect(rules[0].expr).toContain('[4m]'); // four scrapes
    expect(rules[0].for).toBe('2m');
    expect(rules[1].for).toBe('1h');
    expect(rules[2].expr).toMatch(/ > 90$/);
  });

  test('without a chart namespace the rules select by job only', () => {
    const chart = new Chart(Testing.app(), 'nons');
    const airflow = new AirflowDeployment(chart, 'Airflow', { metrics: AirflowMetrics.statsd({ serviceMonitor: true, alerts: true }) });
    const rules = rulesOf(Testing.synth(chart));
    expect(rules[1].expr).toBe(`sum(airflow_pool_queued_slots{job="${airflow.metrics!.service.name}"}) > 0`);
  });
});

describe('AirflowStatsd on its own', () => {
  test('with an AirflowConfig, next to your own Airflow pods', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', { version: AirflowVersion.V2_11_0, settings: { 'core.executor': 'CeleryExecutor' } });
    const statsd = new AirflowStatsd(chart, 'Statsd', { config, serviceMonitor: true, alerts: true });
    expect(statsd.node.defaultChild).toBe(statsd.deployment);
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests);
    expect(config.get('metrics', 'statsd_host')).toBe(statsd.service.name);
    // no worker workloads given: no Celery alert, and no KubernetesExecutor.
    expect(statsd.alertNames).toEqual(['AirflowSchedulerHeartbeatMissing', 'AirflowTasksQueuedTooLong', 'AirflowDagProcessingSlow', 'AirflowDagImportErrors']);
    const mappings = YAML.parse(statsd.mappingConfig).mappings;
    expect(mappings.find((m: any) => m.match === 'airflow.executor.running_tasks').labels).toEqual({ executor: 'CeleryExecutor' });
  });
});
