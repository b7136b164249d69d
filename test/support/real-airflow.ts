/**
 * Real Airflow for the tests under test/real/: the cached venvs of scripts/setup/airflow.sh, and a way to run an
 * Airflow container of our manifests as a plain process the way its pod would run it.
 *
 * `podProcess(manifests, workload, container)` renders what the container gets: its args, its env (literal values,
 * `fieldRef` namespace, `secretKeyRef` with stand-in values), and the files its volumes put under `/opt/airflow`
 * (ConfigMap keys, `subPath` or whole folders; Secrets with stand-in contents; emptyDirs as empty writable folders).
 *
 * `runInPod(...)` runs a command in a private mount namespace (`unshare --mount`, root on this machine kind) that
 * looks like the pod's filesystem: `/opt` is replaced by the rendered `/opt` (so `/opt/airflow/airflow.cfg` is our
 * ConfigMap's file at the path Airflow reads), `/tmp` and the other emptyDirs are fresh writable folders, and when the
 * container sets `readOnlyRootFilesystem: true` everything else (the root filesystem, `/opt/airflow` itself,
 * `/home/airflow`) is read-only, so a write outside the pod's writable paths fails with EROFS as in the pod.
 * What is NOT emulated: the uid (the process runs as root, whose cache holds the venv; the uid 50000 of the pod
 * is not used), the image's files other than Airflow itself (the venv stands for the image's Python), the network
 * (host network, 127.0.0.1). `/entrypoint` (the official image's entrypoint, `exec`s its arguments once the
 * connection check is off) is a stand-in script at `/opt/.cdk8s-test/entrypoint`.
 */
import { ChildProcess, spawn, SpawnOptions } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import * as YAML from 'yaml';
import { CACHE_DIR } from './real-components';
import { run, RunResult, tcpOpen } from './real-services';

/** The Airflow releases scripts/setup/airflow.sh installs (one requirements file each). */
export const AIRFLOW_VENV_VERSIONS: string[] = readdirSync(join(__dirname, '..', '..', 'scripts', 'setup', 'airflow'))
  .map(f => /^requirements-(.+)\.txt$/.exec(f)?.[1]).filter((v): v is string => v !== undefined).sort();

/** The venv of one Airflow release. */
export function airflowVenv(version: string): string {
  return join(CACHE_DIR, 'venvs', `airflow-${version}`);
}

/** Where the rendered `/opt` of a pod puts the stand-in of the official image's `/entrypoint`. */
export const ENTRYPOINT_STAND_IN = '/opt/.cdk8s-test/entrypoint';

/** A valid Fernet key (32 zero bytes, URL-safe base64): a stand-in for the generated one. */
export const STAND_IN_FERNET_KEY = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** Stand-in values of `secretKeyRef` env entries, by env var name; others get `stand-in-<secret>-<key>`. */
export type StandIns = Record<string, string>;

/** One workload's pod spec (Deployment, StatefulSet, Job, CronJob, or the Pod in a ConfigMap). */
export function podSpecOf(object: any): any {
  if (object.kind === 'Pod') return object.spec;
  if (object.kind === 'CronJob') return object.spec.jobTemplate.spec.template.spec;
  return object.spec.template.spec;
}

/** The workload whose pod template has `app.kubernetes.io/component: <component>` (exactly one, or `nameIncludes` picks). */
export function workload(manifests: any[], component: string, nameIncludes = ''): any {
  const found = manifests.filter(m => {
    const t = m.kind === 'CronJob' ? m.spec?.jobTemplate?.spec?.template : m.spec?.template;
    return t?.metadata?.labels?.['app.kubernetes.io/component'] === component && m.metadata.name.includes(nameIncludes);
  });
  if (found.length !== 1) throw new Error(`expected one workload of component '${component}' named like '${nameIncludes}', found ${found.map(m => m.metadata.name).join(', ') || 'none'}`);
  return found[0];
}

