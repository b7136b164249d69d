import { ApiObject, ApiObjectMetadata, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ResolvedHpaAutoscaling, kedaWorkerQuery } from './autoscaling-internals';
import { EDGE_EXECUTOR_CLASS } from './edge-worker-pool';
import { KedaDatabaseAuthentication } from './keda-database-authentication';
import { WorkerAutoscalerKind, WorkerAutoscaling } from './worker-autoscaling';
import { AirflowPodExtras, applyPodExtras } from '../components/airflow-pod-extras';
import { DagPodMode } from '../dags/dag-source';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { applyPlacement, PodPlacement } from '../pod/placement';
import { cpuAndMemory } from '../pod/security';
import { IAirflowSidecar } from '../sidecars/airflow-sidecar';
import { checkAirflowImage } from '../utils/image';
import { checkStorageSize } from '../utils/k8s-values';

/** The port Celery workers serve task logs on. */
export const WORKER_LOG_PORT = 8793;
/** The label naming a worker pool on its pods. */
export const WORKER_POOL_LABEL = 'airflow.cdk8s.io/worker-pool';

/**
 * The kind of workload running a worker pool.
 */
export enum WorkerWorkloadKind {
  /** A Deployment: workers are interchangeable, logs on an emptyDir (ship them to remote logging). */
  DEPLOYMENT = 'Deployment',
  /** A StatefulSet with a logs PersistentVolumeClaim per worker, so local task logs survive restarts. */
  STATEFUL_SET = 'StatefulSet',
}

/**
 * Options of one Celery worker pool.
 */
export interface CeleryWorkerPoolOptions extends PodPlacement, AirflowPodExtras {
  /** The pool name (a DNS label), e.g. `default` or `heavy`. */
  readonly name: string;
  /**
   * The Celery queues the pool serves (tasks choose one with `queue=`).
   *
   * @default - one queue named like the pool.
   */
  readonly queues?: string[];
  /**
   * The image of the pool's workers, e.g. your image with CUDA for a `gpu` pool or with the Spark client for a `spark`
   * pool. It must be pinned and the same Airflow release as the deployment (the same check as its `image`): the
   * workers run the tasks the scheduler of that release sends them.
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
   * Number of workers when not autoscaled (an error together with `autoscaling`).
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Scale the pool with KEDA (on its queued and running tasks, down to zero) or a HorizontalPodAutoscaler
   * (on CPU and memory); one or the other, never both. The workload then has no fixed `replicas`.
   *
   * @default - a fixed number of workers (`replicas`).
   */
  readonly autoscaling?: WorkerAutoscaling;
  /**
   * `[celery] worker_concurrency` of this pool: tasks one worker runs at once.
   *
   * @default 16
   */
  readonly workerConcurrency?: number;
  /**
   * Resources of the worker container.
   *
   * @default - 500m CPU, 2Gi memory request, 4Gi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Deployment or StatefulSet.
   *
   * @default WorkerWorkloadKind.DEPLOYMENT
   */
  readonly workloadKind?: WorkerWorkloadKind;
  /**
   * Size of each worker's logs claim (StatefulSet only).
   *
   * @default Size.gibibytes(10)
   */
  readonly logsStorage?: Size;
  /**
   * StorageClass of the logs claims (StatefulSet only).
   *
   * @default - the cluster's default StorageClass.
   */
  readonly logsStorageClassName?: string;
  /**
   * The longest task the pool runs: the grace period becomes 1.5 times this, so a rollout or node drain
   * lets running tasks finish (Celery warm shutdown).
   *
   * @default - see `terminationGracePeriod`.
   */
  readonly longestTask?: Duration;
  /**
   * The grace period given directly.
   *
   * @default - 1.5 × `longestTask`, or 600 seconds.
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Whether the cluster autoscaler may evict workers to remove a node.
   *
   * @default false
   */
  readonly safeToEvict?: boolean;
  /**
   * A PodDisruptionBudget letting at most one worker of the pool be disrupted at a time.
   *
   * @default true
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * Celery `worker_max_tasks_per_child`: recycle a worker process after this many tasks.
   *
   * @default - never.
   */
  readonly maxTasksPerChild?: number;
  /**
   * Celery `worker_max_memory_per_child`: recycle a worker process once it holds this much resident memory.
   *
   * @default - never.
   */
  readonly maxMemoryPerChild?: Size;
  /**
   * Extra environment variables of the worker container.
   *
   * @default - none.
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };
  /**
   * The ServiceAccount the workers run as.
   *
   * @default - a ServiceAccount of the pool's own.
   */
  readonly serviceAccount?: kplus.IServiceAccount;
  /**
   * Annotations of the pool's own ServiceAccount (IRSA, Workload Identity). Ignored with `serviceAccount`.
   *
   * @default - none.
   */
  readonly serviceAccountAnnotations?: { [key: string]: string };
  /**
   * Whether the workers get a ServiceAccount token (for tasks that call the Kubernetes API, e.g. `KubernetesPodOperator`;
   * see `podLaunching` of `AirflowDeployment`, which also binds the pod-launcher Role).
   *
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * Ready-made sidecars next to the worker container, e.g. `AirflowSidecar.kerberos({...})`.
   *
   * @default - none.
   */
  readonly sidecars?: IAirflowSidecar[];
}

