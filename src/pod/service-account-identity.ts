import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/**
 * The errors `annotateServiceAccount` throws, worded by its caller.
 *
 * @internal
 */
export interface ServiceAccountAnnotationErrors {
  /** The pod has no ServiceAccount. */
  readonly none: () => Error;
  /** The ServiceAccount is imported, so the app cannot annotate it. */
  readonly imported: (serviceAccount: string) => Error;
  /** The ServiceAccount already carries another value for the key. */
  readonly conflict: (serviceAccount: string, existing: string) => Error;
}

/**
 * Annotates the ServiceAccount of a pod with a cloud identity (an IRSA role, a GKE Workload Identity), once: the
 * same value again is fine, another value is an error, as is a pod without a ServiceAccount of this app.
 *
 * @internal
 */
export function annotateServiceAccount(pod: kplus.AbstractPod, key: string, value: string, errors: ServiceAccountAnnotationErrors): void {
  const sa = pod.serviceAccount;
  if (sa === undefined) throw errors.none();
  if (!(sa instanceof kplus.ServiceAccount)) throw errors.imported(sa.name);
  const metadata = ApiObject.of(sa).metadata;
  const existing = metadata.toJson().annotations?.[key];
  if (existing !== undefined && existing !== value) throw errors.conflict(sa.name, existing);
  metadata.addAnnotation(key, value);
}
