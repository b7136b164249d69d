import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/**
 * The container security context of the Pod Security Standards "restricted" profile: non-root, no
 * privilege escalation, all capabilities dropped, the runtime's default seccomp profile, read-only root.
 *
 * @param user the uid to run as.
 * @default - the pod's uid.
 * @internal
 */
export function restrictedContainerSecurityContext(user?: number, group?: number): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user,
    group,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  };
}

/**
 * CPU request in millicores, memory request and limit in MiB (no CPU limit: throttling hurts Airflow's heartbeats).
 *
 * @internal
 */
export function cpuAndMemory(cpuMillis: number, memoryRequestMiB: number, memoryLimitMiB: number): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(cpuMillis) },
    memory: { request: Size.mebibytes(memoryRequestMiB), limit: Size.mebibytes(memoryLimitMiB) },
  };
}
