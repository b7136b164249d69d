import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DagPodMode } from '../dags/dag-source';
import { GitOpsTool } from '../deploy/git-ops';
import { airflowJob } from '../pod/airflow-job';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { cpuAndMemory } from '../pod/security';

/** The component of the migrations Job: `<release>-migrate-<content hash>`. */
const COMPONENT = 'migrate';

/**
 * Props for `AirflowMigrations`.
 */
export interface AirflowMigrationsProps {
  /** The Airflow pod recipe (image, config, database connection). */
  readonly recipe: AirflowPodRecipe;
  /**
   * Retries before the Job is marked failed.
   *
   * @default 6
   */
  readonly backoffLimit?: number;
  /**
   * Resources of the migration container.
   *
   * @default - 100m CPU, 512Mi memory request, 1Gi limit.
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * The Secret key of a connection URL straight to the database, for a deployment whose Airflow containers connect
   * through a pooler (`PgBouncer`): migrations take advisory locks and run DDL that transaction pooling breaks. The
   * migration container gets it as `AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`, which wins over `airflow.cfg`.
   *
   * @default - the recipe's connection.
   */
  readonly directConnection?: kplus.SecretValue;
  /**
   * The GitOps tool applying the manifests: decides the Job's TTL and sync wave (see `GitOpsTool`).
   *
   * @default - none (`kubectl apply`): the finished Job is deleted after 24 hours.
   */
  readonly gitOps?: GitOpsTool;
}

/**
 * The Job that runs `airflow db migrate`.
 *
 * No Helm hooks exist here: the Job's name carries a hash of everything it runs (image, config, env), so a change gets
 * a new Job (Jobs are immutable) and re-applying the same manifests changes nothing. Components wait for
 * it in their `wait-for-airflow-migrations` init container, so applying everything at once (kubectl,
 * Argo CD, Flux) converges without ordering.
 */
export class AirflowMigrations extends Construct {
  /** The Job. */
  public readonly job: kplus.Job;
  /** The Job's ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;

  constructor(scope: Construct, id: string, props: AirflowMigrationsProps) {
    super(scope, id);
    const recipe = props.recipe;
    const backoffLimit = props.backoffLimit ?? 6;
    if (!Number.isInteger(backoffLimit) || backoffLimit < 0) {
      throw new Error(`'backoffLimit' of the migrations Job must be a whole number >= 0, got ${backoffLimit}`);
    }
    const { job, serviceAccount } = airflowJob(this, {
      recipe,
      component: COMPONENT,
      jobId: 'Resource',
      gitOps: props.gitOps,
      argoWave: -1,
      backoffLimit,
      activeDeadline: Duration.hours(1),
      mode: DagPodMode.TASK,
      container: {
        name: 'migrate',
        args: ['airflow', 'db', 'migrate'],
        resources: props.resources ?? cpuAndMemory(100, 512, 1024),
        envVariables: props.directConnection
          ? { AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: kplus.EnvValue.fromSecretValue(props.directConnection) }
          : undefined,
      },
    });
    this.job = job;
    this.serviceAccount = serviceAccount;
  }
}
