/**
 * The StatsD mapping rules, taken from the synthesized ConfigMap, loaded by the real statsd_exporter (v0.28.0, the
 * version of the pinned image, built with `go install` by scripts/setup/statsd-exporter.sh) with the container's
 * own args (the mappings path and ports mapped to local ones); Airflow's StatsD lines are sent over UDP and
 * /metrics is scraped.
 *
 * Metric names as Airflow 3.1 emits them (airflow-core/src/airflow/models/taskinstance.py `ti.start.{dag_id}.{task_id}`,
 * `ti.finish.{dag_id}.{task_id}.{state}`, `dag.{dag_id}.{task_id}.duration`; dag_processing/manager.py
 * `dag_processing.last_duration.{file_name}`; pools `pool.open_slots.{pool_name}`); TaskGroup task ids are
 * `group.task` (airflow/utils/task_group.py `child_id`).
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AirflowMetrics } from '../../src';
import { containerOf, objectOf } from '../support/pod-scripts';
import { describeWith } from '../support/real-components';
import { run, startStatsdExporter, STATSD_EXPORTER_BIN, StatsdExporterService, tempDir } from '../support/real-services';
import { synthDeployment } from '../support/synth';

/** The value of one sample line of the Prometheus text format, or undefined. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort();
  for (const line of metrics.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter(Boolean).sort();
    if (JSON.stringify(have) === JSON.stringify(wanted)) return Number(m[3]);
  }
  return undefined;
}

describeWith(['statsd-exporter'], 'StatsD mappings runtime: the rendered mappings.yml in the real statsd_exporter', () => {
  const { manifests } = synthDeployment({
    metrics: AirflowMetrics.statsd({ extraMappings: [{ match: 'airflow.my_team.rows.*', name: 'airflow_my_team_rows', labels: { table: '$1' } }] }),
  });
  let exporter: StatsdExporterService;
  let metrics: string;

  beforeAll(async () => {
    // the exporter's Deployment: component label 'metrics'
    const deployment = objectOf(manifests, 'Deployment', 'statsd');
    const c = containerOf(deployment, 'statsd-exporter');
    const mappingArg = c.args.find((a: string) => a.startsWith('--statsd.mapping-config='));
    const fileName = mappingArg.split('/').pop();
    const cm = manifests.find(m => m.kind === 'ConfigMap' && m.data?.[fileName] !== undefined);
    const file = join(tempDir('statsd-mappings'), fileName);
    writeFileSync(file, cm.data[fileName]);
    exporter = await startStatsdExporter(file);
    await exporter.send([
      'airflow.ti.finish.etl.load_group.load_orders.success:1|c',
      'airflow.ti.finish.etl.load_group.load_orders.success:1|c',
      'airflow.ti.finish.etl.extract.failed:1|c',
      'airflow.ti.start.etl.load_group.nested_group.load_items:1|c',
      'airflow.dag.etl.load_group.load_orders.duration:1500|ms',
      'airflow.dag.etl.extract.queued_duration:250|ms',
      'airflow.pool.open_slots.default_pool:128|g',
      'airflow.dag_processing.last_duration.team.etl_dags:2500|ms',
      'airflow.dagrun.duration.success.team.etl:60000|ms',
      'airflow.scheduler_heartbeat:1|c',
      'airflow.operator_failures_PythonOperator:1|c',
      'airflow.executor.open_slots:32|g',
      'airflow.executor.running_tasks.KubernetesExecutor:3|g',
      'airflow.my_team.rows.orders:3|c',
      // tag-only twins and names no rule knows: dropped
      'airflow.ti.finish:1|c',
      'airflow.pool.open_slots:128|g',
      'airflow.some_plugin.per_task.etl.load_group.load_orders:1|c',
    ]);
    metrics = await exporter.metrics();
  }, 60_000);
  afterAll(async () => { await exporter?.stop(); });

  it('ti.finish and ti.start of TaskGroup tasks (dotted task ids) become one labelled metric each', () => {
    expect(sample(metrics, 'airflow_ti_finish', { dag_id: 'etl', task_id: 'load_group.load_orders', state: 'success' })).toBe(2);
    expect(sample(metrics, 'airflow_ti_finish', { dag_id: 'etl', task_id: 'extract', state: 'failed' })).toBe(1);
    expect(sample(metrics, 'airflow_ti_start', { dag_id: 'etl', task_id: 'load_group.nested_group.load_items' })).toBe(1);
    // no metric name per task (the unbounded series of the issue)
    expect(metrics).not.toMatch(/^airflow_ti_finish_\w+/m);
    expect(metrics).not.toMatch(/^airflow_ti_start_\w+/m);
  });

  it('task durations are histograms in seconds, labelled with the dotted task id', () => {
    expect(sample(metrics, 'airflow_task_duration_sum', { dag_id: 'etl', task_id: 'load_group.load_orders' })).toBe(1.5);
    expect(sample(metrics, 'airflow_task_duration_count', { dag_id: 'etl', task_id: 'load_group.load_orders' })).toBe(1);
    expect(sample(metrics, 'airflow_task_queued_duration_sum', { dag_id: 'etl', task_id: 'extract' })).toBe(0.25);
  });

  it('dotted DAG file stems and DAG ids, pools, heartbeats, operators, the single executor and the user\'s rules', () => {
    expect(sample(metrics, 'airflow_dag_processing_last_duration_sum', { dag_file: 'team.etl_dags' })).toBe(2.5);
    expect(sample(metrics, 'airflow_dagrun_duration_sum', { dag_id: 'team.etl', state: 'success' })).toBe(60);
    expect(sample(metrics, 'airflow_pool_open_slots', { pool: 'default_pool' })).toBe(128);
    expect(sample(metrics, 'airflow_scheduler_heartbeat')).toBe(1);
    expect(sample(metrics, 'airflow_operator_failures', { operator: 'PythonOperator' })).toBe(1);
    expect(sample(metrics, 'airflow_executor_open_slots', { executor: 'KubernetesExecutor' })).toBe(32);
    expect(sample(metrics, 'airflow_executor_running_tasks', { executor: 'KubernetesExecutor' })).toBe(3);
    expect(sample(metrics, 'airflow_my_team_rows', { table: 'orders' })).toBe(3);
  });

  it('tag-only twins and names no rule maps are dropped, not turned into metrics of their own', () => {
    expect(metrics).not.toMatch(/^airflow_some_plugin/m);
    expect(sample(metrics, 'airflow_pool_open_slots')).toBeUndefined();
    expect(sample(metrics, 'airflow_ti_finish')).toBeUndefined();
    expect(sample(metrics, 'statsd_exporter_events_actions_total', { action: 'drop' })).toBe(3);
    expect(sample(metrics, 'statsd_exporter_events_unmapped_total')).toBe(0);
  });

  it('the exporter refuses a broken mapping file (the oracle can fail)', async () => {
    const broken = join(tempDir('statsd-broken'), 'mappings.yml');
    writeFileSync(broken, 'mappings:\n- match: "airflow.*.*"\n  labels:\n    a: "$1"\n');
    const r = await run(STATSD_EXPORTER_BIN, [`--statsd.mapping-config=${broken}`, '--web.listen-address=127.0.0.1:0', '--statsd.listen-udp=127.0.0.1:0', '--statsd.listen-tcp='], { timeoutMs: 15_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain('error loading config');
  });
});
