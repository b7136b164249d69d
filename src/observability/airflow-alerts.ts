import { Duration } from 'cdk8s';

/**
 * When the alert rules of `AirflowMetrics.statsd({ alerts: true })` fire.
 */
export interface AirflowAlertThresholds {
  /**
   * How long no scheduler heartbeat may arrive before `AirflowSchedulerHeartbeatMissing` fires.
   *
   * @default Duration.minutes(5)
   */
  readonly schedulerHeartbeatMissing?: Duration;
  /**
   * How long task instances may wait in the queued state without a pause before `AirflowTasksQueuedTooLong` fires.
   *
   * @default Duration.minutes(15)
   */
  readonly tasksQueued?: Duration;
  /**
   * The longest acceptable parse of the whole DAG folder (`dag_processing.total_parse_time`); above it for
   * 10 minutes, `AirflowDagProcessingSlow` fires.
   *
   * @default Duration.minutes(5)
   */
  readonly dagProcessingDuration?: Duration;
  /**
   * How long tasks may be queued while no Celery worker is available before `AirflowCeleryWorkersAbsent` fires
   * (Celery only; leaves time for a worker pool scaled to zero to start a worker).
   *
   * @default Duration.minutes(10)
   */
  readonly celeryWorkersAbsent?: Duration;
}

/**
 * One Prometheus alerting rule.
 *
 * @internal
 */
export interface AirflowAlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { [name: string]: string };
  readonly annotations: { [name: string]: string };
}

/**
 * A Celery worker workload, as kube-state-metrics names it.
 *
 * @internal
 */
export interface CeleryWorkerRef {
  /** `Deployment` or `StatefulSet`. */
  readonly kind: string;
  readonly name: string;
}

/**
 * What the alert rules depend on.
 *
 * @internal
 */
export interface AirflowAlertContext {
  /** The Prometheus `job` of the StatsD exporter (the name of its Service, as a ServiceMonitor sets it). */
  readonly job: string;
  /** The namespace of the exporter and the workers, when the chart has one. */
  readonly namespace?: string;
  readonly scrapeInterval: Duration;
  readonly thresholds: AirflowAlertThresholds;
  /** The Celery worker workloads; none without the CeleryExecutor. */
  readonly celeryWorkers: CeleryWorkerRef[];
  /** Whether the KubernetesExecutor runs tasks. */
  readonly kubernetesExecutor: boolean;
  /** Labels added to every alert (they override the rules' own `severity`). */
  readonly labels: { [name: string]: string };
}

/**
 * The thresholds with their defaults.
 *
 * @internal
 */
export function resolveAlertThresholds(thresholds: AirflowAlertThresholds, where: string): Required<AirflowAlertThresholds> {
  const resolved: Required<AirflowAlertThresholds> = {
    schedulerHeartbeatMissing: thresholds.schedulerHeartbeatMissing ?? Duration.minutes(5),
    tasksQueued: thresholds.tasksQueued ?? Duration.minutes(15),
    dagProcessingDuration: thresholds.dagProcessingDuration ?? Duration.minutes(5),
    celeryWorkersAbsent: thresholds.celeryWorkersAbsent ?? Duration.minutes(10),
  };
  for (const [name, value] of Object.entries(resolved)) {
    const seconds = value.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < 60) {
      throw new Error(`${where}: 'alertThresholds.${name}' must be a whole number of seconds of at least 1 minute, got ${seconds}s: `
        + 'Prometheus evaluates rules every 30 to 60 seconds, so shorter thresholds only add noise');
    }
  }
  return resolved;
}

/**
 * A Prometheus duration: `90s`, `5m`, `2h`.
 *
 * @internal
 */
