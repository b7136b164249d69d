import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'fs';
import { join, relative } from 'path';
import { CACHE_DIR } from './real-components';

/**
 * The Python package of the library, as Python users get it: the wheel `jsii-pacmak` builds from the compiled jsii
 * assembly (the package task's own command), installed into the virtual environment that
 * scripts/setup/python-packaging.sh prepared with cdk8s, cdk8s-plus-28, constructs and the jsii runtime at the npm
 * versions.
 */
export const ROOT = join(__dirname, '..', '..');
const PACKAGING = join(CACHE_DIR, 'python-packaging');
/** Every wheel the build and the apps need, downloaded once by the setup part: builds and installs stay offline. */
export const WHEELHOUSE = join(PACKAGING, 'wheelhouse');
const VENV = join(PACKAGING, 'venv');
/** The venv's Python. */
export const PYTHON = join(VENV, 'bin', 'python');

/** The environment Python apps run with. */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${join(VENV, 'bin')}:${process.env.PATH}`,
    VIRTUAL_ENV: VENV,
    // pip stays offline: what the setup part downloaded is all a build and an install need.
    PIP_NO_INDEX: '1',
    PIP_FIND_LINKS: WHEELHOUSE,
    // the jsii runtime's node-version banner (Node 20 is past its end of life) says nothing about our output.
    JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0],
    JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1',
    ...installedSite ? { PYTHONPATH: installedSite } : {},
    ...extra,
  };
}

/** The outcome of a process. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a process to its end (asynchronously, so several can run at once). */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    child.on('error', reject);
    child.on('close', code => resolve({ code, stdout, stderr }));
  });
}

async function runOk(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
  }
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).sort().flatMap(name => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * What the wheel is built from: the assembly (`.jsii`: types and docs), the compiled JavaScript under lib/ (the
 * assembly's fingerprint does not cover implementations), package.json and README.md (the wheel's metadata and long
 * description), jsii-pacmak's version and the package task's command.
 */
function wheelKey(): string {
  const hash = createHash('sha256');
  const inputs = ['.jsii', 'package.json', 'README.md', ...filesUnder(join(ROOT, 'lib')).map(f => relative(ROOT, f))];
  for (const file of inputs) {
    hash.update(`${file}\0`).update(readFileSync(join(ROOT, file))).update('\0');
  }
  hash.update(readFileSync(join(ROOT, 'node_modules', 'jsii-pacmak', 'package.json')));
  hash.update(JSON.stringify(packagePythonCommand()));
  return hash.digest('hex').slice(0, 16);
}

/** The package task's `jsii-pacmak` command for Python, from .projen/tasks.json (so the test builds what it builds). */
function packagePythonCommand(): string[] {
  const tasks = JSON.parse(readFileSync(join(ROOT, '.projen', 'tasks.json'), 'utf-8')).tasks;
  const steps: any[] = tasks['package:python']?.steps ?? [];
  const args: string[] | undefined = steps.find(s => s.execArgs?.[0] === 'jsii-pacmak')?.execArgs;
  if (!args) throw new Error('.projen/tasks.json has no package:python task running jsii-pacmak: is `publishToPypi` set in .projenrc.ts?');
  return args;
}

/** Where a build is, how long it took (0: it came from the cache). */
export interface Wheel {
  readonly path: string;
  readonly buildSeconds: number;
  readonly installSeconds: number;
}

/** The folder the current wheel is installed into (on PYTHONPATH of the apps), once `installedWheel()` ran. */
let installedSite: string | undefined;

/** Results older than this are removed; younger ones may belong to a run in another checkout sharing the cache. */
const KEEP_MS = 60 * 60 * 1000;

function removeStale(dir: string, keep: string): void {
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const path = join(dir, name);
    if (name !== keep && Date.now() - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { recursive: true, force: true });
  }
}

/** Moves a finished temporary folder into place; another run may have put the same result there first. */
function publish(tmp: string, dir: string): void {
  try {
    renameSync(tmp, dir);
  } catch (e) {
    if (!existsSync(dir)) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Builds the wheel when its inputs changed (cached under `<cache>/python-packaging/wheels/<key>/`) and installs it
 * into `<cache>/python-packaging/site/<key>/`, which the apps get on PYTHONPATH: the venv itself holds only the
 * pinned runtime packages and never changes, so runs of other checkouts sharing the cache (with other builds) do
 * not disturb each other. Needs the compiled assembly (`npm test` compiles first; otherwise `npx projen compile`).
 */
export async function installedWheel(): Promise<Wheel> {
  if (!existsSync(join(ROOT, '.jsii')) || !existsSync(join(ROOT, 'lib', 'index.js'))) {
    throw new Error('no compiled jsii assembly (.jsii, lib/): run `npx projen compile` first (`npm test` does)');
  }
  const key = wheelKey();
  const wheelsDir = join(PACKAGING, 'wheels');
  const dir = join(wheelsDir, key);
  let buildSeconds = 0;
  if (!existsSync(dir)) {
    const started = Date.now();
    const tmp = join(wheelsDir, `tmp-${key}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const [pacmak, ...args] = packagePythonCommand();
    // jsii-pacmak creates its own build venv with python3 and runs `python -m build` (isolated): both install from
    // the wheelhouse through PIP_NO_INDEX/PIP_FIND_LINKS.
    await runOk('nice', [join(ROOT, 'node_modules', '.bin', pacmak), ...args, '--outdir', tmp], { env: pythonEnv() });
    publish(tmp, dir);
    removeStale(wheelsDir, key);
    buildSeconds = (Date.now() - started) / 1000;
  }
  const wheels = readdirSync(join(dir, 'python')).filter(f => f.endsWith('.whl'));
  if (wheels.length !== 1) throw new Error(`expected one wheel in ${join(dir, 'python')}, found ${wheels.join(', ') || 'none'}`);
  const path = join(dir, 'python', wheels[0]);

  let installSeconds = 0;
  const siteDir = join(PACKAGING, 'site');
  const site = join(siteDir, key);
  if (!existsSync(site)) {
    const started = Date.now();
    const tmp = join(siteDir, `tmp-${key}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    // only the wheel: its dependencies are the venv's (pinned), checked by `pip check` in the test.
    await runOk(PYTHON, ['-m', 'pip', 'install', '-q', '--no-input', '--no-deps', '--target', tmp, path], { env: pythonEnv() });
    publish(tmp, site);
    removeStale(siteDir, key);
    installSeconds = (Date.now() - started) / 1000;
  }
  installedSite = site;
  return { path, buildSeconds, installSeconds };
}
