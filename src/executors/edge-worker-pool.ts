import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowPodExtras, applyPodExtras } from '../components/airflow-pod-extras';
import { DagPodMode } from '../dags/dag-source';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { applyPlacement, PodPlacement } from '../pod/placement';
import { cpuAndMemory } from '../pod/security';

/** The label naming an edge worker pool on its pods. */
export const EDGE_WORKER_POOL_LABEL = 'airflow.cdk8s.io/edge-worker-pool';
/** The component of edge worker pods (`<release>-edge-worker[-<pool>]`). */
export const EDGE_WORKER_COMPONENT = 'edge-worker';
/**
 * Where the worker writes its PID file. By default `airflow edge worker` writes `$AIRFLOW_HOME/airflow-edge-worker.pid`
 * (edge3 3.7.0 `cli/signalling.py` `pid_file_path` → airflow-core `utils/cli.py` `setup_locations`), which is on the
 * read-only root filesystem; `/tmp` is the pod's emptyDir. `airflow edge stop --pid` reads the same file. The status
 * and maintenance files stay in `$AIRFLOW_HOME` whatever `--pid` says (`status_file_path` takes `setup_locations(...)[1]`,
 * the default `$AIRFLOW_HOME/airflow-edge-worker.out`), so `airflow edge status` / `maintenance` fail in the pod.
 */
export const EDGE_WORKER_PID_FILE = '/tmp/airflow-edge-worker.pid';

/**
 * Options of one pool of edge workers (`airflow edge worker`, provider `apache-airflow-providers-edge3`).
 */
export interface EdgeWorkerPoolOptions extends PodPlacement, AirflowPodExtras {
  /** The pool name (a DNS label), e.g. `default` or `gpu`. */
  readonly name: string;
  /**
   * The queues the pool's workers serve (`airflow edge worker --queues`); tasks choose one with `queue=` and the
   * EdgeExecutor with `executor="EdgeExecutor"` (unless it is the default executor).
   *
   * @default - one queue named like the pool.
   */
  readonly queues?: string[];
  /**
   * Number of workers.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Tasks one worker runs at once (`airflow edge worker --concurrency`).
   *
   * @default 8 (edge3's `[edge] worker_concurrency` default)
   */
  readonly concurrency?: number;
  /**
   * Resources of the worker container (the tasks run inside it).
   *
   * @default - 500m CPU, 2Gi memory request, 4Gi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * How long a stopping worker may finish its running tasks: before the container gets SIGTERM, a preStop hook runs
   * `airflow edge stop --wait`, which makes the worker fetch no new task and wait for the running ones.
   *
   * @default Duration.seconds(600)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Extra environment variables of the worker container.
   *
   * @default - none.
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };
  /**
   * Annotations of the pool's ServiceAccount, for what its tasks call (IRSA, Workload Identity).
   *
   * @default - none.
   */
  readonly serviceAccountAnnotations?: { [key: string]: string };
}

/**
 * Props for `EdgeWorkerPool`.
 */
export interface EdgeWorkerPoolProps extends EdgeWorkerPoolOptions {
  /** The Airflow pod recipe. */
  readonly recipe: AirflowPodRecipe;
}

/**
 * A pool of edge workers in the cluster: a Deployment running `airflow edge worker --queues <queues>` from the one pod
 * recipe (image, `airflow.cfg`, DAG source, logs folder, restricted security context).
 *
 * An edge worker talks to Airflow only over HTTP: it registers, heartbeats, fetches jobs and pushes task logs through
 * the Edge API of the API server (`[edge] api_url`, `/edge_worker/v1/...`) and runs each task with the Task SDK against
 * the Execution API (`[core] execution_api_server_url`). It signs its Edge API requests itself with
 * `[api_auth] jwt_secret` (edge3 3.7.0 `cli/api_client.py` `jwt_generator`), so its pods hold the JWT secret (and with
 * it the power to sign any Airflow API token) but no database URL and no Fernet key; it waits for no migration (that
 * needs the database). It serves no logs: they go to the API server (`[edge] push_logs`).
 *
 * Stopping: SIGTERM makes the worker kill its running tasks (edge3 3.7.0 `cli/worker.py` `shutdown_handler`), SIGINT
 * makes it drain (`signal_drain`): the preStop hook sends SIGINT (`airflow edge stop --wait --pid ...`) and waits up to
 * the grace period, so rollouts let tasks finish.
 */
export class EdgeWorkerPool extends Construct {
  /** The pool name. */
  public readonly name: string;
  /** The queues the pool serves. */
  public readonly queues: string[];
  /** Tasks one worker runs at once. */
  public readonly concurrency: number;
  /** The Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The worker container. */
  public readonly container: kplus.Container;
  /** The ServiceAccount the workers run as (no token mounted). */
  public readonly serviceAccount: kplus.ServiceAccount;

