import { ApiObjectMetadataDefinition, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { cpuAndMemory, restrictedContainerSecurityContext } from './security';
import type { CompactPodHost } from '../components/compact-pod';
import { AirflowConfig, airflowEnvName } from '../config/airflow-config';
import { DagPodMode, DagSource, DagSourceBinding, IDagSource } from '../dags/dag-source';
import { AirflowLogs } from '../logging/airflow-logs';
import { logGroomerContainer } from '../logging/log-groomer';
import { LOGS_MOUNT_PATH, ResolvedLogGroomer } from '../logging/logs-binding';
import { AirflowNames } from '../naming/airflow-names';
import { SECRET_KIND_OF_SETTING, SecretKind, secretKindsOf } from '../secrets/secret-scope';
import { checkAirflowImage } from '../utils/image';
import { AirflowVersion } from '../version';

/** Where the official image keeps AIRFLOW_HOME. */
export const AIRFLOW_HOME = '/opt/airflow';
/** Where Airflow containers see DAG files. */
export const DAGS_MOUNT_PATH = `${AIRFLOW_HOME}/dags`;
/** The uid of the `airflow` user in the official image. */
export const AIRFLOW_UID = 50000;

/**
 * Props for `AirflowPodRecipe`.
 */
export interface AirflowPodRecipeProps {
  /** The configuration every Airflow container mounts; it also decides the Airflow version. */
  readonly config: AirflowConfig;

  /**
   * The Airflow image.
   *
   * @default - `apache/airflow:<version>` of the config's version.
   */
  readonly image?: string;

  /**
   * The pull policy of the Airflow image.
   *
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;

  /**
   * Where DAG files come from.
   *
   * @default DagSource.fromImage()
   */
  readonly dagSource?: IDagSource;

  /**
   * Where task logs are kept: the `logs` volume at `/opt/airflow/logs` of every Airflow pod, the remote
   * logging settings and credentials, the log groomer.
   *
   * @default AirflowLogs.local() - an emptyDir per pod.
   */
  readonly logs?: AirflowLogs;

  /**
   * Whether long-running pods wait for database migrations in an init container (`airflow db check-migrations`).
   *
   * @default true
   */
  readonly waitForMigrations?: boolean;

  /**
   * Labels added to every Airflow pod (e.g. `app.kubernetes.io/instance`).
   *
   * @default - none.
   */
  readonly podLabels?: { [key: string]: string };
}

/**
 * Options for `AirflowPodRecipe.bind`.
 */
export interface AirflowPodOptions {
  /** How long the pod lives; task pods get no sidecars and no migration wait. */
  readonly mode: DagPodMode;
  /** Whether the pod parses or runs DAG files. */
  readonly dags: boolean;
  /** The component name, used for the `app.kubernetes.io/component` label. */
  readonly component: string;
  /** The pod template's metadata, where labels and the config checksum go. */
  readonly podMetadata: ApiObjectMetadataDefinition;
  /**
   * The image of this pod's Airflow containers (a Celery pool or a named task pod template of its own), checked like
   * the recipe's: pinned, and the same Airflow release.
   *
   * @default - the recipe's image.
   */
  readonly image?: string;
  /**
   * The pull policy of `image`.
   *
   * @default - the recipe's pull policy.
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /**
   * Whether a long-running pod waits for database migrations (`airflow db check-migrations`, which needs the
   * database): false for pods without database access, such as edge workers.
   *
   * @default - the recipe's `waitForMigrations`.
   */
  readonly waitForMigrations?: boolean;
}

/**
 * Options for `AirflowPod.addAirflowContainer`.
 */
export interface AirflowContainerOptions {
  /** The container name. */
  readonly name: string;
  /**
   * The arguments passed to the image's entrypoint, e.g. `['airflow', 'scheduler']`.
   *
   * @default - the image's default (used by the task pod template, whose args Airflow sets).
   */
  readonly args?: string[];
  /** Resources of the container. */
  readonly resources: kplus.ContainerResources;
  /**
   * Extra environment variables.
   *
   * @default - none.
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };
  /**
   * Container ports.
   *
   * @default - none.
   */
  readonly ports?: kplus.ContainerPort[];
  /**
   * The components whose secrets the container gets (`SECRET_SCOPE`), e.g. `['scheduler', 'worker']` for a scheduler
   * that also runs tasks (the LocalExecutor), or one component of a pod that holds several (`AirflowTopology.compact()`).
   *
   * @default - the pod's component.
   */
  readonly secretComponents?: string[];
  /** @default - none. */
  readonly liveness?: kplus.Probe;
  /** @default - none. */
  readonly readiness?: kplus.Probe;
  /** @default - none. */
  readonly startup?: kplus.Probe;
}

/**
 * The one recipe for every pod that runs Airflow code.
 *
 * Scheduler, API server or webserver, triggerer, dag-processor, the migration Job, Celery workers and the
 * KubernetesExecutor task pods all get the same image, `airflow.cfg`, secret environment, DAG folder, logs
 * folder and restricted security context from here. A DAG source, a log store or a secret added once
 * shows up in every pod that needs it, and nowhere else.
 */
export class AirflowPodRecipe {
  /** The configuration. */
  public readonly config: AirflowConfig;
  /**
   * The one pod every long-running component joins with `AirflowTopology.compact()` (set by `AirflowDeployment`).
   *
   * @internal
   */
  public _compactPod?: CompactPodHost;
  /** The Airflow version. */
  public readonly version: AirflowVersion;
  /** The Airflow image. */
  public readonly image: string;
  /** The pull policy of the Airflow image. */
  public readonly imagePullPolicy: kplus.ImagePullPolicy;
  /** Whether long-running pods wait for migrations. */
  public readonly waitForMigrations: boolean;
  /** Where task logs are kept. */
  public readonly logs: AirflowLogs;

  private readonly dagSource: IDagSource;
  private readonly podLabels: { [key: string]: string };
  private dagsFolder?: string;
  private containersCreated = false;
  private readonly extraEnv = new Map<string, { value: kplus.EnvValue; kind?: SecretKind }>();
  private readonly logServerPorts = new Map<string, number>();
  private readonly airflowPods = new Set<kplus.AbstractPod>();
  private executionApiSplit = false;

  constructor(props: AirflowPodRecipeProps) {
    this.config = props.config;
    this.version = props.config.version;
    if (props.image !== undefined) checkAirflowImage(props.image, this.version);
    this.image = props.image ?? this.version.officialImage;
    this.imagePullPolicy = props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT;
    this.waitForMigrations = props.waitForMigrations ?? true;
    this.dagSource = props.dagSource ?? DagSource.fromImage();
    this.logs = props.logs ?? AirflowLogs.local();
    this.logs._configure(this.config);
    this.podLabels = { ...(props.podLabels ?? {}) };
  }

  /**
   * An environment variable every Airflow container gets (for values that are not `airflow.cfg` settings).
   *
   * Must be called before any Airflow container is created.
   */
  public addEnv(name: string, value: kplus.EnvValue): void {
    if (this.containersCreated) {
      throw new Error(`AirflowPodRecipe.addEnv('${name}') came after Airflow containers were created: configure the recipe before creating components`);
    }
    this.extraEnv.set(name, { value });
  }

  /**
   * An environment variable that only the components in scope of secret `kind` get (see `SECRET_SCOPE`).
   *
   * @internal
   */
  public _addSecretEnv(name: string, value: kplus.EnvValue, kind: SecretKind): void {
    this.addEnv(name, value);
    this.extraEnv.set(name, { value, kind });
  }

  /**
   * The Execution API runs in its own server (`--apps execution`): the API server (`--apps core`) no longer needs what
   * it serves tasks (see `secretKindsOf`). Must be called before any Airflow container is created.
   *
   * @internal
   */
  public _splitExecutionApi(): void {
    if (this.containersCreated) {
      throw new Error('AirflowPodRecipe: the Execution API split came after Airflow containers were created: configure the recipe before creating components');
    }
    this.executionApiSplit = true;
  }

  /**
   * The pod security context every Airflow pod gets: uid 50000, gid 0 (the official image's user), non-root.
   */
  public get podSecurityContext(): kplus.PodSecurityContextProps {
    return { user: AIRFLOW_UID, group: 0, fsGroup: 0, ensureNonRoot: true, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH };
  }

  /**
   * Prepares one pod: labels, config checksum, writable `/tmp` and logs folders, the migration wait and
   * the DAG source. Add the Airflow containers through the returned `AirflowPod`.
   *
   * @param scope a construct scope owned by the pod, for the volumes the recipe creates.
   */
  public bind(scope: Construct, pod: kplus.AbstractPod, options: AirflowPodOptions): AirflowPod {
    this.airflowPods.add(pod);
    return new AirflowPod(this, scope, pod, options);
  }

  /** Whether `pod` runs Airflow code (was bound to this recipe). @internal */
  public _isAirflowPod(pod: kplus.AbstractPod): boolean {
    return this.airflowPods.has(pod);
  }

  /**
   * The environment every Airflow container of `component` gets: the secrets in its scope (`SECRET_SCOPE`, the one
   * table that decides), the user's `secretSettings` and the recipe's other variables.
   *
   * @internal
   */
  public _environment(component: string, also: string[] = []): { [name: string]: kplus.EnvValue } {
    this.containersCreated = true;
    const secrets = this.config.secretSettings;
    const resultBackendGiven = secrets.some(s => s.section === 'celery' && s.key === 'result_backend')
      || this.config.get('celery', 'result_backend') !== undefined;
    const scope = new Set([component, ...also].flatMap(c => [...secretKindsOf(this.version, c, resultBackendGiven, this.executionApiSplit)]));
    const env: { [name: string]: kplus.EnvValue } = {};
    for (const setting of secrets) {
      const kind = SECRET_KIND_OF_SETTING[`${setting.section}.${setting.key}`];
      if (kind !== undefined && !scope.has(kind)) continue;
      env[airflowEnvName(setting.section, setting.key)] = kplus.EnvValue.fromSecretValue(setting.value);
    }
    for (const [name, { value, kind }] of this.extraEnv) {
      if (kind === undefined || scope.has(kind)) env[name] = value;
    }
    return env;
  }

  /**
   * Keeps `[logging] worker_log_server_port` / `trigger_log_server_port` equal to the port an Airflow container
   * serves logs on (named `worker-logs` or `triggerer-logs`).
   *
   * @internal
   */
  public _logServerPort(port: kplus.ContainerPort): void {
    const key = port.name === 'worker-logs' ? 'worker_log_server_port' : port.name === 'triggerer-logs' ? 'trigger_log_server_port' : undefined;
    if (key === undefined) return;
    const known = this.logServerPorts.get(key);
    if (known !== undefined && known !== port.number) {
      throw new Error(`Airflow containers serve logs on port '${port.name}' as both ${known} and ${port.number}, but '[logging] ${key}' is one port `
        + 'for every pod: give every container the same port');
    }
    this.logServerPorts.set(key, port.number);
    this.config.setOwned('logging', key, String(port.number), 'logs');
  }

  /** The labels of a pod of `component`: the release's six (see `AirflowNames`) and the recipe's `podLabels`. @internal */
  public _labels(component: string): { [key: string]: string } {
    return { ...this.podLabels, ...this._names.labels(component) };
  }

  /** The names and labels of the release the recipe's config belongs to. @internal */
  public get _names(): AirflowNames {
    return AirflowNames.of(this.config);
  }

  /** @internal */
  public _bindDags(scope: Construct, pod: kplus.AbstractPod, mode: DagPodMode): DagSourceBinding {
    // objects a source needs once (ConfigMaps, claims, a writer Deployment) live next to the config.
    const parent = this.config.node.scope!;
    const sharedScope = parent.node.tryFindChild('Dags') ?? new Construct(parent, 'Dags');
    const binding = this.dagSource.bind(pod, {
      mode, mountPath: DAGS_MOUNT_PATH, name: 'dags', podScope: scope, sharedScope, config: this.config,
    });
    if (this.dagsFolder === undefined) {
      this.dagsFolder = binding.dagsFolder;
      this.config.setOwned('core', 'dags_folder', binding.dagsFolder, 'dagSources');
    } else if (this.dagsFolder !== binding.dagsFolder) {
      throw new Error(`DAG source gave '${binding.dagsFolder}' as the DAG folder of one pod and '${this.dagsFolder}' of another: a DAG source must give every pod the same folder`);
    }
    return binding;
  }
}

/**
 * The `airflow-config` and `tmp` volumes every Airflow pod of a configuration lists, made once per configuration: a
 * cdk8s-plus `Volume` is a construct that only names what each pod spec lists, so one serves every pod.
 */
const SHARED_VOLUMES = new WeakMap<AirflowConfig, { readonly config: kplus.Volume; readonly tmp: kplus.Volume }>();

function sharedVolumes(config: AirflowConfig): { readonly config: kplus.Volume; readonly tmp: kplus.Volume } {
  let volumes = SHARED_VOLUMES.get(config);
  if (!volumes) {
    volumes = {
      config: kplus.Volume.fromConfigMap(config, 'PodConfigVolume', config.configMap, { name: 'airflow-config' }),
      tmp: kplus.Volume.fromEmptyDir(config, 'PodTmpVolume', 'tmp'),
    };
    SHARED_VOLUMES.set(config, volumes);
  }
  return volumes;
}

/**
 * One pod prepared by `AirflowPodRecipe.bind`; adds Airflow containers with everything they share.
 */
export class AirflowPod {
  private readonly mounts: Array<{ path: string; volume: kplus.Volume; options: kplus.MountOptions }> = [];
  private readonly airflowContainers = new Set<kplus.Container>();
  private env: { [name: string]: kplus.EnvValue } = {};
  private pendingDags?: () => { [name: string]: kplus.EnvValue };
  private pendingGroomer?: () => void;

  private readonly component: string;
  /** The image of this pod's Airflow containers (and its log groomer). */
  public readonly image: string;
  /** The pull policy of `image`. */
  public readonly imagePullPolicy: kplus.ImagePullPolicy;

  /** @internal */
  constructor(private readonly recipe: AirflowPodRecipe, scope: Construct, private readonly pod: kplus.AbstractPod, options: AirflowPodOptions) {
    const config = recipe.config;
    this.component = options.component;
    this.image = options.image ?? recipe.image;
    this.imagePullPolicy = options.imagePullPolicy ?? recipe.imagePullPolicy;
    for (const [key, value] of Object.entries(recipe._labels(options.component))) {
      options.podMetadata.addLabel(key, value);
    }
    // resolved at synth, after every setting is known.
    options.podMetadata.addAnnotation('checksum/airflow-config', Lazy.any({ produce: () => config.checksum }));

    const shared = sharedVolumes(config);
    this.mounts.push({ path: `${AIRFLOW_HOME}/airflow.cfg`, volume: shared.config, options: { subPath: 'airflow.cfg', readOnly: true } });
    for (const file of config.extraFiles) {
      this.mounts.push({ path: file.mountPath, volume: shared.config, options: { subPath: file.fileName, readOnly: true } });
    }
    this.mounts.push({ path: '/tmp', volume: shared.tmp, options: {} });
    this.bindLogs(scope, pod, options);

    if (options.mode === DagPodMode.LONG_RUNNING && (options.waitForMigrations ?? recipe.waitForMigrations)) {
      this.addAirflowInitContainer({
        name: 'wait-for-airflow-migrations',
        args: ['airflow', 'db', 'check-migrations', '--migration-wait-timeout=300'],
        resources: cpuAndMemory(50, 256, 512),
      });
    }
    this.pendingDags = options.dags ? () => {
      // bound after the first main container, so that the Airflow container comes before sync sidecars.
      const binding = recipe._bindDags(scope, pod, options.mode);
      for (const m of binding.mounts ?? []) this.mount(m.path, m.volume, { readOnly: true, subPath: m.subPath });
      return binding.envVariables ?? {};
    } : undefined;
  }

  /**
   * The `logs` volume (emptyDir, shared claim, or a StatefulSet's claim template that replaces it), the remote
   * logs connection and credentials of pods that read or write logs, and the log groomer.
   */
  private bindLogs(scope: Construct, pod: kplus.AbstractPod, options: AirflowPodOptions): void {
    const parent = this.recipe.config.node.scope!;
    const logs = this.recipe.logs._bind(pod, { component: options.component, mode: options.mode, podScope: scope, sharedScope: parent });
    this.mounts.push({ path: LOGS_MOUNT_PATH, volume: logs.volume, options: {} });
    for (const m of logs.mounts) this.mounts.push({ path: m.path, volume: m.volume, options: { readOnly: true, subPath: m.subPath } });
    Object.assign(this.env, logs.env);
    const groomer: ResolvedLogGroomer | undefined = logs.groomer;
    if (groomer) {
      const { image, imagePullPolicy } = this;
      this.pendingGroomer = () => pod.addContainer(logGroomerContainer(groomer, image, imagePullPolicy, logs.volume, LOGS_MOUNT_PATH));
    }
  }

  /**
   * Mounts a volume into every Airflow container of this pod, including those already added.
   */
  public mount(path: string, volume: kplus.Volume, options: kplus.MountOptions = {}): void {
    this.mounts.push({ path, volume, options });
    for (const container of [...this.pod.initContainers, ...this.pod.containers]) {
      if (this.airflowContainers.has(container)) container.mount(path, volume, options);
    }
  }

  /**
   * Adds a container running Airflow code, with the image, config, secret environment, DAG folder, logs
   * folder and restricted security context of the recipe.
   */
  public addAirflowContainer(options: AirflowContainerOptions): kplus.Container {
    const container = this.track(this.pod.addContainer(this.containerProps(options)));
    if (this.pendingDags) {
      const bindDags = this.pendingDags;
      this.pendingDags = undefined;
      for (const [name, value] of Object.entries(bindDags())) {
        this.env[name] = value;
        container.env.addVariable(name, value);
      }
    }
    if (this.pendingGroomer) {
      const addGroomer = this.pendingGroomer;
      this.pendingGroomer = undefined;
      addGroomer();
    }
    return container;
  }

  /**
   * Adds an init container running Airflow code (same recipe as `addAirflowContainer`).
   */
  public addAirflowInitContainer(options: AirflowContainerOptions): kplus.Container {
    return this.track(this.pod.addInitContainer(this.containerProps(options)));
  }

  private track(container: kplus.Container): kplus.Container {
    this.airflowContainers.add(container);
    for (const port of container.ports) this.recipe._logServerPort(port);
    for (const m of this.mounts) container.mount(m.path, m.volume, m.options);
    return container;
  }

  private containerProps(options: AirflowContainerOptions): kplus.ContainerProps {
    return {
      name: options.name,
      image: this.image,
      imagePullPolicy: this.imagePullPolicy,
      args: options.args,
      resources: options.resources,
      envVariables: {
        ...this.recipe._environment(options.secretComponents?.[0] ?? this.component, options.secretComponents?.slice(1)),
        ...this.env,
        ...(options.envVariables ?? {}),
      },
      ports: options.ports,
      liveness: options.liveness,
      readiness: options.readiness,
      startup: options.startup,
      securityContext: restrictedContainerSecurityContext(),
    };
  }
}
