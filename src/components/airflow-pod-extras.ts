import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowPod } from '../pod/airflow-pod-recipe';
import { cpuAndMemory, restrictedContainerSecurityContext } from '../pod/security';
import { checkPinnedImage } from '../utils/image';
import { checkContainerPort, checkDnsSubdomain, checkEnvName, checkResources } from '../utils/k8s-values';

/**
 * A volume mounted into every Airflow container of a pod (the main container, its init containers and the
 * sidecars built from the pod recipe), not into extra containers.
 */
export interface AirflowVolumeMount {
  /** Where the containers see the volume: an absolute path, e.g. `/opt/airflow/plugins`. */
  readonly path: string;
  /** The volume, e.g. `kplus.Volume.fromConfigMap(...)` or `kplus.Volume.fromPersistentVolumeClaim(...)`. */
  readonly volume: kplus.Volume;
  /**
   * Whether the containers may only read the volume.
   *
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * A path inside the volume to mount instead of its root.
   *
   * @default - the root of the volume.
   */
  readonly subPath?: string;
}

/**
 * Escape hatches for pods the library builds: extra containers, volumes, environment, scheduling priority
 * and registry credentials.
 *
 * Extra containers and init containers get the Pod Security "restricted" container security context:
 * the fields of `securityContext` you leave out get the restricted value (non-root, no privilege
 * escalation, all capabilities dropped, `RuntimeDefault` seccomp, read-only root filesystem). A container
 * whose settings break "restricted" is an error unless `allowUnrestrictedContainers` is true. They also get
 * `imagePullPolicy: IfNotPresent` and 100m CPU, 128Mi memory request, 512Mi limit unless they set their own.
 */
export interface AirflowPodExtras {
  /**
   * Containers added next to the Airflow container(s), after the library's sidecars.
   *
   * In KubernetesExecutor task pods they must exit on their own when the task is done: a container that
   * keeps running keeps the pod, and the task, from finishing.
   *
   * @default - none.
   */
  readonly extraContainers?: kplus.ContainerProps[];
  /**
   * Init containers run after the library's own (migration wait, DAG sync), before the Airflow container.
   * An init container with `restartPolicy: ContainerRestartPolicy.ALWAYS` is a native sidecar
   * (Kubernetes 1.29+), which also stops by itself at the end of a task pod.
   *
   * @default - none.
   */
  readonly extraInitContainers?: kplus.ContainerProps[];
  /**
   * Volumes added to the pod, for extra containers that mount them through their own `volumeMounts`.
   *
   * @default - none.
   */
  readonly extraVolumes?: kplus.Volume[];
  /**
   * Volumes mounted into every Airflow container of the pod.
   *
   * @default - none.
   */
  readonly extraVolumeMounts?: AirflowVolumeMount[];
  /**
   * Environment variables of the main Airflow container taken from whole Secrets or ConfigMaps,
   * e.g. `kplus.Env.fromSecret(secret)`.
   *
   * @default - none.
   */
  readonly envFrom?: kplus.EnvFrom[];
  /**
   * The PriorityClass of the pods.
   *
   * @default - the cluster's default priority.
   */
  readonly priorityClassName?: string;
  /**
   * Secrets (type `kubernetes.io/dockerconfigjson`) used to pull the images of the pods, added to those
   * given to the whole deployment.
   *
   * @default - none.
   */
  readonly imagePullSecrets?: kplus.ISecret[];
  /**
   * Gives up Pod Security "restricted" for these pods: extra containers and init containers may then be
   * privileged, run as root, add capabilities or escalate privileges. The namespace must then allow the
   * "baseline" or "privileged" profile.
   *
   * @default false
   */
  readonly allowUnrestrictedContainers?: boolean;
  /**
   * Gives up Pod Security "restricted" and "baseline" for these pods: `extraVolumes` (and volumes of extra
   * containers) may then be hostPath volumes, such as the node's Docker socket, with access to the node.
   *
   * @default false
   */
  readonly allowHostPathVolumes?: boolean;
}

/**
 * The pod `applyPodExtras` works on.
 *
 * @internal
 */
