import { Construct } from 'constructs';
import { DatabaseCleanup, DatabaseCleanupOptions } from './database-cleanup';
import { PodCleanup, PodCleanupOptions } from './pod-cleanup';
import { AirflowExecutor } from '../executors/airflow-executor';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';

/**
 * Scheduled maintenance of an `AirflowDeployment`: each job runs only when its options are given.
 */
export interface MaintenanceOptions {
  /**
   * Purge old rows from the metadata database with `airflow db clean` on a schedule.
   *
   * @default - no database cleanup.
   */
  readonly databaseCleanup?: DatabaseCleanupOptions;
  /**
   * Delete finished and failed task pods with `airflow kubernetes cleanup-pods` on a schedule. Only with the
   * KubernetesExecutor (`AirflowExecutor.kubernetes()`, `.celeryAndKubernetes()` or `.celeryKubernetes()`).
   *
   * @default - no pod cleanup.
   */
  readonly podCleanup?: PodCleanupOptions;
}

/**
 * Props for `AirflowMaintenance`.
 */
export interface AirflowMaintenanceProps extends MaintenanceOptions {
  /** The Airflow pod recipe the jobs are built from. */
  readonly recipe: AirflowPodRecipe;
  /** The deployment's executor (the pod cleanup needs the KubernetesExecutor). */
  readonly executor: AirflowExecutor;
}

/**
 * The maintenance CronJobs of a deployment: database cleanup (`DatabaseCleanup`) and task pod cleanup (`PodCleanup`).
 */
export class AirflowMaintenance extends Construct {
  /** The database cleanup, with `databaseCleanup`. */
  public readonly databaseCleanup?: DatabaseCleanup;
  /** The task pod cleanup, with `podCleanup`. */
  public readonly podCleanup?: PodCleanup;

  constructor(scope: Construct, id: string, props: AirflowMaintenanceProps) {
    super(scope, id);
    if (props.podCleanup && props.executor._kubernetes === undefined) {
      throw new Error(`'maintenance.podCleanup' deletes KubernetesExecutor task pods, but 'executor' is ${props.executor.setting}: `
        + 'remove podCleanup, or use an executor with the KubernetesExecutor (AirflowExecutor.kubernetes() or .celeryAndKubernetes())');
    }
    if (props.databaseCleanup) {
      this.databaseCleanup = new DatabaseCleanup(this, 'DatabaseCleanup', { recipe: props.recipe, ...props.databaseCleanup });
    }
    if (props.podCleanup) {
      this.podCleanup = new PodCleanup(this, 'PodCleanup', { recipe: props.recipe, ...props.podCleanup });
    }
  }
}