/** The KubernetesExecutor's pod template: the Pod inside the ConfigMap holding `pod_template_file.yaml`. */
export function podTemplateConfigMap(manifests: any[]): { configMap: any; key: string; text: string; pod: any } {
  const cm = manifests.find(m => m.kind === 'ConfigMap' && m.data?.['pod_template_file.yaml'] !== undefined);
  if (!cm) throw new Error('no ConfigMap with pod_template_file.yaml');
  const text = cm.data['pod_template_file.yaml'];
  return { configMap: cm, key: 'pod_template_file.yaml', text, pod: YAML.parse(text) };
}

/** What one container of a pod gets, rendered. */
export interface PodProcess {
  readonly args: string[];
  readonly env: Record<string, string>;
  /** files at absolute paths (ConfigMap / Secret mounts), with whether the mount is read-only */
  readonly files: Array<{ path: string; content: string; readOnly: boolean }>;
  /** writable folders (emptyDir and other volumes not read-only) */
  readonly writable: string[];
  /** read-only folders from non-file volumes (e.g. a DAG volume mounted read-only) */
  readonly readOnlyDirs: string[];
  /** the pod volume behind each folder of `writable` and `readOnlyDirs`, by mount path */
  readonly volumeOf: Record<string, string>;
  readonly readOnlyRoot: boolean;
  readonly container: any;
  readonly spec: any;
}

/** The stand-in for a `secretKeyRef` env value. */
function standIn(name: string, ref: { name: string; key: string }, standIns: StandIns): string {
  if (standIns[name] !== undefined) return standIns[name];
  if (name === 'AIRFLOW__CORE__FERNET_KEY') return STAND_IN_FERNET_KEY;
  return `stand-in-${ref.name}-${ref.key}`;
}

/**
 * Renders one container of a workload (`object`: a Deployment, Job, CronJob or Pod): args, env and mounted files.
 * `standIns` gives the values of `secretKeyRef` env entries by env name; ConfigMaps are looked up in `manifests`.
 */
export function podProcess(manifests: any[], object: any, containerName: string, standIns: StandIns = {}, namespace = 'airflow'): PodProcess {
  const spec = podSpecOf(object);
  const container = [...(spec.initContainers ?? []), ...spec.containers].find((c: any) => c.name === containerName);
  if (!container) throw new Error(`no container '${containerName}' in ${object.metadata?.name}`);
  const configMap = (name: string) => {
    const cm = manifests.find(m => m.kind === 'ConfigMap' && m.metadata.name === name);
    if (!cm) throw new Error(`ConfigMap ${name} is not in the manifests`);
    return cm;
  };
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) env[e.name] = standIn(e.name, e.valueFrom.secretKeyRef, standIns);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = 'stand-in-pod-name';
    else if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') env[e.name] = '127.0.0.1';
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = configMap(e.valueFrom.configMapKeyRef.name).data[e.valueFrom.configMapKeyRef.key];
    else throw new Error(`env ${e.name}: cannot render ${JSON.stringify(e.valueFrom)}`);
  }
  const files: PodProcess['files'] = [];
  const writable: string[] = [];
  const readOnlyDirs: string[] = [];
  const volumeOf: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = (spec.volumes ?? []).find((v: any) => v.name === mount.name);
    if (!volume) throw new Error(`volumeMount ${mount.name} has no volume`);
    const readOnly = mount.readOnly === true;
    let data: Record<string, string> | undefined;
    let items: Array<{ key: string; path: string }> | undefined;
    if (volume.configMap) {
      data = configMap(volume.configMap.name).data ?? {};
      items = volume.configMap.items;
    } else if (volume.secret) {
      const keys: string[] = (volume.secret.items ?? []).map((i: any) => i.key);
      data = Object.fromEntries(keys.map(k => [k, standIns[`file:${volume.secret.secretName}/${k}`] ?? `stand-in-${volume.secret.secretName}-${k}`]));
      items = volume.secret.items;
    }
    if (data) {
      const entries = (items ?? Object.keys(data).map(k => ({ key: k, path: k }))).map(i => ({ path: i.path, content: data![i.key] ?? '' }));
      if (mount.subPath) {
        const entry = entries.find(e => e.path === mount.subPath);
        if (!entry) throw new Error(`subPath ${mount.subPath} of ${mount.name} is not in its volume`);
        files.push({ path: mount.mountPath, content: entry.content, readOnly: true });
      } else {
        for (const e of entries) files.push({ path: `${mount.mountPath}/${e.path}`, content: e.content, readOnly: true });
      }
    } else {
      (readOnly ? readOnlyDirs : writable).push(mount.mountPath);
      volumeOf[mount.mountPath] = mount.name;
    }
  }
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  const readOnlyRoot = container.securityContext?.readOnlyRootFilesystem === true;
  return { args, env, files, writable, readOnlyDirs, volumeOf, readOnlyRoot, container, spec };
}

