import { Duration } from 'cdk8s';

/**
 * The tool that applies the manifests, when it is a GitOps controller; it decides how the one-shot Jobs
 * (migrations, secret generator) are cleaned up and ordered.
 */
export enum GitOpsTool {
  /**
   * Argo CD: the Jobs get sync waves (secret generator `-2`, migrations `-1`, everything else the default `0`), so
   * Argo CD runs them to completion before it syncs the components. Finished Jobs are not deleted by a TTL: Argo CD
   * prunes a Job when its name (which hashes its content) changes; a TTL deletion would make it recreate and rerun it.
   */
  ARGO_CD = 'ARGO_CD',
  /**
   * Flux: finished Jobs are not deleted by a TTL (Flux prunes a Job when its name changes; a TTL deletion would make
   * it recreate and rerun it). Flux has no waves inside one Kustomization: components wait for the migrations in
   * their init containers.
   */
  FLUX = 'FLUX',
}

/** `ttlSecondsAfterFinished` of the one-shot Jobs when no GitOps tool applies the manifests (e.g. `kubectl apply`). */
export const ONE_SHOT_JOB_TTL = Duration.hours(24);

/**
 * How a one-shot Job is kept and ordered: a TTL under `kubectl apply` (a Job deleted by it and applied again reruns,
 * which `airflow db migrate` and the secret generator allow: both are idempotent), sync waves under Argo CD.
 *
 * @internal
 */
export function oneShotJobLifecycle(gitOps: GitOpsTool | undefined, argoWave: number):
{ ttlAfterFinished?: Duration; annotations: { [key: string]: string } } {
  if (gitOps === undefined) return { ttlAfterFinished: ONE_SHOT_JOB_TTL, annotations: {} };
  return { annotations: gitOps === GitOpsTool.ARGO_CD ? { 'argocd.argoproj.io/sync-wave': String(argoWave) } : {} };
}
