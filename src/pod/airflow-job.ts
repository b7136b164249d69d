import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowContainerOptions, AirflowPodRecipe } from './airflow-pod-recipe';
import { DagPodMode } from '../dags/dag-source';
import { GitOpsTool, oneShotJobLifecycle } from '../deploy/git-ops';
import { nameJobByContent } from '../naming/airflow-names';

/**
 * What differs between the one-shot Jobs that run an Airflow command (migrations, pools, FAB's first admin).
 * @internal
 */
export interface AirflowJobOptions {
  readonly recipe: AirflowPodRecipe;
  /** The component label and name part of the Job and its ServiceAccount. */
  readonly component: string;
  /** The construct id of the Job (its ServiceAccount's is `ServiceAccount`). */
  readonly jobId: string;
  readonly gitOps?: GitOpsTool;
  /** Its sync wave under Argo CD. */
  readonly argoWave: number;
  readonly backoffLimit: number;
  readonly activeDeadline: Duration;
  /** `TASK` for the migrations (they are what the others wait for); `LONG_RUNNING` adds the migrations wait. */
  readonly mode: DagPodMode;
  /** The one container, from the deployment's pod recipe. */
  readonly container: AirflowContainerOptions;
}

/**
 * A one-shot Job running one Airflow command, as every such Job of the library is built: its own ServiceAccount
 * without a token, the pod recipe (image, config, the secrets its component may read, restricted security) without
 * DAGs, the TTL or sync wave of `oneShotJobLifecycle`, and a name that ends with a hash of its content
 * (`nameJobByContent`): a changed command, config or image is a new Job (a Job's pod template is immutable), and
 * applying the same manifests again changes nothing.
 * @internal
 */
export function airflowJob(scope: Construct, options: AirflowJobOptions): { job: kplus.Job; serviceAccount: kplus.ServiceAccount } {
  const { recipe, component } = options;
  const names = recipe._names;
  const lifecycle = oneShotJobLifecycle(options.gitOps, options.argoWave);
  const serviceAccount = new kplus.ServiceAccount(scope, 'ServiceAccount', { automountToken: false, metadata: names.metadata(scope, 'ServiceAccount', component) });
  const job = new kplus.Job(scope, options.jobId, {
    metadata: { ...names.metadata(scope, 'Job', component), annotations: lifecycle.annotations },
    ttlAfterFinished: lifecycle.ttlAfterFinished,
    serviceAccount,
    automountServiceAccountToken: false,
    backoffLimit: options.backoffLimit,
    activeDeadline: options.activeDeadline,
    securityContext: recipe.podSecurityContext,
  });
  recipe.bind(scope, job, { mode: options.mode, dags: false, component, podMetadata: job.podMetadata }).addAirflowContainer(options.container);
  nameJobByContent(job);
  return { job, serviceAccount };
}