/** The env a process of the venv gets besides the pod's: the image's own (AIRFLOW_HOME, HOME, PATH). */
export function imageEnv(version: string): Record<string, string> {
  return {
    AIRFLOW_HOME: '/opt/airflow',
    HOME: '/home/airflow',
    PATH: `${airflowVenv(version)}/bin:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
  };
}

/** A server started in a pod's filesystem. */
export interface PodServer {
  readonly child: ChildProcess;
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

/**
 * A pod's filesystem laid out in a temporary folder, entered with `unshare --mount`. Its volumes (emptyDirs and
 * other non-file volumes) are folders named after the pod's volume, so the containers of one pod (init containers,
 * then the main container) share them: pass the first container's `PodFilesystem` as `volumesOf` to the others.
 */
export class PodFilesystem {
  public readonly dir: string;
  private readonly script: string;
  private readonly volumesDir: string;

  /**
   * @param extraFiles files to add under /opt (test scripts)
   * @param hosts names to resolve to 127.0.0.1 (Kubernetes Service names of services the test runs locally), through
   *   a bind-mounted /etc/hosts: the cluster DNS of the pod
   */
  constructor(public readonly pod: PodProcess, extraFiles: Array<{ path: string; content: string; mode?: number }> = [], hosts: string[] = [],
    volumesOf?: PodFilesystem) {
    this.dir = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-pod-'));
    this.volumesDir = volumesOf?.volumesDir ?? join(this.dir, 'volumes');
    const root = join(this.dir, 'root');
    const unsupported = [...pod.files.map(f => f.path), ...pod.writable, ...pod.readOnlyDirs]
      .filter(p => !p.startsWith('/opt/') && p !== '/tmp' && !p.startsWith('/tmp/'));
    if (unsupported.length > 0) throw new Error(`PodFilesystem emulates mounts under /opt and /tmp only, not ${unsupported.join(', ')}`);
    mkdirSync(join(root, 'opt', 'airflow'), { recursive: true });
    const entrypoint = '#!/bin/sh\n# stand-in of the official image\'s /entrypoint: with CONNECTION_CHECK_MAX_COUNT=0 it runs its arguments\nexec "$@"\n';
    for (const f of [...pod.files, ...extraFiles, { path: ENTRYPOINT_STAND_IN, content: entrypoint, mode: 0o755 }]) {
      const target = join(root, f.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content);
      chmodSync(target, (f as { mode?: number }).mode ?? 0o644);
    }
    const lines = ['set -eu'];
    lines.push(`mount --rbind ${root}/opt /opt`);
    const dirs = [...pod.writable.map(p => ({ p, rw: true })), ...pod.readOnlyDirs.map(p => ({ p, rw: false }))];
    // the staging folder is under the host's /tmp: mount the pod's /tmp last, when nothing more is read from there
    const order = dirs.sort((a, b) => Number(a.p === '/tmp' || a.p.startsWith('/tmp/')) - Number(b.p === '/tmp' || b.p.startsWith('/tmp/')));
    order.forEach(({ p, rw }) => {
      const source = join(this.volumesDir, pod.volumeOf[p]);
      if (!existsSync(source)) {
        mkdirSync(source, { recursive: true });
        chmodSync(source, 0o777);
      }
      if (p.startsWith('/opt/')) mkdirSync(join(root, p), { recursive: true });
      lines.push(`mount --bind ${source} ${p}`);
      if (!rw) lines.push(`mount -o remount,bind,ro ${p}`);
    });
    if (hosts.length > 0) {
      const hostsFile = join(this.dir, 'hosts');
      writeFileSync(hostsFile, `${readFileSync('/etc/hosts', 'utf-8')}\n${hosts.map(h => `127.0.0.1 ${h}`).join('\n')}\n`);
      chmodSync(hostsFile, 0o644);
      lines.splice(1, 0, `mount --bind ${hostsFile} /etc/hosts`);
    }
    if (pod.readOnlyRoot) {
      lines.push('mount -o remount,bind,ro /opt');
      lines.push('mount -o remount,bind,ro /');
    }
    lines.push('cd /opt/airflow');
    lines.push('exec "$@"');
    this.script = join(this.dir, 'enter.sh');
    writeFileSync(this.script, lines.join('\n') + '\n');
  }

  /** The host folder behind the pod path `path` of a writable volume (to read what the process wrote). */
  public hostPath(path: string): string {
    const volume = [...this.pod.writable, ...this.pod.readOnlyDirs].find(p => path === p || path.startsWith(p + '/'));
    if (volume === undefined) throw new Error(`${path} is not on a volume of the pod`);
    return join(this.volumesDir, this.pod.volumeOf[volume], path.slice(volume.length));
  }

  /** The command line that runs `argv` inside the pod's filesystem with `env` only. */
  public command(argv: string[], env: Record<string, string>): [string, string[]] {
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return ['unshare', ['--mount', '--propagation', 'private', 'bash', this.script, 'env', '-i', ...envArgs, ...argv]];
  }

  /** Runs `argv` to its end inside the pod's filesystem. */
  public run(argv: string[], env: Record<string, string>, options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    const [cmd, args] = this.command(argv, env);
    return run(cmd, args, { timeoutMs: 120_000, ...options });
  }

  /** Starts `argv` inside the pod's filesystem (a server); its pid is in the pod's mount namespace. */
  public start(argv: string[], env: Record<string, string>, options: SpawnOptions = {}): PodServer {
    const [cmd, args] = this.command(argv, env);
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let exited = false;
    child.stdout!.on('data', d => { output += d; });
    child.stderr!.on('data', d => { output += d; });
    const closed = new Promise<void>(resolve => child.on('close', () => { exited = true; resolve(); }));
    return {
      child,
      output: () => output,
      exited: () => exited,
      stop: async () => {
        if (exited) return;
        // the server and the workers it forks (gunicorn, uvicorn) are one process group: end them all
        try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
        const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 15_000);
        await closed;
        clearTimeout(timer);
      },
    };
  }

  /** Runs `argv` in the mount namespace (and working folder) of a process started with `start`: an exec probe. */
  public execIn(pid: number, argv: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<RunResult> {
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return run('nsenter', [`--target=${pid}`, '--mount', '--wd', 'env', '-i', ...envArgs, ...argv], { timeoutMs });
  }

  /** Removes the staging folder (and the pod's volumes, when this filesystem made them). */
  public remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Runs init containers in order, as the kubelet does before it starts the main containers: each in a filesystem that
 * shares the volumes of `main` (the main container's filesystem); fails with the output of the first that exits
 * non-zero.
 */
export async function runInitContainers(inits: PodProcess[], version: string, main: PodFilesystem, timeoutMs = 300_000): Promise<void> {
  for (const init of inits) {
    const fs = new PodFilesystem(init, [], [], main);
    try {
      const r = await fs.run(init.args, { ...imageEnv(version), ...init.env }, { timeoutMs });
      if (r.code !== 0) throw new Error(`init container ${init.container.name} (${init.args.join(' ')}) exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    } finally {
      fs.remove();
    }
  }
}

