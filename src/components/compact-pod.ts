import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CompactTopologyOptions } from './airflow-topology';
import { DagPodMode } from '../dags/dag-source';
import { AirflowPod, AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { applyPlacement } from '../pod/placement';
import { checkAnnotationKeys, checkLabelMap } from '../utils/k8s-values';

/** The component label of the one pod of the compact topology (`<release>-compact`). */
export const COMPACT_COMPONENT = 'compact';

/**
 * The shared pod of the compact topology, as components see it.
 *
 * @internal
 */
export interface CompactPodHost {
  readonly deployment: kplus.Deployment;
  readonly serviceAccount: kplus.IServiceAccount;
  readonly airflowPod: AirflowPod;
  /** The component label of the pod. */
  readonly component: string;
  /** Whether the scheduler container also runs tasks (the LocalExecutor): it then gets the secrets of a worker too. */
  readonly schedulerRunsTasks: boolean;
}

/** Props of `CompactPod`. @internal */
export interface CompactPodProps extends CompactTopologyOptions {
  readonly recipe: AirflowPodRecipe;
  /** Whether the pod gets a Kubernetes API token (the scheduler launches task pods, the UI reads their logs). */
  readonly automountServiceAccountToken: boolean;
  readonly schedulerRunsTasks: boolean;
}

/**
 * The one Deployment of the compact topology; components add their containers to it (see `AirflowComponent`).
 *
 * @internal
 */
export class CompactPod extends Construct implements CompactPodHost {
  public readonly deployment: kplus.Deployment;
  public readonly serviceAccount: kplus.IServiceAccount;
  public readonly airflowPod: AirflowPod;
  public readonly component = COMPACT_COMPONENT;
  public readonly schedulerRunsTasks: boolean;

  constructor(scope: Construct, id: string, props: CompactPodProps) {
    super(scope, id);
    const names = props.recipe._names;
    this.schedulerRunsTasks = props.schedulerRunsTasks;
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      automountToken: false, metadata: { ...names.metadata(this, 'ServiceAccount', COMPACT_COMPONENT), annotations: props.serviceAccountAnnotations },
    });
    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: names.metadata(this, 'Deployment', COMPACT_COMPONENT),
      select: false,
      replicas: 1,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: props.automountServiceAccountToken,
      securityContext: props.recipe.podSecurityContext,
      terminationGracePeriod: props.terminationGracePeriod ?? Duration.seconds(60),
      // one pod: never two at once (two schedulers and LocalExecutors, or a ReadWriteOnce volume on two nodes).
      strategy: kplus.DeploymentStrategy.recreate(),
    });
    names.selectPods(this.deployment, COMPACT_COMPONENT);
    const podMetadata = this.deployment.podMetadata;
    podMetadata.addAnnotation('kubectl.kubernetes.io/default-container', 'scheduler');
    checkLabelMap(props.podLabels, 'topology: AirflowTopology.compact() podLabels');
    checkAnnotationKeys(props.podAnnotations, 'topology: AirflowTopology.compact() podAnnotations');
    for (const [key, value] of Object.entries(props.podLabels ?? {})) {
      if (podMetadata.getLabel(key) !== undefined) {
        throw new Error(`'podLabels' of AirflowTopology.compact() sets '${key}', which the library sets to select the pod: use another label key`);
      }
      podMetadata.addLabel(key, value);
    }
    for (const [key, value] of Object.entries(props.podAnnotations ?? {})) podMetadata.addAnnotation(key, value);
    // the DAG source is bound once, for the whole pod: the dag-processor, triggerer and (LocalExecutor) tasks read it.
    this.airflowPod = props.recipe.bind(this, this.deployment, {
      mode: DagPodMode.LONG_RUNNING, dags: true, component: COMPACT_COMPONENT, podMetadata,
    });
    applyPlacement(ApiObject.of(this.deployment), '/spec/template/spec', props);
  }
}
