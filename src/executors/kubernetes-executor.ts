import { ApiObject, App, Chart, Duration, Lazy, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { rememberRender } from '../app/validated-render';
import { AirflowComponent, checkLabelValue } from '../components/airflow-component';
import { AirflowPodExtras, applyPodExtras } from '../components/airflow-pod-extras';
import { DagPodMode } from '../dags/dag-source';
import { AirflowNames } from '../naming/airflow-names';
import { AIRFLOW_HOME, AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { applyPlacement, PodPlacement } from '../pod/placement';
import { cpuAndMemory } from '../pod/security';
import { AirflowWarnings } from '../warnings';

/** Folder the scheduler mounts the pod template ConfigMap at. */
const POD_TEMPLATE_DIR = `${AIRFLOW_HOME}/pod_templates`;
const POD_TEMPLATE_FILE = 'pod_template_file.yaml';
/** The component of task pods and their ServiceAccount (`<release>-task`): not `worker`, which Celery workers are. */
const TASK_COMPONENT = 'task';

/**
 * Options for the KubernetesExecutor: what each task pod looks like and how Airflow manages them.
 */
export interface KubernetesExecutorOptions extends PodPlacement, AirflowPodExtras {
  /**
   * Resources of the task container (`base`). Override per task with `executor_config` / `pod_override`.
   *
   * @default - 250m CPU, 512Mi memory request, 2Gi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Grace period of task pods: how long a task may clean up after SIGTERM.
   *
   * @default Duration.seconds(600)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Labels of task pods.
   *
   * @default - only the library's labels.
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Annotations of task pods.
   *
   * @default - none.
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * The ServiceAccount task pods run as.
   *
   * @default - a ServiceAccount of their own (annotate it with `serviceAccountAnnotations`).
   */
  readonly serviceAccount?: kplus.IServiceAccount;
  /**
   * Annotations of the task pods' own ServiceAccount, e.g. `eks.amazonaws.com/role-arn` (IRSA) or
   * `iam.gke.io/gcp-service-account` (Workload Identity). Ignored with `serviceAccount`.
   *
   * @default - none.
   */
  readonly serviceAccountAnnotations?: { [key: string]: string };
  /**
   * Whether task pods get a Kubernetes API token (for tasks that call the Kubernetes API themselves).
   *
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * `[kubernetes_executor] delete_worker_pods`: delete task pods when they finish.
   *
   * @default true
   */
  readonly deleteWorkerPods?: boolean;
  /**
   * `[kubernetes_executor] delete_worker_pods_on_failure`: also delete pods of failed tasks (keep them to debug).
   *
   * @default false
   */
  readonly deleteWorkerPodsOnFailure?: boolean;
  /**
   * `[kubernetes_executor] worker_pods_creation_batch_size`: pods created per scheduler loop.
   *
   * @default 8
   */
  readonly workerPodsCreationBatchSize?: number;
}

/**
 * Props for `KubernetesExecutorConfig`.
 */
export interface KubernetesExecutorConfigProps extends KubernetesExecutorOptions {
  /** The Airflow pod recipe task pods are built from. */
  readonly recipe: AirflowPodRecipe;
}

/**
 * The KubernetesExecutor: a pod per task, from a pod template generated with the same recipe as the components.
 *
 * The template (container `base`, `restartPolicy: Never`) is stored in a ConfigMap the scheduler mounts at
 * `/opt/airflow/pod_templates`. Task pods run as a ServiceAccount of their own without an API token. The
 * scheduler gets a namespaced Role with exactly what launching pods needs; readers of task logs (the API
 * server) get a read-only Role.
 */
export class KubernetesExecutorConfig extends Construct {
  /**
   * Adds what every Airflow container needs for the KubernetesExecutor (the namespace task pods go to).
   * Runs once per recipe; call it before creating anything else when several executors share a recipe.
   */
  public static prepareRecipe(recipe: AirflowPodRecipe): void {
    if (recipe.config.isReserved('kubernetes_executor', 'namespace')) return;
    // task pods go to the scheduler's own namespace, whatever namespace the manifests are applied to.
    recipe.config.reserve('kubernetes_executor', 'namespace', 'the namespace the manifests are applied to');
    recipe.addEnv('AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE', kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE));
  }

  /** The ConfigMap holding `pod_template_file.yaml`. */
  public readonly podTemplateConfigMap: kplus.ConfigMap;
  /** The ServiceAccount task pods run as. */
  public readonly serviceAccount: kplus.IServiceAccount;
  /** The Role allowing to launch and manage task pods. */
  public readonly podLauncherRole: kplus.Role;
  /** The Role allowing to read task pods and their logs. */
  public readonly podLogReaderRole: kplus.Role;
  /** The task pod template, built in a scope of its own that is never synthesized by itself. */
  public readonly podTemplate: kplus.Pod;
  private readonly names: AirflowNames;

  constructor(scope: Construct, id: string, props: KubernetesExecutorConfigProps) {
    super(scope, id);
    const recipe = props.recipe;
    const config = recipe.config;
    const batchSize = props.workerPodsCreationBatchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`'workerPodsCreationBatchSize' must be a whole number >= 1, got ${batchSize}`);
    }
    const grace = props.terminationGracePeriod ?? Duration.seconds(600);
    KubernetesExecutorConfig.prepareRecipe(recipe);

    const names = this.names = AirflowNames.of(config);
    this.serviceAccount = props.serviceAccount ?? new kplus.ServiceAccount(this, 'ServiceAccount', {
      automountToken: false,
      metadata: { ...names.metadata(this, 'ServiceAccount', TASK_COMPONENT), annotations: props.serviceAccountAnnotations },
    });

    // the pod template lives in a detached app: it is only ever serialized into the ConfigMap.
    for (const [key, value] of Object.entries(props.podLabels ?? {})) checkLabelValue('task pods', key, value);
    const detached = new Chart(new App(), 'pod-template');
    this.podTemplate = new kplus.Pod(detached, 'Pod', {
      metadata: { labels: props.podLabels, annotations: props.podAnnotations },
      restartPolicy: kplus.RestartPolicy.NEVER,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      securityContext: recipe.podSecurityContext,
      terminationGracePeriod: grace,
    });
    const pod = recipe.bind(this.podTemplate, this.podTemplate, {
      mode: DagPodMode.TASK, dags: true, component: TASK_COMPONENT, podMetadata: this.podTemplate.metadata,
    });
    const base = pod.addAirflowContainer({ name: 'base', resources: props.resources ?? cpuAndMemory(250, 512, 2048) });
    // extra containers of task pods must exit by themselves, or the pod never completes (see AirflowPodExtras).
    applyPodExtras({
      where: 'task pods', pod: this.podTemplate, airflowPod: pod, container: base, apiObject: ApiObject.of(this.podTemplate), podSpecPath: '/spec',
    }, props);
    applyPlacement(ApiObject.of(this.podTemplate), '/spec', props);

    this.podTemplateConfigMap = new kplus.ConfigMap(this, 'PodTemplate', { metadata: names.metadata(this, 'ConfigMap', 'pod-template') });
    this.podTemplateConfigMap.addData(POD_TEMPLATE_FILE, Lazy.any({
      produce: () => {
        const template = ApiObject.of(this.podTemplate);
        const json = template.toJson();
        // the deployment's report reads the same render in `AirflowApp.synth()`, instead of rendering it again
        rememberRender(template, json, App.of(this) as App);
        return Yaml.stringify(json);
      },
    }));

    config.setOwned('kubernetes_executor', 'pod_template_file', `${POD_TEMPLATE_DIR}/${POD_TEMPLATE_FILE}`, 'kubernetesExecutor');
    config.setOwned('kubernetes_executor', 'delete_worker_pods', pyBool(props.deleteWorkerPods ?? true), 'kubernetesExecutor.deleteWorkerPods');
    if (props.deleteWorkerPods === false) {
      AirflowWarnings.of(this).add("'deleteWorkerPods' is false: finished task pods stay, with their IP addresses and quota, until something deletes them");
    }
    config.setOwned('kubernetes_executor', 'delete_worker_pods_on_failure', pyBool(props.deleteWorkerPodsOnFailure ?? false), 'kubernetesExecutor.deleteWorkerPodsOnFailure');
    config.setOwned('kubernetes_executor', 'worker_pods_creation_batch_size', String(batchSize), 'kubernetesExecutor.workerPodsCreationBatchSize');
    const image = splitImage(recipe.image);
    if (image) {
      config.setOwned('kubernetes_executor', 'worker_container_repository', image.repository, 'image');
      config.setOwned('kubernetes_executor', 'worker_container_tag', image.tag, 'image');
    }

    this.podLauncherRole = new kplus.Role(this, 'PodLauncherRole', { metadata: names.metadata(this, 'Role', 'pod-launcher') });
    this.podLauncherRole.allow(['create', 'get', 'list', 'watch', 'patch', 'delete'], kplus.ApiResource.PODS);
    this.podLauncherRole.allow(['get'], kplus.ApiResource.custom({ apiGroup: '', resourceType: 'pods/log' }));
    this.podLauncherRole.allow(['list'], kplus.ApiResource.EVENTS);

    this.podLogReaderRole = new kplus.Role(this, 'PodLogReaderRole', { metadata: names.metadata(this, 'Role', 'pod-log-reader') });
    this.podLogReaderRole.allow(['get', 'list', 'watch'], kplus.ApiResource.PODS);
    this.podLogReaderRole.allow(['get'], kplus.ApiResource.custom({ apiGroup: '', resourceType: 'pods/log' }));
  }

  /**
   * Lets a component launch task pods: mounts the pod template into its Airflow containers and binds the
   * pod launcher Role to its ServiceAccount. The component's pods must have `automountServiceAccountToken`.
   */
  public grantLaunch(component: AirflowComponent): void {
    const volume = kplus.Volume.fromConfigMap(component, 'PodTemplateVolume', this.podTemplateConfigMap, { name: 'pod-template' });
    component.airflowPod.mount(POD_TEMPLATE_DIR, volume, { readOnly: true });
    this.names.bindRole(this.podLauncherRole, 'pod-launcher', component.serviceAccount);
  }

  /**
   * Lets a ServiceAccount read task pods and their logs.
   */
  public grantLogReading(serviceAccount: kplus.IServiceAccount): void {
    this.names.bindRole(this.podLogReaderRole, 'pod-log-reader', serviceAccount);
  }
}

function pyBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/** `repo[:port]/name:tag` → repository and tag; undefined for digests or untagged images. */
function splitImage(image: string): { repository: string; tag: string } | undefined {
  if (image.includes('@')) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon <= slash) return undefined;
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}