export function promDuration(duration: Duration): string {
  const seconds = Math.round(duration.toSeconds({ integral: false }));
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * The alert rules, written against the metric names of the library's StatsD mappings.
 *
 * @internal
 */
export function airflowAlertRules(ctx: AirflowAlertContext): AirflowAlertRule[] {
  const t = resolveAlertThresholds(ctx.thresholds, 'AirflowStatsd');
  const ns = ctx.namespace ? `,namespace="${ctx.namespace}"` : '';
  const s = `{job="${ctx.job}"${ns}}`;
  // a counter needs a few scrapes in its range to give a rate.
  const range = promDuration(Duration.seconds(Math.max(120, 4 * ctx.scrapeInterval.toSeconds({ integral: false }))));
  const labels = (severity: string) => ({ severity, ...ctx.labels });

  const rules: AirflowAlertRule[] = [
    {
      alert: 'AirflowSchedulerHeartbeatMissing',
      expr: `sum(rate(airflow_scheduler_heartbeat${s}[${range}])) == 0 or absent(airflow_scheduler_heartbeat${s})`,
      for: promDuration(t.schedulerHeartbeatMissing),
      labels: labels('critical'),
      annotations: {
        summary: 'No Airflow scheduler is heartbeating',
        description: `No scheduler heartbeat reached the StatsD exporter ${ctx.job} for ${promDuration(t.schedulerHeartbeatMissing)}: `
          + 'no new task is scheduled. Check the scheduler pods, their logs and the metadata database.',
      },
    },
    {
      alert: 'AirflowTasksQueuedTooLong',
      expr: `sum(airflow_pool_queued_slots${s}) > 0`,
      for: promDuration(t.tasksQueued),
      labels: labels('warning'),
      annotations: {
        summary: 'Airflow tasks stay queued',
        description: `{{ $value }} task instances have been queued for ${promDuration(t.tasksQueued)} without a pause: `
          + 'the executor cannot start them (no free worker slot, pods that cannot be scheduled, a broken broker).',
      },
    },
    {
      alert: 'AirflowDagProcessingSlow',
      expr: `max(airflow_dag_processing_total_parse_time${s}) > ${Math.round(t.dagProcessingDuration.toSeconds({ integral: false }))}`,
      for: '10m',
      labels: labels('warning'),
      annotations: {
        summary: 'Parsing the Airflow DAG folder is slow',
        description: `One pass over every DAG file takes {{ $value }} seconds, more than ${Math.round(t.dagProcessingDuration.toSeconds({ integral: false }))}: `
          + 'DAG changes show late and scheduling lags. Look for slow top-level code in DAG files '
          + '(airflow_dag_processing_last_duration per file) or give the dag-processor more CPU.',
      },
    },
    {
      alert: 'AirflowDagImportErrors',
      expr: `max(airflow_dag_processing_import_errors${s}) > 0`,
      for: '5m',
      labels: labels('warning'),
      annotations: {
        summary: 'Airflow cannot import some DAG files',
        description: '{{ $value }} DAG files fail to import, so their DAGs do not run: see the import errors in the Airflow UI.',
      },
    },
  ];

  if (ctx.celeryWorkers.length > 0) {
    const available = (kind: string, metric: string, label: string) => {
      const names = ctx.celeryWorkers.filter(w => w.kind === kind).map(w => w.name).sort();
      return names.length === 0 ? [] : [`sum(${metric}{${ctx.namespace ? `namespace="${ctx.namespace}",` : ''}${label}=~"${names.join('|')}"}) > 0`];
    };
    const workers = [
      ...available('Deployment', 'kube_deployment_status_replicas_available', 'deployment'),
      ...available('StatefulSet', 'kube_statefulset_status_replicas_ready', 'statefulset'),
    ];
    rules.push({
      alert: 'AirflowCeleryWorkersAbsent',
      expr: `sum(airflow_pool_queued_slots${s}) > 0 unless on() (${workers.join(' or ')})`,
      for: promDuration(t.celeryWorkersAbsent),
      labels: labels('critical'),
      annotations: {
        summary: 'Airflow tasks are queued but no Celery worker is available',
        description: `{{ $value }} task instances are queued and no Celery worker pod has been available for ${promDuration(t.celeryWorkersAbsent)} `
          + '(read from kube-state-metrics). Check the worker Deployments or StatefulSets, their autoscalers and the broker.',
      },
    });
  }

  if (ctx.kubernetesExecutor) {
    rules.push({
      alert: 'AirflowTaskPodLaunchFailures',
      expr: `sum(increase(airflow_scheduler_tasks_killed_externally${s}[15m])) > 0`,
      labels: labels('warning'),
      annotations: {
        summary: 'Airflow task pods fail before their task runs',
        description: '{{ $value }} task instances failed in the last 15 minutes before they started: the executor reported them failed '
          + 'while they were still queued (with the KubernetesExecutor: pod creation refused, image pull errors, pods pending too long). '
          + 'Check the scheduler logs and the events of the task pods.',
      },
    });
  }
  return rules;
}
