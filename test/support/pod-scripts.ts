/**
 * Running a container's script from the synthesized manifests as the pod would: the container's own command, its
 * literal env, stand-in values for its Secret references, as the container's `runAsUser`/`runAsGroup` (when the
 * tests run as root), with the pod's paths mapped to temporary folders. Never a copy of the script: always the
 * text from the manifests.
 */
import { SpawnOptions } from 'child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { expect } from 'vitest';
import { asUser, IS_ROOT, run, RunResult, startProcess, tempDir } from './real-services';

/** Objects of `kind` whose pod (or own) `app.kubernetes.io/component` label, or name, contains `component`. */
export function objectsOf(manifests: any[], kind: string, component: string): any[] {
  return manifests.filter(m => m.kind === kind && (
    (m.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'] ?? '').includes(component)
    || (m.metadata?.labels?.['app.kubernetes.io/component'] ?? '').includes(component)
    || m.metadata.name.includes(component)));
}

/** The one object of `kind` for `component` (label or name); fails when there is not exactly one. */
export function objectOf(manifests: any[], kind: string, component: string): any {
  const found = objectsOf(manifests, kind, component);
  expect(found.map(m => m.metadata.name), `one ${kind} for '${component}'`).toHaveLength(1);
  return found[0];
}

/** All containers (init first) of a workload, Job or CronJob. */
export function containersOf(object: any): any[] {
  const spec = object.kind === 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.kind === 'Pod' ? object.spec : object.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The pod spec of a workload, Job or CronJob. */
export function podSpecOf(object: any): any {
  return object.kind === 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.kind === 'Pod' ? object.spec : object.spec.template.spec;
}

/** The container `name` of an object. */
export function containerOf(object: any, name: string): any {
  const found = containersOf(object).find(c => c.name === name);
  expect(found, `container ${name} of ${object.kind}/${object.metadata.name}`).toBeDefined();
  return found;
}

/**
 * The container's environment: literal values as they are, each `secretKeyRef` from `secrets[key]` (a stand-in;
 * fails when the test gives none), then `overrides` (the pod's paths mapped to temporary folders, ports).
 */
export function containerEnv(c: any, secrets: Record<string, string> = {}, overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) {env[e.name] = e.value;} else if (e.valueFrom?.secretKeyRef) {
      const key = e.valueFrom.secretKeyRef.key;
      if (secrets[key] === undefined && overrides[e.name] === undefined) throw new Error(`container ${c.name}: no stand-in for secret key '${key}' (env ${e.name})`);
      env[e.name] = secrets[key];
    }
  }
  return { ...env, ...overrides };
}

/** The kubelet's `$(VAR)` expansion of command and args (`$$` escapes). */
export function expandKubeletVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name) => (m === '$$' ? '$' : env[name] ?? m));
}

/** The uid and gid a container runs as (its securityContext, else the pod's). */
export function runAsOf(object: any, c: any): { uid: number; gid: number } {
  const pod = podSpecOf(object).securityContext ?? {};
  const uid = c.securityContext?.runAsUser ?? pod.runAsUser;
  const gid = c.securityContext?.runAsGroup ?? pod.runAsGroup ?? 0;
  expect(uid, `runAsUser of ${c.name}`).toBeTypeOf('number');
  return { uid, gid };
}

/**
 * A folder with `python` → the Debian python3 (the Airflow image's `python`), to put first on PATH. The Airflow
 * image has Python 3.12; Debian bookworm's is 3.11: the scripts use the standard library only.
 */
export function pythonShimDir(): string {
  const dir = tempDir('python-shim');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync('/usr/bin/python3', join(bin, 'python'));
  return bin;
}

/** Options of `runContainer`. */
export interface ContainerRun {
  readonly env: Record<string, string>;
  /** Extra PATH entries before the system's. */
  readonly path?: string[];
  /** Replaces the container command (e.g. to rewrite a pod path in it); the default is the container's own. */
  readonly command?: string[];
  readonly uid?: number;
  readonly gid?: number;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

function spawnOptions(options: ContainerRun): SpawnOptions {
  const PATH = [...(options.path ?? []), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'].join(':');
  return {
    ...(options.uid !== undefined ? asUser(options.uid, options.gid ?? 0) : {}),
    cwd: options.cwd ?? '/',
    env: { PATH, LANG: 'C.UTF-8', ...options.env },
  };
}

/** Runs a container's command to its end (an init container, a Job) and returns code and output. */
export function runContainer(c: any, options: ContainerRun): Promise<RunResult> {
  const [command, ...args] = options.command ?? [...(c.command ?? []), ...(c.args ?? [])];
  return run(command, args, { ...spawnOptions(options), timeoutMs: options.timeoutMs ?? 60_000 });
}

/** Starts a container's command as a long-running process (a sidecar); `stop()` sends SIGTERM. */
export function startContainer(c: any, options: ContainerRun) {
  const [command, ...args] = options.command ?? [...(c.command ?? []), ...(c.args ?? [])];
  return startProcess(command, args, spawnOptions(options));
}

/** Whether scripts really run under the pod's uid here (root can switch; otherwise they run as the current user). */
export const RUNS_AS_POD_USER = IS_ROOT;

/**
 * Environment giving `uid` a passwd and group entry as the image has one (nss_wrapper from Debian's
 * libnss-wrapper, the way docker-library images give arbitrary uids a name), for programs that look their user up
 * (initdb, postgres).
 */
export function imageUserEnv(name: string, uid: number, gid: number, home: string): Record<string, string> {
  const dir = tempDir('nss');
  writeFileSync(join(dir, 'passwd'), `root:x:0:0:root:/root:/bin/sh\n${name}:x:${uid}:${gid}:${name}:${home}:/bin/sh\n`);
  writeFileSync(join(dir, 'group'), `root:x:0:\n${name}:x:${gid}:\n`);
  return {
    LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/libnss_wrapper.so'.replace('x86_64-linux-gnu', `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`),
    NSS_WRAPPER_PASSWD: join(dir, 'passwd'),
    NSS_WRAPPER_GROUP: join(dir, 'group'),
  };
}
