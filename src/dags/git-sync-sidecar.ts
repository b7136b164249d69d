import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { DagPodMode, DagSourceBindOptions, DagSourceBinding, IDagSource } from './dag-source';
import { setRefreshInterval } from './refresh-interval';
import { syncContainerName, syncTmpVolume, syncVolume } from './sync-volume';
import { AirflowNames } from '../naming/airflow-names';
import { cpuAndMemory, restrictedContainerSecurityContext } from '../pod/security';
import { expectObject, expectPresent, expectSecretValue, expectString } from '../utils/props-check';
import { assertNoUrlCredentials } from '../utils/url-credentials';
import { AirflowWarnings } from '../warnings';

/** uid and gid of the git-sync image's own user. */
const GIT_SYNC_UID = 65533;
const ROOT = '/git';
const LINK = 'repo';
const SECRET_DIR = '/etc/git-secret';

/**
 * How git-sync checks out submodules.
 */
export enum GitSubmodules {
  /** All submodules, recursively (git-sync's default). */
  RECURSIVE = 'recursive',
  /** Only the first level of submodules. */
  SHALLOW = 'shallow',
  /** No submodules. */
  OFF = 'off',
}

/**
 * Options for `GitAuth.ssh`.
 */
export interface GitSshAuthOptions {
  /** The Secret key holding the private key (OpenSSH format, not base64-encoded twice). */
  readonly privateKey: kplus.SecretValue;
  /**
   * `known_hosts` lines for the git host, e.g. the output of `ssh-keyscan github.com` (check it against the
   * host's published fingerprints). Required unless `disableHostKeyChecking` is true.
   *
   * @default - none.
   */
  readonly knownHosts?: string;
  /**
   * Skip host key checking: anyone who can intercept the connection can serve DAGs. Only for tests.
   *
   * @default false
   */
  readonly disableHostKeyChecking?: boolean;
}

/**
 * Options for `GitAuth.https`.
 */
export interface GitHttpsAuthOptions {
  /** The user name (for a token, any non-empty name such as `git` or the token's user). */
  readonly username: string;
  /** The Secret key holding the password or token, mounted as a file so a rotated token is picked up. */
  readonly password: kplus.SecretValue;
}

/**
 * Options for `GitAuth.githubApp`.
 */
export interface GitHubAppAuthOptions {
  /** The GitHub App's application id. */
  readonly applicationId: number;
  /** The installation id of the App on the organization or repository. */
  readonly installationId: number;
  /** The Secret key holding the App's private key (PEM). */
  readonly privateKey: kplus.SecretValue;
  /**
   * The GitHub API URL, for GitHub Enterprise Server.
   *
   * @default 'https://api.github.com/'
   */
  readonly baseUrl?: string;
}

/**
 * How git-sync authenticates to the repository.
 */
export class GitAuth {
  /** A public repository: no credentials. */
  public static none(): GitAuth {
    return new GitAuth('none');
  }

  /** SSH with a private key from a Secret and the host's `known_hosts` lines. */
  public static ssh(options: GitSshAuthOptions): GitAuth {
    expectObject(options, 'GitAuth.ssh options');
    expectPresent(options?.privateKey, 'GitAuth.ssh privateKey', "a SecretValue: { secret: <the Secret>, key: '<key of the private key>' }");
    expectSecretValue(options.privateKey, 'GitAuth.ssh privateKey');
    expectString(options.knownHosts, 'GitAuth.ssh knownHosts');
    if (!options.knownHosts?.trim() && !options.disableHostKeyChecking) {
      throw new Error("GitAuth.ssh: 'knownHosts' is required so that git-sync can verify the git host: "
        + "set it to the host's key lines (e.g. the output of `ssh-keyscan github.com`, checked against the host's published fingerprints), "
        + "or set 'disableHostKeyChecking: true' to skip the check (insecure)");
    }
    if (options.knownHosts?.trim() && options.disableHostKeyChecking) {
      throw new Error("GitAuth.ssh: set either 'knownHosts' or 'disableHostKeyChecking', not both");
    }
    return new GitAuth('ssh', options);
  }

  /** HTTPS with a user name and a password or token from a Secret. */
  public static https(options: GitHttpsAuthOptions): GitAuth {
    if (!options.username) {
      throw new Error("GitAuth.https: 'username' must not be empty (for a token, use the token's user or 'git')");
    }
    return new GitAuth('https', undefined, options);
  }