/**
 * Props for `CeleryWorkerPool`.
 */
export interface CeleryWorkerPoolProps extends CeleryWorkerPoolOptions {
  /** The Airflow pod recipe. */
  readonly recipe: AirflowPodRecipe;
  /**
   * KEDA's access to the metadata database, needed with `WorkerAutoscaling.keda()` (`CeleryExecutorConfig`
   * passes its own).
   *
   * @default - none.
   */
  readonly kedaAuthentication?: KedaDatabaseAuthentication;
  /**
   * Whether Celery is the default of several executors (`CeleryExecutor,KubernetesExecutor`): the KEDA
   * query then skips task instances of the KubernetesExecutor.
   *
   * @default false
   */
  readonly multiExecutor?: boolean;
}

/**
 * A pool of Celery workers serving one or more queues, with its own size, resources and placement.
 *
 * Workers get `DUMB_INIT_SETSID=0` so that only Celery receives SIGTERM and does a warm shutdown, a grace
 * period sized from the longest task, `safe-to-evict: false`, a PodDisruptionBudget, a liveness probe that
 * pings the worker's own Celery node, and a headless Service on port 8793 for log serving. DAGs reach the
 * workers through the deployment's DAG source.
 */
export class CeleryWorkerPool extends Construct {
  /** The pool name. */
  public readonly name: string;
  /** The queues the pool serves. */
  public readonly queues: string[];
  /** Tasks one worker runs at once. */
  public readonly workerConcurrency: number;
  /** The Deployment or StatefulSet. */
  public readonly workload: kplus.Workload;
  /** The workload as an autoscaling target. */
  public readonly scalable: kplus.IScalable;
  /** `Deployment` or `StatefulSet`. */
  public readonly workloadKind: WorkerWorkloadKind;
  /** The worker container. */
  public readonly container: kplus.Container;
  /** The headless Service for log serving. */
  public readonly service: kplus.Service;
  /** The ServiceAccount the workers run as. */
  public readonly serviceAccount: kplus.IServiceAccount;
  /** The grace period of worker pods. */
  public readonly terminationGracePeriod: Duration;
  /** How the pool is autoscaled, if it is. */
  public readonly autoscaling?: WorkerAutoscaling;
  /** The KEDA ScaledObject, with `WorkerAutoscaling.keda()`. */
  public readonly scaledObject?: ApiObject;
  /** The HorizontalPodAutoscaler, with `WorkerAutoscaling.hpa()`. */
  public readonly horizontalPodAutoscaler?: kplus.HorizontalPodAutoscaler;
  /** The query KEDA runs, with `WorkerAutoscaling.keda()`. */
  public readonly kedaQuery?: string;

