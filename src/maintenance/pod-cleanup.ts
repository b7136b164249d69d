import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { cronSchedule } from './cron-schedule';
import { maintenanceCronJob } from './maintenance-cron-job';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { cpuAndMemory } from '../pod/security';

/**
 * Options of the task pod cleanup (`airflow kubernetes cleanup-pods`) run by a CronJob.
 */
export interface PodCleanupOptions {
  /**
   * When to run, as a 5-field cron expression (`minute hour day-of-month month day-of-week`).
   *
   * @default '*\/15 * * * *' (every 15 minutes)
   */
  readonly schedule?: string;
  /**
   * Resources of the cleanup container.
   *
   * @default - 50m CPU, 256Mi memory request, 1Gi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * Props for `PodCleanup`.
 */
export interface PodCleanupProps extends PodCleanupOptions {
  /** The Airflow pod recipe (image and config). */
  readonly recipe: AirflowPodRecipe;
}

/**
 * A CronJob deleting finished, failed and evicted KubernetesExecutor task pods with
 * `airflow kubernetes cleanup-pods`, for pods the scheduler did not delete (kept with `deleteWorkerPods: false`,
 * or left behind by a scheduler restart).
 *
 * The command looks only at pods carrying Airflow's task labels (`dag_id`, `task_id`, ...) in the pod's own namespace
 * (`--namespace $(POD_NAMESPACE)`, from the downward API). Its ServiceAccount gets an API token and a Role with
 * exactly `list` and `delete` on `pods`: the command lists the pods and deletes by name, it never `get`s one.
 */
export class PodCleanup extends Construct {
  /** The CronJob. */
  public readonly cronJob: kplus.CronJob;
  /** The ServiceAccount the cleanup pods run as. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The Role allowing to list and delete pods. */
  public readonly role: kplus.Role;
  /** The container running `airflow kubernetes cleanup-pods`. */
  public readonly container: kplus.Container;

  constructor(scope: Construct, id: string, props: PodCleanupProps) {
    super(scope, id);
    const recipe = props.recipe;
    const schedule = cronSchedule(props.schedule ?? '*/15 * * * *', 'maintenance.podCleanup.schedule');

    const names = recipe._names;
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { automountToken: false, metadata: names.metadata(this, 'ServiceAccount', 'pod-cleanup') });
    this.role = new kplus.Role(this, 'Role', { metadata: names.metadata(this, 'Role', 'pod-cleanup') });
    this.role.allow(['list', 'delete'], kplus.ApiResource.PODS);
    names.bindRole(this.role, 'pod-cleanup', this.serviceAccount);

    const { cronJob, pod } = maintenanceCronJob(this, {
      // the command calls the Kubernetes API.
      recipe, schedule, startingDeadline: Duration.minutes(5), serviceAccount: this.serviceAccount, apiAccess: true, component: 'pod-cleanup',
    });
    this.cronJob = cronJob;
    this.container = pod.addAirflowContainer({
      name: 'pod-cleanup',
      // Kubernetes expands $(POD_NAMESPACE) from the container's environment.
      args: ['airflow', 'kubernetes', 'cleanup-pods', '--namespace', '$(POD_NAMESPACE)'],
      envVariables: { POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE) },
      resources: props.resources ?? cpuAndMemory(50, 256, 1024),
    });
  }
}