  /** A GitHub App installation (git-sync v4.3 or later). */
  public static githubApp(options: GitHubAppAuthOptions): GitAuth {
    for (const [prop, value] of [['applicationId', options.applicationId], ['installationId', options.installationId]] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`GitAuth.githubApp: '${prop}' must be a positive whole number, got ${value}`);
      }
    }
    return new GitAuth('github-app', undefined, undefined, options);
  }

  private constructor(
    /** @internal */ public readonly _kind: string,
    /** @internal */ public readonly _ssh?: GitSshAuthOptions,
    /** @internal */ public readonly _https?: GitHttpsAuthOptions,
    /** @internal */ public readonly _githubApp?: GitHubAppAuthOptions) {
  }
}

/**
 * Props for `GitSyncSidecar`.
 */
export interface GitSyncSidecarProps {
  /** The repository URL: `https://...`, `ssh://git@host/org/repo.git` or `git@host:org/repo.git`. */
  readonly repo: string;
  /**
   * The branch, tag or full commit SHA to check out.
   *
   * @default 'HEAD' - the remote's default branch.
   */
  readonly gitRef?: string;
  /**
   * The folder inside the repository that holds the DAGs.
   *
   * @default '' - the repository root.
   */
  readonly subPath?: string;
  /**
   * Commits of history to fetch (0 for all).
   *
   * @default 1
   */
  readonly depth?: number;
  /**
   * How often the sidecar pulls.
   *
   * @default Duration.seconds(60)
   */
  readonly period?: Duration;
  /**
   * How long one sync may take.
   *
   * @default Duration.seconds(120)
   */
  readonly syncTimeout?: Duration;
  /**
   * Submodule handling.
   *
   * @default GitSubmodules.RECURSIVE
   */
  readonly submodules?: GitSubmodules;
  /**
   * Consecutive failed syncs the sidecar tolerates before exiting; -1 retries forever, so a network blip
   * does not crash-loop the pod.
   *
   * @default -1
   */
  readonly maxFailures?: number;
  /**
   * Failed attempts the one-shot init sync tolerates before the pod fails to start.
   *
   * @default 3
   */
  readonly initMaxFailures?: number;
  /**
   * How git-sync authenticates.
   *
   * @default GitAuth.none()
   */
  readonly auth?: GitAuth;
  /**
   * The git-sync image; its tag (`v4.x.y` or `v3.x.y`) decides which flags are used.
   *
   * @default 'registry.k8s.io/git-sync/git-sync:v4.7.1'
   */
  readonly image?: string;
  /**
   * An HTTP(S) proxy for reaching the git host (sets `HTTPS_PROXY` and `HTTP_PROXY`).
   *
   * @default - no proxy.
   */
  readonly httpProxy?: string;
  /**
   * Hosts that bypass the proxy (`NO_PROXY`).
   *
   * @default - none.
   */
  readonly noProxy?: string[];
  /**
   * Extra git-sync flags, e.g. `['--git-config=http.sslCAInfo:/etc/ca/ca.crt']`.
   *
   * @default - none.
   */
  readonly extraFlags?: string[];
  /**
   * Extra environment variables of the git-sync containers (of the image's own family only).
   *
   * @default - none.
   */
  readonly extraEnv?: { [name: string]: kplus.EnvValue };
  /**
   * Resources of each git-sync container.
   *
   * @default - 10m CPU, 64Mi memory request, 256Mi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * DAGs from a git repository, synced by git-sync into every pod that needs them.
 *
 * Long-running pods get a one-shot init container (DAGs exist before Airflow starts) and a sidecar that keeps
 * pulling; KubernetesExecutor task pods get the init container only, so nothing keeps them alive. The sync
 * root is an emptyDir the Airflow containers mount read-only at the DAG folder (never through `subPath`:
 * git-sync switches revisions with a symlink), and `dags_folder` is `<mount>/repo/<subPath>`. git-sync runs
 * as its own non-root user with the restricted security context, configured with flags of the image's
 * major version only.
 */
export class GitSyncSidecar implements IDagSource {
  private readonly props: GitSyncSidecarProps;
  private readonly auth: GitAuth;
  private readonly majorVersion: number;
  private readonly image: string;

