import { stringifyYaml } from '../app/fast-yaml';

/**
 * One mapping rule of the StatsD exporter: turns a dotted StatsD metric into a labelled Prometheus metric.
 *
 * For example `{ match: 'airflow.my_team.rows.*', name: 'airflow_my_team_rows', labels: { table: '$1' } }`
 * maps `airflow.my_team.rows.orders` to `airflow_my_team_rows{table="orders"}`.
 */
export interface StatsdMappingRule {
  /**
   * A StatsD glob: dot-separated parts of letters, digits, `_` and `-`, where `*` matches exactly one part,
   * e.g. `airflow.my_team.rows.*` (Airflow prefixes every metric with `airflow.`).
   */
  readonly match: string;
  /**
   * The Prometheus metric name (letters, digits and `_`); `$1`, `$2`, ... stand for the parts the `*`s matched.
   */
  readonly name: string;
  /**
   * Labels of the Prometheus metric; values may use `$1`, `$2`, ... like `name`.
   *
   * @default - no labels.
   */
  readonly labels?: { [name: string]: string };
}

/** The StatsD prefix of every Airflow metric (`[metrics] statsd_prefix`). */
const P = 'airflow';

interface MappingEntry {
  readonly match: string;
  readonly name: string;
  readonly labels?: { [name: string]: string };
  readonly match_type?: string;
  readonly action?: string;
}

/** Histogram buckets (seconds) for Airflow's timers: task, DAG run and parse durations span milliseconds to hours. */
const DURATION_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

const rule = (match: string, name: string, labels?: { [name: string]: string }): MappingEntry => ({ match: `${P}.${match}`, name, labels });
const regexRule = (match: string, name: string, labels: { [name: string]: string }): MappingEntry =>
  ({ match: `^${P}\\.${match}$`, match_type: 'regex', name, labels });
const drop = (match: string): MappingEntry => ({ match: `${P}.${match}`, name: 'dropped', action: 'drop' });
/** One dot-free part of a name, and the rest of it (dots included), for regex rules. */
const ONE = '([^.]+)';
const ANY = '(.+)';
/**
 * The last rule: drops what no rule mapped, as statsd_exporter's README advises ("Any metric not matched will be
 * dropped because "." matches all metrics", statsd_exporter v0.28.0 README.md). Without it every unmapped name
 * becomes a metric of its own, e.g. one per task for a name with an unexpected number of parts: unbounded series.
 * statsd_exporter tries every glob rule (the library's and `extraMappings`) before any regex rule
 * (pkg/mapper/mapper.go `GetMapping`), so this catch-all only takes what all of them left.
 */
const CATCH_ALL_DROP: MappingEntry = { match: '.', match_type: 'regex', name: 'dropped', action: 'drop' };

/**
 * The library's mapping rules, before the user's `extraMappings`.
 *
 * Airflow sends each metric that carries a DAG, task, pool or executor twice: under its legacy dotted name
 * (`pool.open_slots.default_pool`), which plain StatsD keeps, and under a short name whose tags plain StatsD
 * drops (`pool.open_slots`), which would mix every pool into one series. The rules map the dotted names into
 * labels and drop the short ones, so each Prometheus metric has one set of labels.
 *
 * @param executors the class names of the configured executors; with one executor Airflow sends
 *   `executor.*` metrics without its name, which the rules then label with it.
 * @internal
 */
