import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { cronSchedule } from './cron-schedule';
import { maintenanceCronJob } from './maintenance-cron-job';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { cpuAndMemory } from '../pod/security';
import { AirflowVersion } from '../version';

/** Tables `airflow db clean --tables` cleans in every supported Airflow 2 release (2.10, 2.11). */
const AIRFLOW_2_TABLES = [
  'callback_request', 'celery_taskmeta', 'celery_tasksetmeta', 'dag', 'dag_run', 'dataset_event', 'import_error', 'job', 'log',
  'session', 'sla_miss', 'task_fail', 'task_instance', 'task_instance_history', 'task_reschedule', 'trigger', 'xcom',
];
/** Tables `airflow db clean --tables` cleans in every supported Airflow 3 release (3.0 to 3.2). */
const AIRFLOW_3_TABLES = [
  '_xcom_archive', 'asset_event', 'callback_request', 'celery_taskmeta', 'celery_tasksetmeta', 'dag', 'dag_run', 'dag_version',
  'import_error', 'job', 'log', 'task_instance', 'task_instance_history', 'task_reschedule', 'trigger', 'xcom',
];

/**
 * The tables `airflow db clean --tables` accepts on a release (a conservative list: tables every supported release
 * of that major version cleans).
 *
 * @internal
 */
export function cleanableTables(version: AirflowVersion): string[] {
  return version.isAirflow3 ? [...AIRFLOW_3_TABLES] : [...AIRFLOW_2_TABLES];
}

/**
 * Options of the metadata database cleanup (`airflow db clean`) run by a CronJob.
 */
export interface DatabaseCleanupOptions {
  /**
   * When to run, as a 5-field cron expression (`minute hour day-of-month month day-of-week`), in the time zone of
   * the cluster's controller manager (usually UTC).
   *
   * @default '0 3 * * 0' (Sundays at 03:00)
   */
  readonly schedule?: string;
  /**
   * How much history to keep: rows older than this (at the time the Job runs) are deleted. At least one day.
   *
   * @default Duration.days(90)
   */
  readonly retention?: Duration;
  /**
   * Clean only these tables (`--tables`), e.g. `['log', 'xcom', 'job']`. Checked against the tables `airflow db clean`
   * accepts on the chosen Airflow version (Airflow silently skips unknown names).
   *
   * @default - every table `airflow db clean` cleans.
   */
  readonly tables?: string[];
  /**
   * Drop the deleted rows instead of keeping them in `_airflow_deleted__*` archive tables (`--skip-archive`).
   * Without it, the archive tables grow until you drop them (`airflow db drop-archived`).
   *
   * @default false
   */
  readonly skipArchive?: boolean;
  /**
   * Resources of the cleanup container.
   *
   * @default - 100m CPU, 512Mi memory request, 1Gi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * Props for `DatabaseCleanup`.
 */
export interface DatabaseCleanupProps extends DatabaseCleanupOptions {
  /** The Airflow pod recipe (image, config, database connection). */
  readonly recipe: AirflowPodRecipe;
}

/**
 * A CronJob purging old rows from the metadata database with `airflow db clean`.
 *
 * The cut-off timestamp is computed when the Job runs (`date -u -d "-<retention>"` in the container), never at
 * synth, so the manifests stay the same run to run. One Job at a time (`Forbid`), one retry, the last successful
 * and failed Jobs kept. The pod is built from the pod recipe (config and database connection, no DAGs) and runs
 * as a ServiceAccount of its own without a Kubernetes API token.
 */
export class DatabaseCleanup extends Construct {
  /** The CronJob. */
  public readonly cronJob: kplus.CronJob;
  /** The ServiceAccount the cleanup pods run as. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The container running `airflow db clean`. */
  public readonly container: kplus.Container;

  constructor(scope: Construct, id: string, props: DatabaseCleanupProps) {
    super(scope, id);
    const recipe = props.recipe;
    const schedule = cronSchedule(props.schedule ?? '0 3 * * 0', 'maintenance.databaseCleanup.schedule');
    const retention = props.retention ?? Duration.days(90);
    const seconds = retention.toSeconds({ integral: false });
    if (seconds < 86400) {
      throw new Error(`'maintenance.databaseCleanup.retention' must be at least 1 day, got ${retention.toHumanString()}: `
        + 'Airflow still reads recent rows (running DAG runs, task instances, XComs), e.g. use Duration.days(30)');
    }
    const tables = checkTables(props.tables, recipe.version);

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { automountToken: false, metadata: recipe._names.metadata(this, 'ServiceAccount', 'db-cleanup') });
    const { cronJob, pod } = maintenanceCronJob(this, {
      recipe, schedule, startingDeadline: Duration.hours(1), serviceAccount: this.serviceAccount, apiAccess: false, component: 'db-cleanup',
    });
    this.cronJob = cronJob;
    const command = [
      'exec airflow db clean --clean-before-timestamp "$CLEAN_BEFORE" --yes --verbose',
      ...(props.skipArchive ? ['--skip-archive'] : []),
      ...(tables ? [`--tables ${tables.join(',')}`] : []),
    ].join(' ');
    this.container = pod.addAirflowContainer({
      name: 'db-cleanup',
      args: ['bash', '-c', `set -euo pipefail\nCLEAN_BEFORE="$(date -u -d '-${dateOffset(seconds)}' '+%Y-%m-%dT%H:%M:%S+00:00')"\n`
        + `echo "Deleting metadata older than $CLEAN_BEFORE"\n${command}\n`],
      resources: props.resources ?? cpuAndMemory(100, 512, 1024),
    });
  }
}

/** `90 days`, `36 hours`, `90 minutes` or `100000 seconds`: the largest whole unit, for GNU `date -d`. */
function dateOffset(seconds: number): string {
  const whole = Math.floor(seconds);
  for (const [unit, size] of [['days', 86400], ['hours', 3600], ['minutes', 60]] as const) {
    if (whole % size === 0) return `${whole / size} ${unit}`;
  }
  return `${whole} seconds`;
}

function checkTables(tables: string[] | undefined, version: AirflowVersion): string[] | undefined {
  if (tables === undefined) return undefined;
  if (tables.length === 0) {
    throw new Error("'maintenance.databaseCleanup.tables' is empty, so nothing would be cleaned: name tables or leave 'tables' out to clean every table");
  }
  const known = cleanableTables(version);
  for (const table of tables) {
    if (!known.includes(table)) {
      throw new Error(`'maintenance.databaseCleanup.tables' has '${table}', which 'airflow db clean' does not clean on Airflow ${version.version}: `
        + `use some of ${known.join(', ')}`);
    }
  }
  return [...new Set(tables)];
}
