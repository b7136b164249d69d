import { Cron, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DagPodMode } from '../dags/dag-source';
import { AirflowPod, AirflowPodRecipe } from '../pod/airflow-pod-recipe';

/**
 * What differs between the maintenance CronJobs.
 *
 * @internal
 */
export interface MaintenanceCronJobOptions {
  readonly recipe: AirflowPodRecipe;
  /** A schedule already checked with `cronSchedule`. */
  readonly schedule: Cron;
  readonly startingDeadline: Duration;
  readonly serviceAccount: kplus.ServiceAccount;
  /** Whether the pod gets a Kubernetes API token. */
  readonly apiAccess: boolean;
  /** The component label and container name. */
  readonly component: string;
}

/**
 * A maintenance CronJob (id `Resource`, named `<release>-<component>`): one Job at a
 * time, one retry, the last successful and failed Jobs kept, its pod built from the recipe without DAGs.
 *
 * @internal
 */
export function maintenanceCronJob(scope: Construct, options: MaintenanceCronJobOptions): { cronJob: kplus.CronJob; pod: AirflowPod } {
  const cronJob = new kplus.CronJob(scope, 'Resource', {
    metadata: options.recipe._names.metadata(scope, 'CronJob', options.component),
    schedule: options.schedule,
    concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
    startingDeadline: options.startingDeadline,
    successfulJobsRetained: 1,
    failedJobsRetained: 1,
    backoffLimit: 1,
    restartPolicy: kplus.RestartPolicy.NEVER,
    serviceAccount: options.serviceAccount,
    automountServiceAccountToken: options.apiAccess,
    securityContext: options.recipe.podSecurityContext,
  });
  const pod = options.recipe.bind(scope, cronJob, {
    mode: DagPodMode.TASK, dags: false, component: options.component, podMetadata: cronJob.podMetadata,
  });
  return { cronJob, pod };
}