export function builtinStatsdMappings(executors: string[]): MappingEntry[] {
  const single = executors.length === 1 ? executors[0] : undefined;
  // the short name first: statsd_exporter v0.28.0's glob matcher misses `a.b.c` when `a.b.c.*` comes before it
  // (found by test/observability/statsd-runtime.test.ts).
  const executorRules = ['open_slots', 'queued_tasks', 'running_tasks'].flatMap(m => [
    single ? rule(`executor.${m}`, `airflow_executor_${m}`, { executor: single }) : drop(`executor.${m}`),
    rule(`executor.${m}.*`, `airflow_executor_${m}`, { executor: '$1' }),
  ]);
  return [
    // short names whose tags plain StatsD loses: their dotted twins below carry the same values, labelled.
    ...['ti.start', 'ti.finish', 'ti.running', 'task.duration', 'task.queued_duration', 'task.scheduled_duration',
      'dagrun.duration.success', 'dagrun.duration.failed', 'dagrun.schedule_delay', 'dagrun.dependency-check',
      'dagrun.first_task_scheduling_delay', 'dag_processing.last_duration', 'operator_failures', 'operator_successes',
      'task_instance_created', 'triggers.running', 'triggerer.capacity_left',
      'pool.open_slots', 'pool.queued_slots', 'pool.running_slots', 'pool.deferred_slots', 'pool.scheduled_slots',
      'pool.starving_tasks'].map(drop),

    // scheduler, triggerer and dag-processor liveness
    rule('scheduler_heartbeat', 'airflow_scheduler_heartbeat'),
    rule('triggerer_heartbeat', 'airflow_triggerer_heartbeat'),
    rule('dag_processor_heartbeat', 'airflow_dag_processor_heartbeat'),
    rule('scheduler.tasks.killed_externally', 'airflow_scheduler_tasks_killed_externally'),
    rule('scheduler.tasks.starving', 'airflow_scheduler_tasks_starving'),
    rule('scheduler.tasks.executable', 'airflow_scheduler_tasks_executable'),
    rule('scheduler.scheduler_loop_duration', 'airflow_scheduler_loop_duration'),
    rule('scheduler.critical_section_duration', 'airflow_scheduler_critical_section_duration'),

    // DAG file processing
    rule('dag_processing.import_errors', 'airflow_dag_processing_import_errors'),
    rule('dag_processing.total_parse_time', 'airflow_dag_processing_total_parse_time'),
    rule('dag_processing.file_path_queue_size', 'airflow_dag_processing_file_path_queue_size'),
    rule('dag_processing.processor_timeouts', 'airflow_dag_processing_processor_timeouts'),
    // DAG file stems may hold dots (`team.etl.py` → `team.etl`): the regex form takes the rest of the name.
    regexRule(`dag_processing\\.last_duration\\.${ANY}`, 'airflow_dag_processing_last_duration', { dag_file: '$1' }),
    regexRule(`dag_processing\\.last_run\\.seconds_ago\\.${ANY}`, 'airflow_dag_processing_last_run_seconds_ago', { dag_file: '$1' }),
    rule('dagbag_size', 'airflow_dagbag_size'),

    // executor slots
    ...executorRules,

    // pool slots
    ...['open_slots', 'queued_slots', 'running_slots', 'deferred_slots', 'scheduled_slots', 'starving_tasks']
      .map(m => regexRule(`pool\\.${m}\\.${ANY}`, `airflow_pool_${m}`, { pool: '$1' })),

    // task instances: states, failures and successes, durations
    // task ids of TaskGroups hold dots (`my_group.my_task`): the DAG id is the first part, the task id the rest.
    regexRule(`ti\\.start\\.${ONE}\\.${ANY}`, 'airflow_ti_start', { dag_id: '$1', task_id: '$2' }),
    regexRule(`ti\\.finish\\.${ONE}\\.${ANY}\\.${ONE}`, 'airflow_ti_finish', { dag_id: '$1', task_id: '$2', state: '$3' }),
    regexRule(`ti\\.running\\.${ONE}\\.${ONE}\\.${ANY}`, 'airflow_ti_running', { queue: '$1', dag_id: '$2', task_id: '$3' }),
    rule('ti_failures', 'airflow_ti_failures'),
    rule('ti_successes', 'airflow_ti_successes'),
    regexRule(`dag\\.${ONE}\\.${ANY}\\.duration`, 'airflow_task_duration', { dag_id: '$1', task_id: '$2' }),
    regexRule(`dag\\.${ONE}\\.${ANY}\\.queued_duration`, 'airflow_task_queued_duration', { dag_id: '$1', task_id: '$2' }),
    regexRule(`dag\\.${ONE}\\.${ANY}\\.scheduled_duration`, 'airflow_task_scheduled_duration', { dag_id: '$1', task_id: '$2' }),

    // DAG runs
    // DAG ids may hold dots too.
    regexRule(`dagrun\\.duration\\.success\\.${ANY}`, 'airflow_dagrun_duration', { dag_id: '$1', state: 'success' }),
    regexRule(`dagrun\\.duration\\.failed\\.${ANY}`, 'airflow_dagrun_duration', { dag_id: '$1', state: 'failed' }),
    regexRule(`dagrun\\.schedule_delay\\.${ANY}`, 'airflow_dagrun_schedule_delay', { dag_id: '$1' }),
    regexRule(`dagrun\\.dependency-check\\.${ANY}`, 'airflow_dagrun_dependency_check', { dag_id: '$1' }),
    regexRule(`dagrun\\.${ANY}\\.first_task_scheduling_delay`, 'airflow_dagrun_first_task_scheduling_delay', { dag_id: '$1' }),

    // operators
    regexRule('operator_failures_(.+)', 'airflow_operator_failures', { operator: '$1' }),
    regexRule('operator_successes_(.+)', 'airflow_operator_successes', { operator: '$1' }),
    regexRule('task_instance_created[_-](.+)', 'airflow_task_instance_created', { operator: '$1' }),

    // Celery
    rule('celery.task_timeout_error', 'airflow_celery_task_timeout_error'),
    rule('celery.execute_command.failure', 'airflow_celery_execute_command_failure'),

    // triggerer
    // host names may be fully qualified.
    regexRule(`triggers\\.running\\.${ANY}`, 'airflow_triggers_running', { hostname: '$1' }),
    regexRule(`triggerer\\.capacity_left\\.${ANY}`, 'airflow_triggerer_capacity_left', { hostname: '$1' }),
  ];
}