export interface PodExtrasTarget {
  /** How error messages name the pod, e.g. `scheduler`. */
  readonly where: string;
  readonly pod: kplus.AbstractPod;
  readonly airflowPod: AirflowPod;
  /** The main Airflow container, which gets `envFrom`. */
  readonly container: kplus.Container;
  /** The object holding the pod spec, and where (e.g. `/spec/template/spec`). */
  readonly apiObject: ApiObject;
  readonly podSpecPath: string;
}

/**
 * Applies `AirflowPodExtras` to a pod whose Airflow containers exist already.
 *
 * @internal
 */
export function applyPodExtras(target: PodExtrasTarget, extras: AirflowPodExtras): void {
  const { where, pod, airflowPod, container } = target;
  const containers = [...pod.initContainers, ...pod.containers];
  const volumeNames = new Set<string>([...pod.volumes.map(v => v.name), ...containers.flatMap(c => c.mounts.map(m => m.volume.name))]);
  const knownVolumes = new Set<kplus.Volume>([...pod.volumes, ...containers.flatMap(c => c.mounts.map(m => m.volume))]);
  const checkHostPath = (prop: string, volume: kplus.Volume) => {
    const hostPath = volume._toKube().hostPath;
    if (hostPath && !(extras.allowHostPathVolumes ?? false)) {
      throw new Error(`'${prop}' of ${where}: volume '${volume.name}' mounts the node's '${hostPath.path}', which breaks Pod Security "restricted" and "baseline": `
        + 'use another volume type, or set \'allowHostPathVolumes: true\' to give that up');
    }
  };
  const checkVolume = (prop: string, volume: kplus.Volume) => {
    checkHostPath(prop, volume);
    if (volumeNames.has(volume.name) && !knownVolumes.has(volume)) {
      throw new Error(`'${prop}' of ${where}: volume name '${volume.name}' is already used in the pod: give the volume another name`);
    }
    volumeNames.add(volume.name);
    knownVolumes.add(volume);
  };

  for (const volume of extras.extraVolumes ?? []) {
    checkVolume('extraVolumes', volume);
    if (!pod.volumes.includes(volume)) pod.addVolume(volume);
  }
  const mountPaths = new Set(container.mounts.map(m => m.path));
  for (const mount of extras.extraVolumeMounts ?? []) {
    if (!mount.path.startsWith('/')) {
      throw new Error(`'extraVolumeMounts' of ${where}: 'path' must be an absolute path, got '${mount.path}'`);
    }
    if (mountPaths.has(mount.path)) {
      throw new Error(`'extraVolumeMounts' of ${where}: '${mount.path}' is already a mount path of the Airflow containers: mount the volume elsewhere`);
    }
    mountPaths.add(mount.path);
    checkVolume('extraVolumeMounts', mount.volume);
    airflowPod.mount(mount.path, mount.volume, { readOnly: mount.readOnly ?? false, subPath: mount.subPath });
  }
  for (const envFrom of extras.envFrom ?? []) container.env.copyFrom(envFrom);

  const names = new Set(containers.map(c => c.name));
  const allowUnrestricted = extras.allowUnrestrictedContainers ?? false;
  for (const [prop, list, add] of [
    ['extraInitContainers', extras.extraInitContainers, (p: kplus.ContainerProps) => pod.addInitContainer(p)],
    ['extraContainers', extras.extraContainers, (p: kplus.ContainerProps) => pod.addContainer(p)],
  ] as const) {
    for (const props of list ?? []) {
      if (!props.name) {
        throw new Error(`'${prop}' of ${where}: every container needs a 'name'`);
      }
      if (names.has(props.name)) {
        throw new Error(`'${prop}' of ${where}: container name '${props.name}' is already used in the pod: give the container another name`);
      }
      names.add(props.name);
      checkPinnedImage(props.image, `'${prop}' of ${where}: container '${props.name}' 'image'`, 'busybox:1.37.0');
      for (const port of props.ports ?? []) checkContainerPort(port, `${prop} of ${where}: container '${props.name}'`);
      for (const name of Object.keys(props.envVariables ?? {})) checkEnvName(name, `${prop} of ${where}: container '${props.name}'`);
      checkResources(props.resources, `${prop} of ${where}: container '${props.name}'`);
      for (const mount of props.volumeMounts ?? []) checkHostPath(prop, mount.volume);
      const securityContext = { ...restrictedContainerSecurityContext(), ...definedFields(props.securityContext ?? {}) };
      const violations = restrictedViolations(securityContext);
      if (violations.length > 0 && !allowUnrestricted) {
        throw new Error(`'${prop}' of ${where}: container '${props.name}' breaks Pod Security "restricted" (${violations.join('; ')}): `
          + 'change its securityContext, or set \'allowUnrestrictedContainers: true\' to run these pods outside the "restricted" profile');
      }
      add({
        ...props,
        imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
        resources: props.resources ?? cpuAndMemory(100, 128, 512),
        securityContext,
      });
    }
  }

  if (extras.priorityClassName !== undefined) {
    checkDnsSubdomain(extras.priorityClassName, `priorityClassName of ${where}`);
    target.apiObject.addJsonPatch(JsonPatch.add(`${target.podSpecPath}/priorityClassName`, extras.priorityClassName));
  }
  addImagePullSecrets(target.apiObject, target.podSpecPath, extras.imagePullSecrets ?? []);
}

