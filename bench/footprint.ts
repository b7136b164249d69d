/** What an example costs when idle, computed from its manifests. */
export interface Footprint {
  /** Pods running at zero load (long-running workloads at their replicas; autoscaled ones at their minimum; Jobs excluded). */
  readonly pods: number;
  readonly cpuRequestMillis: number;
  readonly cpuLimitMillis: number;
  readonly memoryRequestMiB: number;
  readonly memoryLimitMiB: number;
}

/** Kubernetes quantity → millicores. */
export function cpuMillis(quantity: string | number | undefined): number {
  if (quantity === undefined) return 0;
  const text = String(quantity);
  return text.endsWith('m') ? Number(text.slice(0, -1)) : Number(text) * 1000;
}

/** Kubernetes quantity → MiB. */
export function memoryMiB(quantity: string | number | undefined): number {
  if (quantity === undefined) return 0;
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(String(quantity));
  if (!match) throw new Error(`unknown memory quantity '${quantity}'`);
  const factor: Record<string, number> = { '': 1 / 1048576, 'Ki': 1 / 1024, 'Mi': 1, 'Gi': 1024, 'Ti': 1024 * 1024, 'k': 1000 / 1048576, 'M': 1e6 / 1048576, 'G': 1e9 / 1048576 };
  if (!(match[2] in factor)) throw new Error(`unknown memory unit in '${quantity}'`);
  return Number(match[1]) * factor[match[2]];
}

/**
 * Pods and the sum of CPU and memory requests and limits of the regular containers of every long-running
 * workload (init containers finish before the pod runs). Workloads scaled by a KEDA ScaledObject count at its
 * `minReplicaCount`, by an HPA at its `minReplicas`.
 */
export function idleFootprint(manifests: any[]): Footprint {
  const minimum = new Map<string, number>();
  for (const m of manifests) {
    if (m.kind === 'ScaledObject') minimum.set(`${m.spec.scaleTargetRef.kind ?? 'Deployment'}/${m.spec.scaleTargetRef.name}`, m.spec.minReplicaCount ?? 0);
    if (m.kind === 'HorizontalPodAutoscaler') minimum.set(`${m.spec.scaleTargetRef.kind}/${m.spec.scaleTargetRef.name}`, m.spec.minReplicas ?? 1);
  }
  let pods = 0;
  let cpuRequestMillis = 0;
  let cpuLimitMillis = 0;
  let memoryRequestMiB = 0;
  let memoryLimitMiB = 0;
  for (const m of manifests) {
    if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(m.kind)) continue;
    const replicas = minimum.get(`${m.kind}/${m.metadata.name}`) ?? m.spec.replicas ?? 1;
    pods += replicas;
    for (const c of m.spec.template.spec.containers) {
      cpuRequestMillis += replicas * cpuMillis(c.resources?.requests?.cpu);
      cpuLimitMillis += replicas * cpuMillis(c.resources?.limits?.cpu);
      memoryRequestMiB += replicas * memoryMiB(c.resources?.requests?.memory);
      memoryLimitMiB += replicas * memoryMiB(c.resources?.limits?.memory);
    }
  }
  return { pods, cpuRequestMillis, cpuLimitMillis, memoryRequestMiB: Math.round(memoryRequestMiB), memoryLimitMiB: Math.round(memoryLimitMiB) };
}