/**
 * The exporter's `mappings.yml`: the library's rules, then the user's, then a rule dropping what none mapped.
 *
 * @internal
 */
export function renderStatsdMappings(executors: string[], extra: StatsdMappingRule[]): string {
  // deployments of one app mostly share the same mappings: render each variant once.
  const key = JSON.stringify([executors, extra]);
  const cached = RENDERED.get(key);
  if (cached !== undefined) return cached;
  const rendered = renderMappings(executors, extra);
  RENDERED.set(key, rendered);
  return rendered;
}

const RENDERED = new Map<string, string>();

function renderMappings(executors: string[], extra: StatsdMappingRule[]): string {
  const user: MappingEntry[] = extra.map(r => ({ match: r.match, name: r.name, ...(r.labels ? { labels: { ...r.labels } } : {}) }));
  const mappings = [...builtinStatsdMappings(executors), ...user, CATCH_ALL_DROP].map(m => (m.labels === undefined ? withoutLabels(m) : m));
  const header = '# Generated by cdk8s-airflow: Airflow\'s StatsD metrics as labelled Prometheus metrics.\n'
    + '# Rules are tried in order, the first match wins; timers become histograms in seconds.\n';
  return header + stringifyYaml({
    defaults: { observer_type: 'histogram', histogram_options: { buckets: DURATION_BUCKETS }, match_type: 'glob' },
    mappings,
  });
}

function withoutLabels(m: MappingEntry): MappingEntry {
  const { labels: _labels, ...rest } = m;
  return rest;
}

/** One part of a StatsD glob, as the exporter accepts it. */
const GLOB_PART = '(\\*|[a-zA-Z_](-?[a-zA-Z0-9_])+)';
const GLOB = new RegExp(`^${GLOB_PART}(\\.${GLOB_PART})*$`);
const METRIC_NAME = /^([a-zA-Z_]|\$\{?\d+\}?)([a-zA-Z0-9_]|\$\{?\d+\}?)*$/;
/** The exporter wants label names of at least 2 characters. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]+$/;

/**
 * Checks the user's mapping rules: the exporter refuses to start on a bad one.
 *
 * @param where the API named in the messages, e.g. `AirflowMetrics.statsd`.
 * @internal
 */
export function checkStatsdMappings(rules: StatsdMappingRule[], where: string): void {
  rules.forEach((r, i) => {
    if (!GLOB.test(r.match)) {
      throw new Error(`${where}: 'extraMappings[${i}].match' '${r.match}' is not a StatsD glob: write dot-separated parts of letters, digits, '_' and '-' `
        + "(at least 2 characters each) or '*', e.g. 'airflow.my_team.rows.*'");
    }
    if (!METRIC_NAME.test(r.name)) {
      throw new Error(`${where}: 'extraMappings[${i}].name' '${r.name}' is not a Prometheus metric name: use letters, digits and '_' `
        + "(and $1 for a matched part), e.g. 'airflow_my_team_rows'");
    }
    for (const label of Object.keys(r.labels ?? {})) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) {
        throw new Error(`${where}: 'extraMappings[${i}].labels' has '${label}', which is not a Prometheus label name: `
          + "use at least 2 letters, digits and '_', not starting with a digit or '__', e.g. 'table'");
      }
    }
  });
}

/**
 * The class names of the executors in `[core] executor` (`KubernetesExecutor`, `CeleryExecutor`, ...), as Airflow
 * names them in its executor metrics.
 *
 * @param setting the value of `[core] executor`, e.g. `CeleryExecutor,KubernetesExecutor` or `team_a:my.module.MyExecutor`.
 * @internal
 */
export function executorClassNames(setting: string): string[] {
  return setting.split(',').map(e => e.trim()).filter(e => e !== '').map(e => {
    const path = e.includes(':') ? e.slice(e.lastIndexOf(':') + 1) : e;
    return path.slice(path.lastIndexOf('.') + 1);
  });
}
