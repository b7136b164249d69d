import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DagPodMode } from '../dags/dag-source';
import { AirflowPod, AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { applyPlacement, PodPlacement } from '../pod/placement';

/**
 * Options every long-running Airflow component accepts.
 */
export interface AirflowComponentOptions extends PodPlacement {
  /**
   * Number of pods.
   *
   * @default 1
   */
  readonly replicas?: number;
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
  /** @default - rolling update, 25% surge and unavailable. */
  readonly strategy?: kplus.DeploymentStrategy;
}

/**
 * The shape every long-running Airflow component shares: a Deployment built from the pod recipe, with its
 * own ServiceAccount, probes, grace period, replicas, resources and placement.
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

  protected constructor(scope: Construct, id: string, props: AirflowComponentProps, spec: AirflowComponentSpec) {
    super(scope, id);
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new Error(`'replicas' of ${spec.component} must be a whole number >= 0, got ${replicas}`);
    }
    this.serviceAccount = props.serviceAccount ?? new kplus.ServiceAccount(this, 'ServiceAccount', { automountToken: false });
    this.deployment = new kplus.Deployment(this, 'Resource', {
      replicas,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      securityContext: props.recipe.podSecurityContext,
      terminationGracePeriod: props.terminationGracePeriod ?? spec.terminationGracePeriod,
      strategy: spec.strategy,
    });
    this.deployment.podMetadata.addAnnotation('kubectl.kubernetes.io/default-container', spec.component);
    this.airflowPod = props.recipe.bind(this, this.deployment, {
      mode: DagPodMode.LONG_RUNNING,
      dags: spec.dags,
      component: spec.component,
      podMetadata: this.deployment.podMetadata,
    });
    this.container = this.airflowPod.addAirflowContainer({
      name: spec.component,
      args: spec.args,
      resources: props.resources ?? spec.resources,
      envVariables: props.envVariables,
      ports: spec.ports,
      liveness: spec.liveness,
      readiness: spec.readiness,
      startup: spec.startup,
    });
    applyPlacement(ApiObject.of(this.deployment), '/spec/template/spec', props);
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
