import { Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/*
 * Construction-time checks of values the Kubernetes API server validates at apply (kubernetes/kubernetes v1.33,
 * k8s.io/apimachinery/pkg/util/validation/validation.go and pkg/apis/core/validation/validation.go), so that a bad
 * prop fails with the prop, the value and the fix instead of at `kubectl apply`. test/support/api-rules.ts mirrors
 * the same rules on the synthesized output. All @internal.
 */

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IsEnvVarName as Kubernetes 1.28 enforces it (1.32+ relaxes it; the library supports 1.28). */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** IsQualifiedName: a label or annotation key. @internal */
export function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && !(parts[0].length <= 253 && DNS1123_SUBDOMAIN.test(parts[0]))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** Label keys and values (ValidateLabels); `what` says what the map is for (`labels`, `node labels`, ...). @internal */
export function checkLabelMap(labels: { [key: string]: string } | undefined, prop: string): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!isQualifiedName(key)) {
      throw new Error(`'${prop}': key '${key}' is not a Kubernetes label key: write an optional DNS prefix and '/', then at most 63 letters, `
        + "digits, '-', '_' and '.', starting and ending with a letter or digit (e.g. 'example.com/team')");
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      throw new Error(`'${prop}': the value '${value}' of '${key}' is not a Kubernetes label value: write at most 63 letters, digits, '-', '_' `
        + "and '.', starting and ending with a letter or digit (no spaces)");
    }
  }
}

/** Annotation keys (ValidateAnnotations). @internal */
export function checkAnnotationKeys(annotations: { [key: string]: string } | undefined, prop: string): void {
  for (const key of Object.keys(annotations ?? {})) {
    if (!isQualifiedName(key.toLowerCase())) {
      throw new Error(`'${prop}': key '${key}' is not a Kubernetes annotation key: write an optional DNS prefix and '/', then at most 63 `
        + "letters, digits, '-', '_' and '.' (e.g. 'example.com/owner')");
    }
  }
}

/** A DNS-1123 subdomain name (a PriorityClass, ...). @internal */
export function checkDnsSubdomain(value: string, prop: string): void {
  if (value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    throw new Error(`'${prop}' must be the name of a Kubernetes object (lowercase letters, digits, '-' and '.', at most 253), got '${value}'`);
  }
}

/** A namespace name (ValidateNamespaceName: a DNS-1123 label). @internal */
export function checkNamespaceName(value: string, prop: string): void {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new Error(`${prop} '${value}' is not a Kubernetes namespace name: use at most 63 lowercase letters, digits and '-', `
      + `starting and ending with a letter or digit (e.g. '${value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')}')`);
  }
}

/** A container port (validateContainerPorts: IsValidPortNum, IsValidPortName). @internal */
export function checkContainerPort(port: kplus.ContainerPort, prop: string): void {
  if (!Number.isInteger(port.number) || port.number < 1 || port.number > 65535) {
    throw new Error(`'${prop}': port ${port.number} is not a port number: use 1 to 65535`);
  }
  const name = port.name;
  if (name !== undefined && !(name.length <= 15 && /^[a-z0-9-]+$/.test(name) && /[a-z]/.test(name) && !name.includes('--') && !/^-|-$/.test(name))) {
    throw new Error(`'${prop}': port name '${name}' is not a Kubernetes port name: use at most 15 lowercase letters, digits and '-', `
      + "with at least one letter (e.g. 'metrics')");
  }
}

/** An environment variable name (ValidateEnv, strict as in Kubernetes 1.28). @internal */
export function checkEnvName(name: string, prop: string): void {
  if (!ENV_VAR_NAME.test(name)) {
    throw new Error(`'${prop}': '${name}' is not an environment variable name Kubernetes 1.28 accepts: use letters, digits, '_', '-' and '.', `
      + "not starting with a digit (e.g. 'MY_VAR')");
  }
}

/** A PersistentVolumeClaim size (ValidatePersistentVolumeClaimSpec: greater than zero). @internal */
export function checkStorageSize(size: Size | undefined, prop: string): void {
  if (size !== undefined && !(size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) > 0)) {
    throw new Error(`'${prop}' must be greater than zero (a PersistentVolumeClaim of size 0 is refused): give e.g. Size.gibibytes(10)`);
  }
}

/** cdk8s-plus Cpu amounts: `500m`, `1`, `1.5`. */
function cpuCores(cpu: kplus.Cpu | undefined): number | undefined {
  if (cpu === undefined) return undefined;
  const amount = String(cpu.amount);
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) / 1000 : Number(amount);
}

/** Requests within limits (ValidateResourceRequirements). @internal */
export function checkResources(resources: kplus.ContainerResources | undefined, prop: string): void {
  if (!resources) return;
  const cpuRequest = cpuCores(resources.cpu?.request);
  const cpuLimit = cpuCores(resources.cpu?.limit);
  if (cpuRequest !== undefined && cpuLimit !== undefined && cpuRequest > cpuLimit) {
    throw new Error(`'${prop}': the CPU request ${resources.cpu!.request!.amount} is above the CPU limit ${resources.cpu!.limit!.amount}: `
      + 'Kubernetes refuses a request above its limit; raise the limit or lower the request');
  }
  const mem = (s: Size | undefined) => (s === undefined ? undefined : s.toKibibytes({ rounding: SizeRoundingBehavior.NONE }));
  const memRequest = mem(resources.memory?.request);
  const memLimit = mem(resources.memory?.limit);
  if (memRequest !== undefined && memLimit !== undefined && memRequest > memLimit) {
    throw new Error(`'${prop}': the memory request ${memRequest}Ki is above the memory limit ${memLimit}Ki: `
      + 'Kubernetes refuses a request above its limit; raise the limit or lower the request');
  }
  for (const [what, s] of [['ephemeral storage', resources.ephemeralStorage]] as const) {
    const r = s?.request?.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
    const l = s?.limit?.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
    if (r !== undefined && l !== undefined && r > l) {
      throw new Error(`'${prop}': the ${what} request ${r}Ki is above its limit ${l}Ki: raise the limit or lower the request`);
    }
  }
}
