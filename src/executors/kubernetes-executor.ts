import { ApiObject, App, Chart, Duration, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { stringifyYaml } from '../app/fast-yaml';
import { rememberRender } from '../app/validated-render';
import { AirflowComponent, checkLabelValue } from '../components/airflow-component';
import { AirflowPodExtras, applyPodExtras } from '../components/airflow-pod-extras';
import { DagPodMode } from '../dags/dag-source';
import { AirflowNames, codePointOrder } from '../naming/airflow-names';
import { AIRFLOW_HOME, AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { applyPlacement, PodPlacement } from '../pod/placement';
import { cpuAndMemory } from '../pod/security';
import { checkAirflowImage } from '../utils/image';
import { AirflowWarnings } from '../warnings';

/** Folder the scheduler mounts the pod template ConfigMap at. */
const POD_TEMPLATE_DIR = `${AIRFLOW_HOME}/pod_templates`;
/** The default template's file (`[kubernetes_executor] pod_template_file`). */
const POD_TEMPLATE_FILE = 'pod_template_file.yaml';
/** A named template's name: a DNS label, so that `<name>.yaml` never clashes with the default's file. */
const TEMPLATE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * A named task pod template besides the default one (`podTemplates` of `AirflowExecutor.kubernetes()`): built from the
 * same pod recipe as the default template (security context, `airflow.cfg`, secrets, DAGs, logs), starting from the
 * executor's options, with what is given here replaced. A task picks it with
 * `executor_config={"pod_template_file": "/opt/airflow/pod_templates/<name>.yaml"}`
 * (`KubernetesExecutorConfig.podTemplateFile('<name>')`).
 */
export interface KubernetesPodTemplate extends PodPlacement {
  /**
   * The image of the task container, e.g. your image with the Spark or Hadoop client. It must be pinned and the same
   * Airflow release as the deployment (the same check as its `image`).
   *
   * @default - the deployment's image.
   */
  readonly image?: string;
  /**
   * The pull policy of `image`.
   *
   * @default - the deployment's pull policy.
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /**
   * Resources of the task container (`base`).
   *
   * @default - the executor's `resources`.
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * The ServiceAccount the template's task pods run as.
   *
   * @default - the executor's (`serviceAccount`, or the task pods' own).
   */
  readonly serviceAccount?: kplus.IServiceAccount;
  /**
   * Labels of the template's task pods, added to the executor's `podLabels`.
   *
   * @default - the executor's `podLabels`.
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Annotations of the template's task pods, added to the executor's `podAnnotations`.
   *
   * @default - the executor's `podAnnotations`.
   */
  readonly podAnnotations?: { [key: string]: string };
}
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
  /**
   * Named task pod templates besides the default one, keyed by name (a DNS label, e.g. `spark`): each lands in the
   * template ConfigMap as `<name>.yaml`, mounted in the scheduler at `/opt/airflow/pod_templates/<name>.yaml`, and a
   * task picks it with `executor_config={"pod_template_file": "/opt/airflow/pod_templates/<name>.yaml"}`
   * (`KubernetesExecutorConfig.podTemplateFile('<name>')` gives the path).
   *
   * @default - only the default template.
   */
  readonly podTemplates?: { [name: string]: KubernetesPodTemplate };
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

  /**
   * The path of a task pod template in the scheduler (and so what a task gives as
   * `executor_config={"pod_template_file": ...}`): `/opt/airflow/pod_templates/<name>.yaml` for a template of
   * `podTemplates`, the default template's `/opt/airflow/pod_templates/pod_template_file.yaml` without a name.
   *
   * @param name a key of `podTemplates`.
   * @default - the default template.
   */
  public static podTemplateFile(name?: string): string {
    if (name === undefined) return `${POD_TEMPLATE_DIR}/${POD_TEMPLATE_FILE}`;
    if (!TEMPLATE_NAME.test(name)) {
      throw new Error(`KubernetesExecutorConfig.podTemplateFile: '${name}' is not a pod template name (a DNS label, e.g. 'spark')`);
    }
    return `${POD_TEMPLATE_DIR}/${name}.yaml`;
  }

  /** The ConfigMap holding `pod_template_file.yaml` and the named templates' `<name>.yaml`. */
  public readonly podTemplateConfigMap: kplus.ConfigMap;
  /** The ServiceAccount task pods run as. */
  public readonly serviceAccount: kplus.IServiceAccount;
  /** The Role allowing to launch and manage task pods. */
  public readonly podLauncherRole: kplus.Role;
  /** The Role allowing to read task pods and their logs. */
  public readonly podLogReaderRole: kplus.Role;
  /** The task pod template, built in a scope of its own that is never synthesized by itself. */
  public readonly podTemplate: kplus.Pod;
  /** The named task pod templates (`podTemplates`), by name. */
  public readonly namedPodTemplates: { [name: string]: kplus.Pod };
  private readonly names: AirflowNames;

  constructor(scope: Construct, id: string, props: KubernetesExecutorConfigProps) {
    super(scope, id);
    const recipe = props.recipe;
    const config = recipe.config;
    const batchSize = props.workerPodsCreationBatchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`'workerPodsCreationBatchSize' must be a whole number >= 1, got ${batchSize}`);
    }
    KubernetesExecutorConfig.prepareRecipe(recipe);

    const names = this.names = AirflowNames.of(config);
    this.serviceAccount = props.serviceAccount ?? new kplus.ServiceAccount(this, 'ServiceAccount', {
      automountToken: false,
      metadata: { ...names.metadata(this, 'ServiceAccount', TASK_COMPONENT), annotations: props.serviceAccountAnnotations },
    });

    this.podTemplate = this.buildTemplate(recipe, props, 'task pods', {});
    this.podTemplateConfigMap = new kplus.ConfigMap(this, 'PodTemplate', { metadata: names.metadata(this, 'ConfigMap', 'pod-template') });
    this.podTemplateConfigMap.addData(POD_TEMPLATE_FILE, Lazy.any({
      produce: () => {
        const template = ApiObject.of(this.podTemplate);
        const json = template.toJson();
        // the deployment's report reads the same render in `AirflowApp.synth()`, instead of rendering it again
        rememberRender(template, json, App.of(this) as App);
        return stringifyYaml(json);
      },
    }));

    // named templates: the same recipe and options, with the template's own replaced; each a key of the same ConfigMap.
    const named: { [name: string]: kplus.Pod } = {};
    const templates = props.podTemplates ?? {};
    for (const name of Object.keys(templates).sort(codePointOrder)) {
      if (!TEMPLATE_NAME.test(name)) {
        throw new Error(`'podTemplates' name '${name}' must be a DNS label (at most 63 lower-case letters, digits and '-', starting and ending `
          + 'with a letter or digit): it names the file /opt/airflow/pod_templates/<name>.yaml, e.g. \'spark\'');
      }
      const template = templates[name] ?? {};
      if (template.image !== undefined) checkAirflowImage(template.image, recipe.version, `podTemplates.${name}.image`);
      const pod = named[name] = this.buildTemplate(recipe, props, `task pod template '${name}'`, template);
      this.podTemplateConfigMap.addData(`${name}.yaml`, Lazy.any({ produce: () => stringifyYaml(ApiObject.of(pod).toJson()) }));
    }
    this.namedPodTemplates = named;

    config.setOwned('kubernetes_executor', 'pod_template_file', `${POD_TEMPLATE_DIR}/${POD_TEMPLATE_FILE}`, 'kubernetesExecutor');
    config.setOwned('kubernetes_executor', 'delete_worker_pods', pyBool(props.deleteWorkerPods ?? true), 'kubernetesExecutor.deleteWorkerPods');
    if (props.deleteWorkerPods === false) {
      AirflowWarnings.of(this).add("'deleteWorkerPods' is false: finished task pods stay, with their IP addresses and quota, until something deletes them");
    }
    config.setOwned('kubernetes_executor', 'delete_worker_pods_on_failure', pyBool(props.deleteWorkerPodsOnFailure ?? false), 'kubernetesExecutor.deleteWorkerPodsOnFailure');
    config.setOwned('kubernetes_executor', 'worker_pods_creation_batch_size', String(batchSize), 'kubernetesExecutor.workerPodsCreationBatchSize');
    // `[kubernetes_executor] worker_container_repository:tag` is the executor's `kube_image`, which replaces the image of
    // every template's `base` container (cncf.kubernetes 10.14.0 kube_config.py KubeConfig.kube_image, pod_generator.py
    // construct_pod: the dynamic pod's `base` gets `image=kube_image`, then reconcile_pods lets it win over the template);
    // left empty, kube_image is None and each template keeps its own image. So: set only while every template has the
    // recipe's image, reserved (never the user's) once one has another.
    const otherImage = Object.keys(named).find(name => (templates[name]?.image ?? recipe.image) !== recipe.image);
    const image = splitImage(recipe.image);
    if (otherImage !== undefined) {
      const why = `podTemplates.${otherImage}.image (Airflow's kube_image would replace the image of every pod template)`;
      config.reserve('kubernetes_executor', 'worker_container_repository', why);
      config.reserve('kubernetes_executor', 'worker_container_tag', why);
    } else if (image) {
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

  /** Every task pod template: the default one first, then the named ones by name. */
  public get allPodTemplates(): kplus.Pod[] {
    return [this.podTemplate, ...Object.keys(this.namedPodTemplates).sort(codePointOrder).map(n => this.namedPodTemplates[n])];
  }

  /**
   * One task pod template, built in a scope of its own (a detached app: it is only ever serialized into the ConfigMap)
   * from the recipe and the executor's options, with a named template's own options replacing them.
   */
  private buildTemplate(recipe: AirflowPodRecipe, props: KubernetesExecutorConfigProps, where: string, own: KubernetesPodTemplate): kplus.Pod {
    const podLabels = own.podLabels ? { ...(props.podLabels ?? {}), ...own.podLabels } : props.podLabels;
    const podAnnotations = own.podAnnotations ? { ...(props.podAnnotations ?? {}), ...own.podAnnotations } : props.podAnnotations;
    for (const [key, value] of Object.entries(podLabels ?? {})) checkLabelValue(where, key, value);
    const detached = new Chart(new App(), 'pod-template');
    const template = new kplus.Pod(detached, 'Pod', {
      metadata: { labels: podLabels, annotations: podAnnotations },
      restartPolicy: kplus.RestartPolicy.NEVER,
      serviceAccount: own.serviceAccount ?? this.serviceAccount,
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      securityContext: recipe.podSecurityContext,
      terminationGracePeriod: props.terminationGracePeriod ?? Duration.seconds(600),
    });
    const pod = recipe.bind(template, template, {
      mode: DagPodMode.TASK,
      dags: true,
      component: TASK_COMPONENT,
      podMetadata: template.metadata,
      image: own.image,
      imagePullPolicy: own.imagePullPolicy,
    });
    const base = pod.addAirflowContainer({ name: 'base', resources: own.resources ?? props.resources ?? cpuAndMemory(250, 512, 2048) });
    // extra containers of task pods must exit by themselves, or the pod never completes (see AirflowPodExtras).
    applyPodExtras({
      where, pod: template, airflowPod: pod, container: base, apiObject: ApiObject.of(template), podSpecPath: '/spec',
    }, props);
    const placed = own.nodeSelector !== undefined || own.tolerations !== undefined || own.affinity !== undefined;
    applyPlacement(ApiObject.of(template), '/spec', placed ? own : props);
    return template;
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
