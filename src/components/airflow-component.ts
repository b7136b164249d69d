import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowPodExtras, applyPodExtras } from './airflow-pod-extras';
import { DagPodMode } from '../dags/dag-source';
import { AirflowContainerOptions, AirflowPod, AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { applyPlacement, PodPlacement } from '../pod/placement';
import { IAirflowSidecar } from '../sidecars/airflow-sidecar';
import { checkAnnotationKeys, checkEnvName, checkLabelMap, checkResources } from '../utils/k8s-values';
import { AirflowWarnings } from '../warnings';

/**
 * Options every long-running Airflow component accepts.
 */
export interface AirflowComponentOptions extends PodPlacement, AirflowPodExtras {
  /**
   * Number of pods.
   *
   * With 2 or more, the pods prefer different nodes (a preferred pod anti-affinity on
   * `kubernetes.io/hostname`, replaced by your `affinity` when you give one) and spread over zones
   * (`topology.kubernetes.io/zone`, max skew 1, `ScheduleAnyway`). Several schedulers need a database with
   * `SELECT ... FOR UPDATE SKIP LOCKED`: PostgreSQL or MySQL 8 (not MariaDB, not MySQL 5.7).
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * A PodDisruptionBudget (`maxUnavailable: 1`) so that node drains and cluster upgrades evict one pod of
   * the component at a time. With one replica it protects nothing (the pod may be evicted) but never blocks
   * a drain either, and takes effect as soon as the component is scaled out.
   *
   * @default true
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * Ready-made sidecars, e.g. `AirflowSidecar.kerberos({...})`, added after the main container.
   *
   * @default - none.
   */
  readonly sidecars?: IAirflowSidecar[];
  /**
   * Labels added to the pods (not to the selector).
   *
   * @default - only the library's labels.
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Annotations added to the pods.
   *
   * @default - only the library's annotations.
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * Annotations of the component's own ServiceAccount, e.g. `eks.amazonaws.com/role-arn` (IRSA) or
   * `iam.gke.io/gcp-service-account` (Workload Identity). An error together with `serviceAccount`
   * (annotate your own ServiceAccount instead).
   *
   * @default - none.
   */
  readonly serviceAccountAnnotations?: { [key: string]: string };
  /**
   * Resources of the component's main container (and its `wait-for-airflow-migrations` init container).
   *
   * @default - sized per component, see each component.
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * The ServiceAccount the pods run as.
   *
   * @default - a ServiceAccount of its own, without an API token unless the component uses the Kubernetes API.
   */
  readonly serviceAccount?: kplus.IServiceAccount;
  /**
   * How long Kubernetes waits after SIGTERM before killing the pod.
   *
   * @default - per component: 10 s scheduler, 30 s API server and webserver, 60 s triggerer and dag-processor.
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Extra environment variables of the main container.
   *
   * @default - none.
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };
  /**
   * Whether the pods get a Kubernetes API token (needed to launch or read task pods).
   *
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
}

/**
 * Props shared by every Airflow component.
 */
export interface AirflowComponentProps extends AirflowComponentOptions {
  /** The Airflow pod recipe (image, config, secrets, DAG source). */
  readonly recipe: AirflowPodRecipe;
}

/**
 * What makes one component differ from another; given by each component class to `AirflowComponent`.
 */
export interface AirflowComponentSpec {
  /** Component label and main container name, e.g. `scheduler`. */
  readonly component: string;
  /** Arguments of the main container, e.g. `['airflow', 'scheduler']`. */
  readonly args: string[];
  /** Whether the pods parse or run DAG files. */
  readonly dags: boolean;
  /** Default resources of the main container. */
  readonly resources: kplus.ContainerResources;
  /** Default termination grace period. */
  readonly terminationGracePeriod: Duration;
  /**
   * Container ports.
   *
   * @default - none.
   */
  readonly ports?: kplus.ContainerPort[];
  /** @default - no liveness probe. */
  readonly liveness?: kplus.Probe;
  /** @default - no readiness probe. */
  readonly readiness?: kplus.Probe;
  /** @default - no startup probe. */
  readonly startup?: kplus.Probe;
  /** @default - rolling update, one pod surge and none unavailable. */
  readonly strategy?: kplus.DeploymentStrategy;
  /**
   * Environment variables the component itself sets on its main container (not checked like a user's).
   *
   * @default - none.
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };
}

/**
 * The shape every long-running Airflow component shares: a Deployment built from the pod recipe, with its
 * own ServiceAccount, probes, grace period, replicas, resources and placement.
 *
 * Rollouts never drop the last ready pod (`maxSurge: 1`, `maxUnavailable: 0`); a PodDisruptionBudget
 * limits evictions to one pod at a time; with 2+ replicas the pods spread over nodes and zones.
 */
export abstract class AirflowComponent extends Construct {
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The ServiceAccount the pods run as. */
  public readonly serviceAccount: kplus.IServiceAccount;
  /** The main container. */
  public readonly container: kplus.Container;
  /** The pod as the recipe prepared it: mount volumes into every Airflow container through it. */
  public readonly airflowPod: AirflowPod;
  /** The pod recipe the pods are built from. */
  public readonly recipe: AirflowPodRecipe;
  /** The PodDisruptionBudget, unless `podDisruptionBudget` is false (none in the compact topology). */
  public readonly podDisruptionBudget?: kplus.k8s.KubePodDisruptionBudget;
  /** The component label of the pods: the component's own, or `compact` in the compact topology (for Services). */
  protected readonly podComponent: string;

  protected constructor(scope: Construct, id: string, props: AirflowComponentProps, spec: AirflowComponentSpec) {
    super(scope, id);
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new Error(`'replicas' of ${spec.component} must be a whole number >= 0, got ${replicas}`);
    }
    const grace = props.terminationGracePeriod;
    if (grace !== undefined && !Number.isInteger(grace.toMilliseconds() / 1000)) {
      throw new Error(`'terminationGracePeriod' of ${spec.component} must be a whole number of seconds (Kubernetes counts it in seconds), `
        + `got ${grace.toMilliseconds()} ms: use e.g. Duration.seconds(${Math.max(1, Math.round(grace.toMilliseconds() / 1000))})`);
    }
    if (props.serviceAccount && props.serviceAccountAnnotations) {
      throw new Error(`'serviceAccountAnnotations' of ${spec.component} has no effect together with 'serviceAccount': annotate your own ServiceAccount instead`);
    }
    this.recipe = props.recipe;
    const names = props.recipe._names;
    props.recipe.config._checkUserEnvironment(props.envVariables ?? {}, `envVariables of ${spec.component}`);
    for (const name of Object.keys(props.envVariables ?? {})) checkEnvName(name, `envVariables of ${spec.component}`);
    checkResources(props.resources, `resources of ${spec.component}`);
    const host = props.recipe._compactPod;
    // the component's Airflow container, the same in its own pod and in the compact one
    const containerOptions: AirflowContainerOptions = {
      name: spec.component,
      args: spec.args,
      resources: props.resources ?? spec.resources,
      envVariables: { ...spec.envVariables, ...props.envVariables },
      ports: spec.ports,
      liveness: spec.liveness,
      readiness: spec.readiness,
      startup: spec.startup,
    };
    if (host) {
      // AirflowTopology.compact(): a container of the one pod, which owns everything pod-level.
      checkCompactProps(spec.component, props);
      this.podComponent = host.component;
      this.deployment = host.deployment;
      this.serviceAccount = host.serviceAccount;
      this.airflowPod = host.airflowPod;
      const runsTasks = spec.component === 'scheduler' && host.schedulerRunsTasks;
      this.container = this.airflowPod.addAirflowContainer({
        ...containerOptions,
        secretComponents: runsTasks ? [spec.component, 'worker'] : [spec.component],
      });
      const sharedMetadata = this.deployment.podMetadata;
      for (const sidecar of props.sidecars ?? []) {
        sidecar.bind(this, this.airflowPod, {
          component: spec.component, recipe: props.recipe, container: this.container, podMetadata: sharedMetadata,
        });
      }
      applyPodExtras({
        where: spec.component,
        pod: this.deployment,
        airflowPod: this.airflowPod,
        container: this.container,
        apiObject: ApiObject.of(this.deployment),
        podSpecPath: '/spec/template/spec',
      }, props);
      return;
    }
    this.podComponent = spec.component;
    this.serviceAccount = props.serviceAccount ?? new kplus.ServiceAccount(this, 'ServiceAccount', {
      automountToken: false, metadata: { ...names.metadata(this, 'ServiceAccount', spec.component), annotations: props.serviceAccountAnnotations },
    });
    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: names.metadata(this, 'Deployment', spec.component),
      select: false,
      replicas,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      securityContext: props.recipe.podSecurityContext,
      terminationGracePeriod: props.terminationGracePeriod ?? spec.terminationGracePeriod,
      // never drop the last ready replica during a rollout.
      strategy: spec.strategy ?? kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
    });
    names.selectPods(this.deployment, spec.component);
    this.deployment.podMetadata.addAnnotation('kubectl.kubernetes.io/default-container', spec.component);
    this.airflowPod = props.recipe.bind(this, this.deployment, {
      mode: DagPodMode.LONG_RUNNING,
      dags: spec.dags,
      component: spec.component,
      podMetadata: this.deployment.podMetadata,
    });
    this.container = this.airflowPod.addAirflowContainer(containerOptions);
    const podMetadata = this.deployment.podMetadata;
    for (const sidecar of props.sidecars ?? []) {
      sidecar.bind(this, this.airflowPod, { component: spec.component, recipe: props.recipe, container: this.container, podMetadata });
    }
    const apiObject = ApiObject.of(this.deployment);
    applyPodExtras({
      where: spec.component, pod: this.deployment, airflowPod: this.airflowPod, container: this.container, apiObject, podSpecPath: '/spec/template/spec',
    }, props);
    addPodMetadata(spec.component, this.deployment, props);

    // several replicas: prefer different nodes and zones, so that one node or zone going down leaves a pod.
    const matchLabels = this.deployment.matchLabels;
    const spread = replicas >= 2;
    applyPlacement(apiObject, '/spec/template/spec', {
      ...props,
      affinity: props.affinity ?? (spread ? {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 100, podAffinityTerm: { labelSelector: { matchLabels }, topologyKey: 'kubernetes.io/hostname' },
          }],
        },
      } : undefined),
    });
    if (spread) {
      apiObject.addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [{
        maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels },
      }]));
    }
    if (props.podDisruptionBudget ?? true) {
      this.podDisruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: names.metadata(this, 'PodDisruptionBudget', spec.component),
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels } },
      });
    } else if (replicas === 1) {
      AirflowWarnings.of(this).add(`${spec.component} has one replica and no PodDisruptionBudget ('podDisruptionBudget: false'): `
        + 'nothing tells a node drain or the cluster autoscaler to wait for a replacement');
    }
  }
}