  constructor(scope: Construct, id: string, props: EdgeWorkerPoolProps) {
    super(scope, id);
    const recipe = props.recipe;
    const p = validateEdgePool(props, id);
    const executor = recipe.config.get('core', 'executor');
    if (executor !== undefined && !executor.split(',').some(e => e.trim() === EDGE_EXECUTOR_CLASS)) {
      throw new Error(`EdgeWorkerPool '${props.name}' needs the EdgeExecutor, but the deployment's executor is '${executor}': `
        + "set 'executor: AirflowExecutor.edge({ pools: [...] })' or '.withEdge({ pools: [...] })' on the AirflowDeployment instead of creating the pool");
    }
    this.name = props.name;
    this.queues = p.queues;
    this.concurrency = p.concurrency;

    // the default pool is `<release>-edge-worker`, others `<release>-edge-worker-<name>`.
    const names = recipe._names;
    const part = props.name === 'default' ? undefined : props.name;
    const metadata = (kind: string) => names.metadata(this, kind, EDGE_WORKER_COMPONENT, part);
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      automountToken: false, metadata: { ...metadata('ServiceAccount'), annotations: props.serviceAccountAnnotations },
    });
    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: metadata('Deployment'),
      select: false,
      replicas: p.replicas,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: recipe.podSecurityContext,
      terminationGracePeriod: p.grace,
    });
    names.selectPods(this.deployment, EDGE_WORKER_COMPONENT, { [EDGE_WORKER_POOL_LABEL]: props.name });
    const podMetadata = this.deployment.podMetadata;
    podMetadata.addAnnotation('kubectl.kubernetes.io/default-container', 'worker');

    const pod = recipe.bind(this, this.deployment, {
      mode: DagPodMode.LONG_RUNNING, dags: true, component: EDGE_WORKER_COMPONENT, podMetadata, waitForMigrations: false,
    });
    recipe.config._checkUserEnvironment(props.envVariables ?? {}, `envVariables of edge worker pool '${props.name}'`);
    this.container = pod.addAirflowContainer({
      name: 'worker',
      // edge3 3.7.0 cli/definition.py: `airflow edge worker` takes -q/--queues (comma list), -c/--concurrency, --pid.
      args: ['airflow', 'edge', 'worker', '--queues', p.queues.join(','), '--concurrency', String(p.concurrency), '--pid', EDGE_WORKER_PID_FILE],
      resources: props.resources ?? cpuAndMemory(500, 2048, 4096),
      envVariables: {
        // only the worker gets the signals (as with Celery): the preStop hook drains it, SIGTERM then finds it gone.
        DUMB_INIT_SETSID: kplus.EnvValue.fromValue('0'),
        ...(props.envVariables ?? {}),
      },
    });
    const apiObject = ApiObject.of(this.deployment);
    applyPodExtras({
      where: `edge worker pool '${props.name}'`,
      pod: this.deployment,
      airflowPod: pod,
      container: this.container,
      apiObject,
      podSpecPath: '/spec/template/spec',
    }, props);
    applyPlacement(apiObject, '/spec/template/spec', props);
    // kplus containers take no lifecycle hook after creation; the worker is the first container of the pod.
    apiObject.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/lifecycle', {
      preStop: { exec: { command: ['airflow', 'edge', 'stop', '--wait', '--pid', EDGE_WORKER_PID_FILE] } },
    }));
  }
}

/**
 * The EdgeExecutor's class path, as `[core] executor` names it (edge3 3.7.0 `get_provider_info.py` "executors"). Tasks
 * choose it with `executor="EdgeExecutor"` (airflow-core 3.2.2 `executors/executor_loader.py` also finds executors by
 * class name).
 */
export const EDGE_EXECUTOR_CLASS = 'airflow.providers.edge3.executors.EdgeExecutor';

function validateEdgePool(props: EdgeWorkerPoolProps, id: string): { queues: string[]; concurrency: number; replicas: number; grace: Duration } {
  if (typeof props.name !== 'string' || props.name === '') {
    throw new Error(`EdgeWorkerPool '${id}' has no 'name': give the pool a name, e.g. 'default'`);
  }
  if (!/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(props.name)) {
    throw new Error(`EdgeWorkerPool: 'name' must be 1-32 lower-case letters, digits and '-', starting and ending with a letter or digit, got '${props.name}'`);
  }
  const where = `EdgeWorkerPool '${props.name}'`;
  const queues = props.queues ?? [props.name];
  if (queues.length === 0) {
    throw new Error(`${where}: 'queues' is empty, but 'airflow edge worker' without --queues serves every queue: name at least one queue (tasks pick one with queue=...)`);
  }
  for (const q of queues) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(q)) {
      throw new Error(`${where}: queue '${q}' must be letters, digits, '_', '.', ':' and '-' only (the worker gets the queues as one comma-separated list)`);
    }
  }
  const concurrency = props.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`${where}: 'concurrency' must be a whole number >= 1, got ${concurrency}`);
  }
  const replicas = props.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error(`${where}: 'replicas' must be a whole number >= 0, got ${replicas}`);
  }
  const grace = props.terminationGracePeriod ?? Duration.seconds(600);
  return { queues, concurrency, replicas, grace };
}