  constructor(props: GitSyncSidecarProps) {
    this.props = props;
    this.auth = props.auth ?? GitAuth.none();
    this.image = props.image ?? 'registry.k8s.io/git-sync/git-sync:v4.7.1';
    this.majorVersion = imageMajor(this.image);
    validate(props, this.auth, this.majorVersion);
  }

  public bind(pod: kplus.AbstractPod, options: DagSourceBindOptions): DagSourceBinding {
    const volume = syncVolume(options);
    const tmp = syncTmpVolume(options);
    const secretVolumes = this.secretVolumes(options);
    const port = 8000 + (options.index ?? 0);

    const init = pod.addInitContainer(this.containerProps(syncContainerName('git-sync-init', options), this.flags(true, port)));
    const mountAll = (c: kplus.Container) => {
      c.mount(ROOT, volume);
      c.mount('/tmp', tmp);
      for (const s of secretVolumes) c.mount(s.path, s.volume, { readOnly: true });
    };
    mountAll(init);
    if (options.mode === DagPodMode.LONG_RUNNING) {
      const probe = (failureThreshold: number) => kplus.Probe.fromHttpGet('/', {
        port, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold,
      });
      mountAll(pod.addContainer({
        ...this.containerProps(syncContainerName('git-sync', options), this.flags(false, port)),
        startup: probe(30),
        readiness: probe(6),
      }));
    }
    setRefreshInterval(options.config, this.props.period ?? Duration.seconds(60));
    const warnings = AirflowWarnings.of(options.sharedScope);
    if (this.props.repo.startsWith('http://')) {
      warnings.add(`GitSyncSidecar: 'repo' ${this.props.repo} uses plain http: anyone on the path can change the DAGs Airflow runs; use https://`);
    }
    if (this.auth._ssh?.disableHostKeyChecking) {
      warnings.add(`GitSyncSidecar: host key checking is off for ${this.props.repo}: anyone who can intercept the connection can serve DAGs; set 'knownHosts'`);
    }
    const subPath = trimSlashes(this.props.subPath ?? '');
    return {
      dagsFolder: [options.mountPath, LINK, subPath].filter(p => p !== '').join('/'),
      mounts: [{ path: options.mountPath, volume }],
    };
  }

  private containerProps(name: string, args: string[]): kplus.ContainerProps {
    const env: { [name: string]: kplus.EnvValue } = { HOME: kplus.EnvValue.fromValue('/tmp') };
    if (this.props.httpProxy) {
      env.HTTPS_PROXY = kplus.EnvValue.fromValue(this.props.httpProxy);
      env.HTTP_PROXY = kplus.EnvValue.fromValue(this.props.httpProxy);
    }
    if (this.props.noProxy?.length) env.NO_PROXY = kplus.EnvValue.fromValue(this.props.noProxy.join(','));
    return {
      name,
      image: this.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args,
      envVariables: { ...env, ...(this.props.extraEnv ?? {}) },
      resources: this.props.resources ?? cpuAndMemory(10, 64, 256),
      securityContext: restrictedContainerSecurityContext(GIT_SYNC_UID, GIT_SYNC_UID),
    };
  }

  private secretVolumes(options: DagSourceBindOptions): Array<{ path: string; volume: kplus.Volume }> {
    const fromSecret = (id: string, value: kplus.SecretValue, file: string) => kplus.Volume.fromSecret(options.podScope, `${options.name}-${id}`, value.secret, {
      name: `${options.name}-${id}`, items: { [value.key]: { path: file } }, defaultMode: 0o440,
    });
    switch (this.auth._kind) {
      case 'ssh': {
        const ssh = this.auth._ssh!;
        const volumes = [{ path: `${SECRET_DIR}/ssh`, volume: fromSecret('ssh-key', ssh.privateKey, 'key') }];
        if (ssh.knownHosts) {
          const configMap = (options.sharedScope.node.tryFindChild('KnownHosts') as kplus.ConfigMap | undefined)
            ?? new kplus.ConfigMap(options.sharedScope, 'KnownHosts', {
              metadata: AirflowNames.of(options.config).metadata(options.sharedScope, 'ConfigMap', 'dags', 'known-hosts'),
              data: { known_hosts: ssh.knownHosts.trim() + '\n' },
            });
          volumes.push({
            path: `${SECRET_DIR}/known-hosts`,
            volume: kplus.Volume.fromConfigMap(options.podScope, `${options.name}-known-hosts`, configMap, { name: `${options.name}-known-hosts` }),
          });
        }
        return volumes;
      }
      case 'https':
        return [{ path: `${SECRET_DIR}/https`, volume: fromSecret('password', this.auth._https!.password, 'password') }];
      case 'github-app':
        return [{ path: `${SECRET_DIR}/github-app`, volume: fromSecret('github-app', this.auth._githubApp!.privateKey, 'private-key') }];
      default:
        return [];
    }
  }

