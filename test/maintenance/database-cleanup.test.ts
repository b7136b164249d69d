import { execFileSync } from 'child_process';
import { Duration, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowPodRecipe, AirflowVersion, DatabaseCleanup, DatabaseCleanupOptions } from '../../src';
import { cleanableTables } from '../../src/maintenance/database-cleanup';
import { container, one, testChart } from '../support/synth';

function synthCleanup(options: DatabaseCleanupOptions = {}, version: AirflowVersion = AirflowVersion.V3_2_2) {
  const chart = testChart();
  const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config', { version }) });
  new DatabaseCleanup(chart, 'DatabaseCleanup', { recipe, ...options });
  return Testing.synth(chart);
}

function gnuDate(): boolean {
  try {
    return execFileSync('date', ['--version'], { encoding: 'utf-8' }).includes('GNU');
  } catch {
    return false;
  }
}

const jobPodSpec = (cronJob: any) => cronJob.spec.jobTemplate.spec.template.spec;
const script = (manifests: any[]) => container(jobPodSpec(one(manifests, 'CronJob')), 'db-cleanup').args;

describe('DatabaseCleanup', () => {
  test('a CronJob on Sundays at 03:00, one at a time, one retry, one Job of each outcome kept', () => {
    const cronJob = one(synthCleanup(), 'CronJob');
    expect(cronJob.spec).toMatchObject({
      schedule: '0 3 * * 0',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 1,
      startingDeadlineSeconds: 3600,
      jobTemplate: { spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never' } } } },
    });
    expect(cronJob.metadata.name.length).toBeLessThanOrEqual(52);
  });

  test('computes the cut-off in the container at run time: 90 days by default, no timestamp in the manifests', () => {
    const args = script(synthCleanup());
    expect(args.slice(0, 2)).toEqual(['bash', '-c']);
    expect(args[2]).toBe('set -euo pipefail\n'
      + 'CLEAN_BEFORE="$(date -u -d \'-90 days\' \'+%Y-%m-%dT%H:%M:%S+00:00\')"\n'
      + 'echo "Deleting metadata older than $CLEAN_BEFORE"\n'
      + 'exec airflow db clean --clean-before-timestamp "$CLEAN_BEFORE" --yes --verbose\n');
    expect(args[2]).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  // GNU date (Linux, and the Debian-based Airflow image) understands `-d '-30 days'`; BSD date does not.
  test.skipIf(!gnuDate())('the script runs in bash and GNU date gives a timestamp Airflow parses', () => {
    const args = script(synthCleanup({ retention: Duration.days(30) }));
    // run the script with `airflow` replaced by echo: the cut-off must be 30 days ago, in UTC.
    const output = execFileSync('bash', ['-c', args[2].replace('exec airflow', 'exec echo')], { encoding: 'utf-8' });
    const match = /--clean-before-timestamp (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00) --yes/.exec(output);
    expect(match).not.toBeNull();
    const days = (Date.now() - Date.parse(match![1])) / 86400000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
  });

  test('retention in the largest whole unit, tables, --skip-archive and the schedule are passed through', () => {
    const args = script(synthCleanup({
      schedule: '30 1 * * *', retention: Duration.hours(36), tables: ['log', 'xcom', 'log'], skipArchive: true,
    }));
    expect(args[2]).toContain("date -u -d '-36 hours'");
    expect(args[2]).toContain('exec airflow db clean --clean-before-timestamp "$CLEAN_BEFORE" --yes --verbose --skip-archive --tables log,xcom\n');
    expect(script(synthCleanup({ retention: Duration.minutes(1500) }))[2]).toContain("-d '-25 hours'");
    expect(script(synthCleanup({ retention: Duration.minutes(1441) }))[2]).toContain("-d '-1441 minutes'");
    expect(one(synthCleanup({ schedule: ' 30  1 * * MON-FRI ' }), 'CronJob').spec.schedule).toBe('30 1 * * MON-FRI');
  });

  test('built from the pod recipe: config, database connection, restricted, no DAGs, no API token', () => {
    const manifests = synthCleanup();
    const cronJob = one(manifests, 'CronJob');
    const spec = jobPodSpec(cronJob);
    const c = container(spec, 'db-cleanup');
    expect(cronJob.spec.jobTemplate.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'db-cleanup', 'app.kubernetes.io/name': 'airflow' });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/opt/airflow/airflow.cfg', '/tmp', '/opt/airflow/logs']);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(spec.initContainers).toBeUndefined();
    expect(spec.automountServiceAccountToken).toBe(false);
    const serviceAccount = one(manifests, 'ServiceAccount', 'db-cleanup');
    expect(spec.serviceAccountName).toBe(serviceAccount.metadata.name);
    expect(serviceAccount.automountServiceAccountToken).toBe(false);
    expect(manifests.filter(m => m.kind === 'Role' || m.kind === 'RoleBinding')).toEqual([]);
  });

  test('cleanable tables: a small list per major version', () => {
    expect(cleanableTables(AirflowVersion.V2_11_0)).toEqual([
      'callback_request', 'celery_taskmeta', 'celery_tasksetmeta', 'dag', 'dag_run', 'dataset_event', 'import_error', 'job', 'log',
      'session', 'sla_miss', 'task_fail', 'task_instance', 'task_instance_history', 'task_reschedule', 'trigger', 'xcom',
    ]);
    expect(cleanableTables(AirflowVersion.V3_0_6)).toEqual([
      '_xcom_archive', 'asset_event', 'callback_request', 'celery_taskmeta', 'celery_tasksetmeta', 'dag', 'dag_run', 'dag_version',
      'import_error', 'job', 'log', 'task_instance', 'task_instance_history', 'task_reschedule', 'trigger', 'xcom',
    ]);
    expect(cleanableTables(AirflowVersion.V3_2_2)).toEqual(cleanableTables(AirflowVersion.V3_0_6));
    // renamed tables are accepted on their own major version only.
    expect(script(synthCleanup({ tables: ['dataset_event', 'task_fail'] }, AirflowVersion.V2_10_5))[2]).toContain('--tables dataset_event,task_fail');
    expect(script(synthCleanup({ tables: ['asset_event', 'dag_version'] }))[2]).toContain('--tables asset_event,dag_version');
  });

  describe('errors', () => {
    test.each([
      ['4 fields', '0 3 * *'],
      ['6 fields (seconds)', '0 0 3 * * 0'],
      ['a macro', '@daily'],
      ['a time zone prefix', 'CRON_TZ=UTC 0 3 * * 0'],
      ['empty', ''],
    ])('schedule with %s', (_, schedule) => {
      expect(() => synthCleanup({ schedule })).toThrow(
        `'maintenance.databaseCleanup.schedule' must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), got '${schedule}': `
        + "write e.g. '0 3 * * 0' (Sundays at 03:00) or '*/15 * * * *' (every 15 minutes)");
    });

    test('retention under a day', () => {
      expect(() => synthCleanup({ retention: Duration.hours(12) })).toThrow(
        "'maintenance.databaseCleanup.retention' must be at least 1 day, got 12 hours: "
        + 'Airflow still reads recent rows (running DAG runs, task instances, XComs), e.g. use Duration.days(30)');
    });

    test('empty tables', () => {
      expect(() => synthCleanup({ tables: [] })).toThrow(
        "'maintenance.databaseCleanup.tables' is empty, so nothing would be cleaned: name tables or leave 'tables' out to clean every table");
    });

    test('a table of the other major version', () => {
      expect(() => synthCleanup({ tables: ['log', 'dataset_event'] })).toThrow(
        "'maintenance.databaseCleanup.tables' has 'dataset_event', which 'airflow db clean' does not clean on Airflow 3.2.2: use some of "
        + '_xcom_archive, asset_event, callback_request, celery_taskmeta, celery_tasksetmeta, dag, dag_run, dag_version, import_error, job, '
        + 'log, task_instance, task_instance_history, task_reschedule, trigger, xcom');
      expect(() => synthCleanup({ tables: ['asset_event'] }, AirflowVersion.V2_11_0)).toThrow(
        "'maintenance.databaseCleanup.tables' has 'asset_event', which 'airflow db clean' does not clean on Airflow 2.11.0: use some of callback_request,");
    });
  });
});