/** Runs a container's own args to the end in its pod filesystem; fails with its output when the exit code is not 0. */
export async function runPodToEnd(pod: PodProcess, version: string, timeoutMs = 600_000): Promise<string> {
  const fs = new PodFilesystem(pod);
  try {
    const r = await fs.run(pod.args, { ...imageEnv(version), ...pod.env }, { timeoutMs });
    if (r.code !== 0) throw new Error(`${pod.args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout + r.stderr;
  } finally {
    fs.remove();
  }
}

/** The init containers of `object`'s pod, rendered with `standIns` (ConfigMaps looked up in `manifests`). */
export function initContainers(manifests: any[], object: any, standIns: StandIns): PodProcess[] {
  return (podSpecOf(object).initContainers ?? []).map((i: any) => podProcess(manifests, object, i.name, standIns));
}

/** GET `path` on 127.0.0.1:`port` without following redirects. */
export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual', signal: AbortSignal.timeout(20_000) });
  return { status: r.status, body: await r.text() };
}

/**
 * Holds `port` for this test until the returned release is called. Servers of our containers listen on the
 * containers' exact ports (8080 for every web server) and test files run in parallel: a lock folder (mkdir is atomic)
 * makes them take turns. A lock whose process is gone is taken over.
 */
async function holdPort(port: number, timeoutMs = 1_800_000): Promise<() => void> {
  const lock = join(tmpdir(), `cdk8s-airflow-port-${port}.lock`);
  const owner = join(lock, 'pid');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number(existsSync(owner) ? readFileSync(owner, 'utf-8') : 0);
    if (pid > 0 && !processAlive(pid)) rmSync(lock, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`port ${port}: still held by process ${pid} after ${timeoutMs / 1000} s (lock ${lock})`);
    await new Promise(r => setTimeout(r, 1000));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A server of one of our containers, running in its pod filesystem. */
export interface RunningPodServer {
  readonly fs: PodFilesystem;
  readonly server: PodServer;
  stop(): Promise<void>;
}

/**
 * Starts one of our server containers as its pod would: the pod's init containers first (sharing its volumes), then
 * the container's own args; waits until `readyPath` answers 200 on `port` (the container's exact port, held for this
 * test until `stop`). Fails early when the process exits or writes outside its writable paths.
 */
export async function startPodServer(pod: PodProcess, version: string, port: number, readyPath: string,
  inits: PodProcess[] = []): Promise<RunningPodServer> {
  const release = await holdPort(port);
  if (await tcpOpen(port)) {
    release();
    throw new Error(`port ${port} is taken on this machine by something else: the container's exact port is needed`);
  }
  const fs = new PodFilesystem(pod);
  let server: PodServer | undefined;
  const stop = async () => {
    try {
      await server?.stop();
      fs.remove();
    } finally {
      release();
    }
  };
  try {
    await runInitContainers(inits, version, fs);
    server = fs.start(pod.args, { ...imageEnv(version), ...pod.env });
    // the startupProbe allows 120 s; this machine is slower than a node (2 shared cores), so allow more
    const deadline = Date.now() + 300_000;
    for (;;) {
      const what = `${pod.args.join(' ')} answering ${readyPath}`;
      if (server.exited()) throw new Error(`${what}: the process exited\n${server.output()}`);
      // a write outside the pod's writable paths: fail now, not after the server's own start timeout
      // (Airflow 2's webserver waits web_server_master_timeout, 120 s, for a gunicorn that died).
      // gunicorn 25.1+ (the venv's; the official 2.11 image pins an older one) also opens a control socket
      // `gunicorn.ctl` in the working folder and logs "Control server error: [Errno 30] ..." when it cannot: that
      // thread's failure is not fatal (gunicorn ctl/server.py), so it does not count here
      const fatal = server.output().split('\n').filter(l => !l.includes('Control server error'));
      if (fatal.some(l => /\[Errno 30\] Read-only file system/.test(l))) throw new Error(`${what}: wrote outside its writable paths\n${server.output()}`);
      if ((await httpGet(port, readyPath).catch(() => ({ status: 0 }))).status === 200) break;
      if (Date.now() > deadline) throw new Error(`${what}: not ready after 300 s\n${server.output()}`);
      await new Promise(r => setTimeout(r, 500));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { fs, server, stop };
}

/** Whether this machine can make the private mount namespaces `PodFilesystem` needs. */
export function canEmulatePods(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/unshare') && existsSync('/usr/bin/nsenter');
}

/** Runs a Python script of test/real/ in a venv, feeding it `input` as JSON; returns its JSON (last stdout line). */
export async function pythonJson(fs: PodFilesystem, version: string, script: string, input: unknown,
  env: Record<string, string>, timeoutMs = 180_000): Promise<any> {
  const r = await fs.run([`${airflowVenv(version)}/bin/python`, script], env, { input: JSON.stringify(input), timeoutMs });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${script} exited ${r.code} without a JSON result\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
}
