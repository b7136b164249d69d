import { Duration } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { airflowAlertRules, promDuration } from '../../src/observability/airflow-alerts';

const base = { job: 'statsd', scrapeInterval: Duration.seconds(30), thresholds: {}, celeryWorkers: [], kubernetesExecutor: false, labels: {} };

describe('Airflow alert rules', () => {
  test('Prometheus durations', () => {
    expect([promDuration(Duration.seconds(90)), promDuration(Duration.minutes(5)), promDuration(Duration.hours(2))]).toEqual(['90s', '5m', '2h']);
  });

  test('the base set, without executor alerts', () => {
    const rules = airflowAlertRules(base);
    expect(rules.map(r => r.alert)).toEqual(['AirflowSchedulerHeartbeatMissing', 'AirflowTasksQueuedTooLong', 'AirflowDagProcessingSlow', 'AirflowDagImportErrors']);
    expect(rules[3].expr).toBe('max(airflow_dag_processing_import_errors{job="statsd"}) > 0');
  });

  test('Celery workers by kind; the KubernetesExecutor alert', () => {
    const rules = airflowAlertRules({ ...base, namespace: 'af', kubernetesExecutor: true, celeryWorkers: [{ kind: 'Deployment', name: 'b' }, { kind: 'Deployment', name: 'a' }] });
    expect(rules.map(r => r.alert).slice(-2)).toEqual(['AirflowCeleryWorkersAbsent', 'AirflowTaskPodLaunchFailures']);
    expect(rules.at(-2)!.expr).toBe('sum(airflow_pool_queued_slots{job="statsd",namespace="af"}) > 0 unless on() '
      + '(sum(kube_deployment_status_replicas_available{namespace="af",deployment=~"a|b"}) > 0)');
    expect(rules.at(-1)!.expr).toBe('sum(increase(airflow_scheduler_tasks_killed_externally{job="statsd",namespace="af"}[15m])) > 0');
  });
});
