import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/**
 * Annotates the ServiceAccount of a pod with a cloud identity (IRSA role, GKE Workload Identity) for logs.
 *
 * @param factory the credentials factory named in errors, e.g. `S3Credentials.fromServiceAccountRole`.
 * @param alternative what to do instead when the ServiceAccount cannot be annotated.
 * @internal
 */
export function annotateLogsServiceAccount(pod: kplus.AbstractPod, key: string, value: string, factory: string, alternative: string): void {
  const sa = pod.serviceAccount;
  if (sa === undefined) {
    throw new Error(`'logs': ${factory} annotates the ServiceAccount of every pod that reads or writes logs, `
      + `but pod '${pod.node.path}' has none (it runs as 'default'): give the pod a kplus.ServiceAccount, or ${alternative}`);
  }
  if (!(sa instanceof kplus.ServiceAccount)) {
    throw new Error(`'logs': ${factory} cannot annotate ServiceAccount '${sa.name}' of pod '${pod.node.path}': `
      + `it is imported, not defined in this app; ${alternative}`);
  }
  const metadata = ApiObject.of(sa).metadata;
  const existing = metadata.toJson().annotations?.[key];
  if (existing !== undefined && existing !== value) {
    throw new Error(`'logs': ServiceAccount '${sa.name}' of pod '${pod.node.path}' already has '${key}: ${existing}', cannot set '${value}': `
      + 'a ServiceAccount has one identity; use the same one for logs and everything else the pod reads, or give the pod another ServiceAccount');
  }
  metadata.addAnnotation(key, value);
}