/** Per-component settings that belong to the one pod of the compact topology: `[prop, what to do]`. */
const POD_LEVEL_PROPS: Array<[keyof AirflowComponentOptions, string]> = [
  ['serviceAccount', 'the pod has one ServiceAccount'],
  ['serviceAccountAnnotations', 'set AirflowTopology.compact({ serviceAccountAnnotations })'],
  ['nodeSelector', 'set AirflowTopology.compact({ nodeSelector })'],
  ['tolerations', 'set AirflowTopology.compact({ tolerations })'],
  ['affinity', 'set AirflowTopology.compact({ affinity })'],
  ['terminationGracePeriod', 'set AirflowTopology.compact({ terminationGracePeriod })'],
  ['podLabels', 'set AirflowTopology.compact({ podLabels })'],
  ['podAnnotations', 'set AirflowTopology.compact({ podAnnotations })'],
  ['podDisruptionBudget', 'the one pod has none (it has no replica to keep)'],
  ['priorityClassName', 'the pod has one priority class'],
  ['imagePullSecrets', "set the deployment's imagePullSecrets"],
];

/** Fails on what a component cannot have as a container of the compact topology's one pod. */
function checkCompactProps(component: string, props: AirflowComponentProps): void {
  if (props.replicas !== undefined && props.replicas !== 1) {
    throw new Error(`'replicas' of ${component} is ${props.replicas}, but 'topology' is AirflowTopology.compact(): every component runs once, `
      + 'in one pod, so there is no high availability to scale: remove replicas, or use AirflowTopology.standard()');
  }
  for (const [prop, fix] of POD_LEVEL_PROPS) {
    if (props[prop] !== undefined) {
      throw new Error(`'${prop}' of ${component} cannot be set with 'topology: AirflowTopology.compact()', where every component is a container `
        + `of one pod: ${fix}`);
    }
  }
}