/** The image pull secrets each object got so far: one JSON patch per object, whose list grows. */
const pullSecrets = new WeakMap<ApiObject, Array<{ name: string }>>();

/**
 * Adds image pull secrets to the pod spec of an object, keeping those added before (by a component, then by
 * the deployment).
 *
 * @internal
 */
export function addImagePullSecrets(apiObject: ApiObject, podSpecPath: string, secrets: kplus.ISecret[]): void {
  if (secrets.length === 0) return;
  let list = pullSecrets.get(apiObject);
  if (!list) {
    list = [];
    pullSecrets.set(apiObject, list);
    // the patch keeps a reference to the list; cdk8s copies it when it applies the patch at synth.
    apiObject.addJsonPatch(JsonPatch.add(`${podSpecPath}/imagePullSecrets`, list));
  }
  for (const secret of secrets) {
    if (!list.some(entry => entry.name === secret.name)) list.push({ name: secret.name });
  }
}

const POD_SPEC_PATHS: { [kind: string]: string } = {
  Pod: '/spec',
  Deployment: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  ReplicaSet: '/spec/template/spec',
  Job: '/spec/template/spec',
  CronJob: '/spec/jobTemplate/spec/template/spec',
};

/**
 * Adds image pull secrets to every pod under `scope`, and to `pods` outside it (e.g. a task pod template).
 *
 * @internal
 */
export function addImagePullSecretsEverywhere(scope: Construct, secrets: kplus.ISecret[], pods: kplus.AbstractPod[] = []): void {
  if (secrets.length === 0) return;
  const objects = scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  for (const object of [...objects, ...pods.map(p => ApiObject.of(p))]) {
    const path = POD_SPEC_PATHS[object.kind];
    if (path !== undefined) addImagePullSecrets(object, path, secrets);
  }
}

function definedFields(props: kplus.ContainerSecurityContextProps): kplus.ContainerSecurityContextProps {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
}

/** What makes a container security context break Pod Security "restricted". */
function restrictedViolations(sc: kplus.ContainerSecurityContextProps): string[] {
  const violations: string[] = [];
  if (sc.privileged === true) violations.push('privileged: true');
  if (sc.allowPrivilegeEscalation === true) violations.push('allowPrivilegeEscalation: true');
  if (sc.ensureNonRoot === false) violations.push('ensureNonRoot: false');
  if (sc.user === 0) violations.push('user: 0');
  if (!(sc.capabilities?.drop ?? []).includes(kplus.Capability.ALL)) violations.push('capabilities.drop without ALL');
  const added = (sc.capabilities?.add ?? []).filter(c => c !== kplus.Capability.NET_BIND_SERVICE);
  if (added.length > 0) violations.push(`capabilities.add ${added.join(', ')}`);
  const seccomp = sc.seccompProfile?.type;
  if (seccomp !== undefined && seccomp !== kplus.SeccompProfileType.RUNTIME_DEFAULT && seccomp !== kplus.SeccompProfileType.LOCALHOST) {
    violations.push(`seccompProfile ${seccomp}`);
  }
  return violations;
}
