import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { checkLabelMap } from '../utils/k8s-values';

/**
 * Where pods may run: node selector, tolerations and affinity, as in the Kubernetes pod spec.
 */
export interface PodPlacement {
  /**
   * Node labels the pod requires.
   *
   * @default - none.
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Taints the pod tolerates.
   *
   * @default - none.
   */
  readonly tolerations?: kplus.k8s.Toleration[];
  /**
   * Node and pod (anti-)affinity.
   *
   * @default - none.
   */
  readonly affinity?: kplus.k8s.Affinity;
}

/**
 * Writes a placement into a pod spec at `podSpecPath` (e.g. `/spec/template/spec`).
 *
 * @internal
 */
export function applyPlacement(apiObject: ApiObject, podSpecPath: string, placement: PodPlacement): void {
  checkLabelMap(placement.nodeSelector, 'nodeSelector');
  if (placement.nodeSelector && Object.keys(placement.nodeSelector).length > 0) {
    apiObject.addJsonPatch(JsonPatch.add(`${podSpecPath}/nodeSelector`, { ...placement.nodeSelector }));
  }
  if (placement.tolerations && placement.tolerations.length > 0) {
    apiObject.addJsonPatch(JsonPatch.add(`${podSpecPath}/tolerations`, placement.tolerations.map(t => kplus.k8s.toJson_Toleration(t))));
  }
  if (placement.affinity) {
    apiObject.addJsonPatch(JsonPatch.add(`${podSpecPath}/affinity`, kplus.k8s.toJson_Affinity(placement.affinity)));
  }
}