/** A Kubernetes label value: at most 63 characters. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/**
 * Fails on a pod label value Kubernetes would reject.
 *
 * @internal
 */
export function checkLabelValue(where: string, key: string, value: string): void {
  if (!LABEL_VALUE.test(value)) {
    throw new Error(`'podLabels' of ${where}: the value of '${key}' must be at most 63 letters, digits, '-', '_' and '.', `
      + `starting and ending with a letter or digit, got '${value}'`);
  }
}

/** Annotations the library puts on pods: a user annotation may not replace them. */
const LIBRARY_ANNOTATIONS = /^(checksum\/.*|kubectl\.kubernetes\.io\/default-container)$/;

/** Adds the user's pod labels and annotations, which may not replace the library's. */
function addPodMetadata(component: string, workload: kplus.Deployment, props: AirflowComponentOptions): void {
  const podMetadata = workload.podMetadata;
  for (const [key, value] of Object.entries(props.podLabels ?? {})) checkLabelValue(component, key, value);
  checkLabelMap(props.podLabels, `podLabels of ${component}`);
  checkAnnotationKeys(props.podAnnotations, `podAnnotations of ${component}`);
  for (const [key, value] of Object.entries(props.podLabels ?? {})) {
    checkLabelValue(component, key, value);
    const current = podMetadata.getLabel(key);
    if (current !== undefined) {
      throw new Error(`'podLabels' of ${component} sets '${key}', which the library sets to '${current}' to select the pods: use another label key`);
    }
    podMetadata.addLabel(key, value);
  }
  for (const [key, value] of Object.entries(props.podAnnotations ?? {})) {
    if (LIBRARY_ANNOTATIONS.test(key)) {
      throw new Error(`'podAnnotations' of ${component} sets '${key}', which the library manages: use another annotation key`);
    }
    podMetadata.addAnnotation(key, value);
  }
}

/**
 * The liveness and startup probes of a job-based component: `airflow jobs check --job-type <type> --local`.
 *
 * @internal
 */
export function jobCheckProbes(jobType: string): { liveness: kplus.Probe; startup: kplus.Probe } {
  const command = ['sh', '-c', `CONNECTION_CHECK_MAX_COUNT=0 AIRFLOW__LOGGING__LOGGING_LEVEL=ERROR exec /entrypoint airflow jobs check --job-type ${jobType} --local`];
  return {
    liveness: kplus.Probe.fromCommand(command, {
      initialDelaySeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(20), failureThreshold: 5, periodSeconds: Duration.seconds(60),
    }),
    startup: kplus.Probe.fromCommand(command, {
      timeoutSeconds: Duration.seconds(20), failureThreshold: 6, periodSeconds: Duration.seconds(10),
    }),
  };
}
