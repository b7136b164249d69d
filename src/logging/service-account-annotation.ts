import * as kplus from 'cdk8s-plus-28';
import { annotateServiceAccount } from '../pod/service-account-identity';

/**
 * Annotates the ServiceAccount of a pod with a cloud identity (IRSA role, GKE Workload Identity) for logs.
 *
 * @param factory the credentials factory named in errors, e.g. `S3Credentials.fromServiceAccountRole`.
 * @param alternative what to do instead when the ServiceAccount cannot be annotated.
 * @internal
 */
export function annotateLogsServiceAccount(pod: kplus.AbstractPod, key: string, value: string, factory: string, alternative: string): void {
  annotateServiceAccount(pod, key, value, {
    none: () => new Error(`'logs': ${factory} annotates the ServiceAccount of every pod that reads or writes logs, `
      + `but pod '${pod.node.path}' has none (it runs as 'default'): give the pod a kplus.ServiceAccount, or ${alternative}`),
    imported: sa => new Error(`'logs': ${factory} cannot annotate ServiceAccount '${sa}' of pod '${pod.node.path}': `
      + `it is imported, not defined in this app; ${alternative}`),
    conflict: (sa, existing) => new Error(`'logs': ServiceAccount '${sa}' of pod '${pod.node.path}' already has '${key}: ${existing}', cannot set '${value}': `
      + 'a ServiceAccount has one identity; use the same one for logs and everything else the pod reads, or give the pod another ServiceAccount'),
  });
}