  private flags(oneTime: boolean, port: number): string[] {
    const p = this.props;
    const ref = p.gitRef ?? 'HEAD';
    const seconds = (d: Duration) => d.toSeconds();
    const period = p.period ?? Duration.seconds(60);
    const timeout = p.syncTimeout ?? Duration.seconds(120);
    const failures = oneTime ? (p.initMaxFailures ?? 3) : (p.maxFailures ?? -1);
    const v4 = this.majorVersion >= 4;
    const flags = [
      `--repo=${p.repo}`,
      ...(v4 ? [`--ref=${ref}`] : isFullSha(ref) ? [`--rev=${ref}`] : [`--branch=${ref === 'HEAD' ? 'master' : ref}`, '--rev=HEAD']),
      `--root=${ROOT}`,
      v4 ? `--link=${LINK}` : `--dest=${LINK}`,
      `--depth=${p.depth ?? 1}`,
      `--submodules=${p.submodules ?? GitSubmodules.RECURSIVE}`,
      v4 ? `--sync-timeout=${seconds(timeout)}s` : `--timeout=${seconds(timeout)}`,
      v4 ? `--max-failures=${failures}` : `--max-sync-failures=${failures}`,
    ];
    if (oneTime) {
      flags.push('--one-time');
      if (v4) flags.push('--git-gc=off');
    } else {
      flags.push(v4 ? `--period=${seconds(period)}s` : `--wait=${seconds(period)}`, `--http-bind=:${port}`);
    }
    switch (this.auth._kind) {
      case 'ssh': {
        const ssh = this.auth._ssh!;
        if (!v4) flags.push('--ssh');
        flags.push(`--ssh-key-file=${SECRET_DIR}/ssh/key`);
        flags.push(`--ssh-known-hosts=${ssh.knownHosts ? 'true' : 'false'}`);
        if (ssh.knownHosts) flags.push(`--ssh-known-hosts-file=${SECRET_DIR}/known-hosts/known_hosts`);
        break;
      }
      case 'https':
        flags.push(`--username=${this.auth._https!.username}`, `--password-file=${SECRET_DIR}/https/password`);
        break;
      case 'github-app': {
        const app = this.auth._githubApp!;
        flags.push(
          `--github-app-application-id=${app.applicationId}`,
          `--github-app-installation-id=${app.installationId}`,
          `--github-app-private-key-file=${SECRET_DIR}/github-app/private-key`,
        );
        if (app.baseUrl) flags.push(`--github-base-url=${app.baseUrl}`);
        break;
      }
      default:
        break;
    }
    return [...flags, ...(p.extraFlags ?? [])];
  }
}

function imageMajor(image: string): number {
  const match = /:v(\d+)\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/.exec(image);
  if (!match) {
    throw new Error(`GitSyncSidecar: 'image' must carry a version tag such as ':v4.7.1' (optionally followed by '@sha256:...'), got '${image}': the tag decides which git-sync flags are used`);
  }
  const major = Number(match[1]);
  if (major !== 3 && major !== 4) {
    throw new Error(`GitSyncSidecar: git-sync ${major}.x is not supported ('image' ${image}): use v4 (or v3)`);
  }
  return major;
}

function isSshUrl(repo: string): boolean {
  return repo.startsWith('ssh://') || /^[\w.-]+@[\w.-]+:/.test(repo);
}

function isFullSha(ref: string): boolean {
  return /^[0-9a-f]{40}$/.test(ref);
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function validate(p: GitSyncSidecarProps, auth: GitAuth, major: number): void {
  assertNoUrlCredentials(p.repo, 'GitSyncSidecar', 'repo', "the git-sync container's args",
    "give them from a Secret with 'auth: GitAuth.https({ username, password })' (or GitAuth.ssh, GitAuth.githubApp)");
  if (p.auth?._kind === 'github-app' && p.auth._githubApp?.baseUrl !== undefined) {
    assertNoUrlCredentials(p.auth._githubApp.baseUrl, 'GitAuth.githubApp', 'baseUrl', "the git-sync container's args", 'give the app\'s private key through \'privateKey\'');
  }
  if (!/^(https?:\/\/|ssh:\/\/|file:\/\/|[\w.-]+@[\w.-]+:)/.test(p.repo)) {
    throw new Error(`GitSyncSidecar: 'repo' must be an https://, ssh:// or git@host:path URL, got '${p.repo}'`);
  }
  const ssh = isSshUrl(p.repo);
  if (ssh && auth._kind !== 'ssh') {
    throw new Error(`GitSyncSidecar: 'repo' ${p.repo} is an SSH URL, which needs 'auth: GitAuth.ssh({ privateKey, knownHosts })'`);
  }
  if (!ssh && auth._kind === 'ssh') {
    throw new Error(`GitSyncSidecar: 'auth' is GitAuth.ssh but 'repo' ${p.repo} is not an SSH URL: use ssh://... or git@host:path, or GitAuth.https`);
  }
  if (p.repo.startsWith('http://') && auth._kind !== 'none') {
    throw new Error(`GitSyncSidecar: 'repo' ${p.repo} uses plain http, which would send credentials in clear text: use https://`);
  }
  const ref = p.gitRef ?? 'HEAD';
  if (/^[0-9a-f]{7,39}$/.test(ref)) {
    throw new Error(`GitSyncSidecar: 'gitRef' ${ref} looks like an abbreviated commit SHA: git-sync needs the full 40-character SHA`);
  }
  if (!ref || /\s/.test(ref)) {
    throw new Error(`GitSyncSidecar: 'gitRef' must be a branch, tag or full commit SHA, got '${ref}'`);
  }
  const subPath = p.subPath ?? '';
  if (subPath.split('/').includes('..')) {
    throw new Error(`GitSyncSidecar: 'subPath' must stay inside the repository, got '${subPath}'`);
  }
  if (p.depth !== undefined && (!Number.isInteger(p.depth) || p.depth < 0)) {
    throw new Error(`GitSyncSidecar: 'depth' must be a whole number >= 0 (0 = full history), got ${p.depth}`);
  }
  if (p.period && p.period.toMilliseconds() < 5000) {
    throw new Error(`GitSyncSidecar: 'period' must be at least 5 seconds, got ${p.period.toHumanString()}`);
  }
  if (p.syncTimeout && p.syncTimeout.toMilliseconds() < 10000) {
    throw new Error(`GitSyncSidecar: 'syncTimeout' must be at least 10 seconds, got ${p.syncTimeout.toHumanString()}`);
  }
  for (const [prop, value] of [['maxFailures', p.maxFailures], ['initMaxFailures', p.initMaxFailures]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < -1)) {
      throw new Error(`GitSyncSidecar: '${prop}' must be a whole number >= -1 (-1 retries forever), got ${value}`);
    }
  }
  if (auth._kind === 'github-app' && major < 4) {
    throw new Error("GitSyncSidecar: GitAuth.githubApp needs git-sync v4.3 or later, but 'image' is a v3 image");
  }
  for (const flag of p.extraFlags ?? []) {
    if (!flag.startsWith('--')) {
      throw new Error(`GitSyncSidecar: 'extraFlags' entries must be git-sync flags starting with '--', got '${flag}'`);
    }
  }
  for (const name of Object.keys(p.extraEnv ?? {})) {
    const wrongFamily = major >= 4 ? /^GIT_SYNC_|^GIT_SSH_|^GIT_KNOWN_HOSTS$/.test(name) : /^GITSYNC_/.test(name);
    if (wrongFamily) {
      throw new Error(`GitSyncSidecar: 'extraEnv' ${name} belongs to the other git-sync generation than the v${major} image`
        + ` (git-sync v4.4+ lets old GIT_SYNC_* names override the flags): use ${major >= 4 ? 'GITSYNC_* names or extraFlags' : 'GIT_SYNC_* names'}`);
    }
  }
  if (p.httpProxy !== undefined && !/^https?:\/\//.test(p.httpProxy)) {
    throw new Error(`GitSyncSidecar: 'httpProxy' must be an http:// or https:// URL, got '${p.httpProxy}'`);
  }
}