  constructor(scope: Construct, id: string, props: CeleryWorkerPoolProps) {
    super(scope, id);
    if (typeof props.name !== 'string' || props.name === '') {
      throw new Error(`CeleryWorkerPool '${id}' has no 'name': give the pool a name, e.g. 'default'`);
    }
    const executor = props.recipe.config.get('core', 'executor');
    if (executor !== undefined && (!executor.includes('Celery') || !props.recipe.config.isReserved('celery', 'broker_url'))) {
      throw new Error(`CeleryWorkerPool '${props.name}' needs the CeleryExecutor and its broker, but the deployment's executor is '${executor}' `
        + "without a Celery broker: set 'executor: AirflowExecutor.celery({ pools: [...] })' on the AirflowDeployment instead of creating the pool");
    }
    const p = validatePool(props);
    this.name = props.name;
    this.queues = p.queues;
    this.workerConcurrency = p.concurrency;
    this.terminationGracePeriod = p.grace;
    this.autoscaling = props.autoscaling;
    const recipe = props.recipe;
    if (props.autoscaling?.kind === WorkerAutoscalerKind.KEDA && !props.kedaAuthentication) {
      throw new Error(`CeleryWorkerPool '${props.name}': WorkerAutoscaling.keda() needs 'kedaAuthentication' (KEDA's access to the metadata database): `
        + 'create pools through CeleryExecutorConfig (or AirflowDeployment), which passes it');
    }

    // the default pool is `<release>-worker` (as in the official chart), others `<release>-worker-<name>`.
    const names = recipe._names;
    const part = props.name === 'default' ? undefined : props.name;
    const metadata = (kind: string) => names.metadata(this, kind, 'worker', part);
    this.serviceAccount = props.serviceAccount ?? new kplus.ServiceAccount(this, 'ServiceAccount', {
      automountToken: false, metadata: { ...metadata('ServiceAccount'), annotations: props.serviceAccountAnnotations },
    });
    this.service = new kplus.Service(this, 'Service', {
      metadata: metadata('Service'),
      clusterIP: 'None',
      ports: [{ name: 'worker-logs', port: WORKER_LOG_PORT, targetPort: WORKER_LOG_PORT }],
    });
    const podProps: kplus.WorkloadProps = {
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      securityContext: recipe.podSecurityContext,
      terminationGracePeriod: p.grace,
    };
    checkStorageSize(props.logsStorage, `logsStorage of worker pool '${id}'`);
    this.workloadKind = props.workloadKind ?? WorkerWorkloadKind.DEPLOYMENT;
    const workload = this.workloadKind === WorkerWorkloadKind.STATEFUL_SET
      ? new WorkerStatefulSet(this, 'Resource', { ...podProps, metadata: metadata('StatefulSet'), select: false, service: this.service, replicas: p.replicas },
        props.logsStorage ?? Size.gibibytes(10), props.logsStorageClassName)
      : new kplus.Deployment(this, 'Resource', { ...podProps, metadata: metadata('Deployment'), select: false, replicas: p.replicas });
    this.workload = workload;
    this.scalable = workload;
    const poolLabel = { [WORKER_POOL_LABEL]: props.name };
    names.selectPods(this.workload, 'worker', poolLabel);
    names.selectService(this.service, 'worker', poolLabel);
    const podMetadata = this.workload.podMetadata;
    podMetadata.addAnnotation('cluster-autoscaler.kubernetes.io/safe-to-evict', String(props.safeToEvict ?? false));
    podMetadata.addAnnotation('kubectl.kubernetes.io/default-container', 'worker');

    const pod = recipe.bind(this, this.workload, {
      mode: DagPodMode.LONG_RUNNING, dags: true, component: 'worker', podMetadata, image: p.image, imagePullPolicy: props.imagePullPolicy,
    });
    const ping = ['sh', '-c', 'CONNECTION_CHECK_MAX_COUNT=0 exec /entrypoint python -m celery'
      + ' --app airflow.providers.celery.executors.celery_executor.app inspect ping -d "celery@$(hostname)"'];
    const env: { [name: string]: kplus.EnvValue } = {
      // only the main process gets SIGTERM, so Celery shuts down warm and lets running tasks finish.
      DUMB_INIT_SETSID: kplus.EnvValue.fromValue('0'),
      AIRFLOW__CELERY__WORKER_CONCURRENCY: kplus.EnvValue.fromValue(String(p.concurrency)),
    };
    if (props.maxTasksPerChild !== undefined) {
      env.AIRFLOW_CELERY_WORKER_MAX_TASKS_PER_CHILD = kplus.EnvValue.fromValue(String(props.maxTasksPerChild));
    }
    if (props.maxMemoryPerChild !== undefined) {
      env.AIRFLOW_CELERY_WORKER_MAX_MEMORY_PER_CHILD = kplus.EnvValue.fromValue(String(props.maxMemoryPerChild.toKibibytes()));
    }
    recipe.config._checkUserEnvironment(props.envVariables ?? {}, `envVariables of worker pool '${props.name}'`);
    this.container = pod.addAirflowContainer({
      name: 'worker',
      args: ['airflow', 'celery', 'worker', '--queues', p.queues.join(',')],
      resources: props.resources ?? cpuAndMemory(500, 2048, 4096),
      envVariables: { ...env, ...(props.envVariables ?? {}) },
      ports: [{ name: 'worker-logs', number: WORKER_LOG_PORT }],
      liveness: kplus.Probe.fromCommand(ping, {
        initialDelaySeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(20), failureThreshold: 5, periodSeconds: Duration.seconds(60),
      }),
    });
    for (const sidecar of props.sidecars ?? []) sidecar.bind(this, pod, { component: 'worker', recipe, container: this.container, podMetadata });
    applyPodExtras({
      where: `worker pool '${props.name}'`,
      pod: this.workload,
      airflowPod: pod,
      container: this.container,
      apiObject: ApiObject.of(this.workload),
      podSpecPath: '/spec/template/spec',
    }, props);
    applyPlacement(ApiObject.of(this.workload), '/spec/template/spec', props);

    if (props.autoscaling?._hpa) {
      this.horizontalPodAutoscaler = this.addHorizontalPodAutoscaler(props.autoscaling._hpa, metadata('HorizontalPodAutoscaler'));
    } else if (props.autoscaling?._keda && props.kedaAuthentication) {
      const auth = props.kedaAuthentication;
      this.kedaQuery = kedaWorkerQuery({
        engine: auth.engine,
        queues: p.queues,
        workerConcurrency: p.concurrency,
        excludeKubernetesExecutor: props.multiExecutor ?? false,
        excludeEdgeExecutor: (props.recipe.config.get('core', 'executor') ?? '').split(',').some(e => e.trim() === EDGE_EXECUTOR_CLASS),
      });
      this.scaledObject = auth.addScaledObject(this, 'ScaledObject', workload, this.kedaQuery, props.autoscaling._keda);
    }

    if (props.podDisruptionBudget ?? true) {
      new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: metadata('PodDisruptionBudget'),
        spec: {
          maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: this.workload.matchLabels },
        },
      });
    }
  }

  private addHorizontalPodAutoscaler(hpa: ResolvedHpaAutoscaling, metadata: ApiObjectMetadata): kplus.HorizontalPodAutoscaler {
    // utilization is relative to requests: a container without one leaves the pod's utilization undefined.
    const resources: Array<['cpu' | 'memory', string, string]> = [['cpu', 'CPU', 'resources.cpu.request']];
    if (hpa.memoryUtilization !== undefined) resources.push(['memory', 'memory', 'resources.memory.request']);
    for (const [resource, label, prop] of resources) {
      const missing = this.workload.containers.find(c => c.resources?.[resource]?.request === undefined);
      if (missing) {
        throw new Error(`CeleryWorkerPool '${this.name}': WorkerAutoscaling.hpa() scales on ${label} utilization, which is relative to ${label} requests, `
          + `but container '${missing.name}' has no ${label} request: give it one (${prop}), or use WorkerAutoscaling.keda()`);
      }
    }
    const metrics = [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(hpa.cpuUtilization))];
    if (hpa.memoryUtilization !== undefined) metrics.push(kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(hpa.memoryUtilization)));
    return new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
      metadata,
      target: this.scalable,
      minReplicas: hpa.minReplicas,
      maxReplicas: hpa.maxReplicas,
      metrics,
    });
  }
}

/**
 * A StatefulSet whose `logs` volume is a PersistentVolumeClaim template (one claim per worker) instead of
 * the recipe's emptyDir.
 */
class WorkerStatefulSet extends kplus.StatefulSet {
  constructor(scope: Construct, id: string, props: kplus.StatefulSetProps,
    private readonly logsStorage: Size, private readonly storageClassName?: string) {
    super(scope, id, props);
  }

  /** @internal */
  public _toKube(): kplus.k8s.StatefulSetSpec {
    const spec = super._toKube();
    const podSpec = spec.template.spec!;
    return {
      ...spec,
      template: { ...spec.template, spec: { ...podSpec, volumes: (podSpec.volumes ?? []).filter(v => v.name !== 'logs') } },
      volumeClaimTemplates: [{
        metadata: { name: 'logs' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: this.storageClassName,
          resources: { requests: { storage: kplus.k8s.Quantity.fromString(`${this.logsStorage.toMebibytes()}Mi`) } },
        },
      }],
    };
  }
}

function validatePool(props: CeleryWorkerPoolProps): { queues: string[]; concurrency: number; replicas?: number; grace: Duration; image?: string } {
  const where = `CeleryWorkerPool '${props.name}'`;
  if (!/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(props.name)) {
    throw new Error(`CeleryWorkerPool: 'name' must be 1-32 lower-case letters, digits and '-', starting and ending with a letter or digit, got '${props.name}'`);
  }
  // the pool's own image: pinned, and the deployment's Airflow release (its scheduler sends the tasks).
  if (props.image !== undefined) checkAirflowImage(props.image, props.recipe.version, `pools[${props.name}].image`);
  const queues = props.queues ?? [props.name];
  if (queues.length === 0) {
    throw new Error(`${where}: 'queues' is empty, so the pool would take no task: name at least one queue (tasks pick one with queue=...)`);
  }
  for (const q of queues) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(q)) {
      throw new Error(`${where}: queue '${q}' must be letters, digits, '_', '.', ':' and '-' only`);
    }
  }
  const concurrency = props.workerConcurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`${where}: 'workerConcurrency' must be a whole number >= 1, got ${concurrency}`);
  }
  if (props.replicas !== undefined && props.autoscaling) {
    throw new Error(`${where}: 'replicas' and 'autoscaling' are both set, but the autoscaler decides the number of workers: `
      + 'remove replicas (give minReplicas and maxReplicas to the autoscaler)');
  }
  const replicas = props.autoscaling ? undefined : props.replicas ?? 1;
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
    throw new Error(`${where}: 'replicas' must be a whole number >= 0, got ${replicas}`);
  }
  if (props.maxTasksPerChild !== undefined && (!Number.isInteger(props.maxTasksPerChild) || props.maxTasksPerChild < 1)) {
    throw new Error(`${where}: 'maxTasksPerChild' must be a whole number >= 1, got ${props.maxTasksPerChild}`);
  }
  if (props.longestTask && props.terminationGracePeriod) {
    const needed = props.longestTask.toSeconds();
    if (props.terminationGracePeriod.toSeconds() < needed) {
      throw new Error(`${where}: 'terminationGracePeriod' (${props.terminationGracePeriod.toSeconds()}s) is shorter than 'longestTask' (${needed}s), `
        + 'so a rollout would kill running tasks: raise it, or leave it out to get 1.5 × longestTask');
    }
  }
  const grace = props.terminationGracePeriod
    ?? (props.longestTask ? Duration.seconds(Math.ceil(props.longestTask.toSeconds() * 1.5)) : Duration.seconds(600));
  return { queues, concurrency, replicas, grace, image: props.image };
}
