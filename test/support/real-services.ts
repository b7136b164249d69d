/**
 * Throwaway real services for runtime tests, started as plain processes (no containers): PostgreSQL, PgBouncer,
 * Redis and MariaDB from Debian packages (scripts/setup/apt-packages.txt), moto's S3 server and the AWS CLI from
 * the cached venv of scripts/setup/services.sh, statsd_exporter from scripts/setup/statsd-exporter.sh.
 *
 * Each `start*` returns `{ host, port, stop() }` (plus what a client needs), listens on 127.0.0.1 on a free port,
 * keeps its files in a fresh temporary folder and removes it on `stop()`. Database servers refuse to run as root:
 * when the tests run as root they run as `nobody` (65534), otherwise as the current user.
 *
 * Use them inside `describeWith([...parts], ...)` (test/support/real-components.ts) with the setup parts they need:
 * `apt` for PostgreSQL/PgBouncer/Redis/MariaDB, `services` for S3 and the AWS CLI, `statsd-exporter`.
 *
 * @example
 * const pg = await startPostgres();
 * await pg.sql("CREATE ROLE airflow LOGIN PASSWORD 'secret'");
 * const bouncer = await startPgBouncer({ ini: `...listen_port = ${port}...` });
 * await pg.stop();
 */
import { ChildProcess, execFile, spawn, SpawnOptions } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer, Socket } from 'net';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { CACHE_DIR } from './real-components';

/** The uid/gid database servers run as when the tests run as root (`nobody`). */
export const SERVICE_UID = 65534;

/** Whether this process is root (then services and scripts can run under other uids). */
export const IS_ROOT = process.getuid?.() === 0;

/** A running service. */
export interface RunningService {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The TCP port it listens on. */
  readonly port: number;
  /** Its temporary folder (data, sockets, logs). */
  readonly dir: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (asks the kernel for one, then releases it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A temporary folder, owned by `uid` (when root) and readable by all (mode 0755 unless given): the service or
 * script running as another user can use it, as an emptyDir it owns.
 */
export function tempDir(prefix: string, uid?: number, mode: number = 0o755): string {
  const dir = mkdtempSync(join(tmpdir(), `cdk8s-airflow-${prefix}-`));
  chmodSync(dir, mode);
  if (uid !== undefined && IS_ROOT) chownSync(dir, uid, uid);
  return dir;
}

/** Spawn options that run a process as `uid`:`gid` when root (Node drops the supplementary groups), else as is. */
export function asUser(uid: number, gid: number = uid): SpawnOptions {
  return IS_ROOT ? { uid, gid } : {};
}

/** Result of `run`. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (never throws on a non-zero exit; fails on `timeoutMs`). */
export function run(command: string, args: string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', d => { stdout += d; });
    child.stderr!.on('data', d => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', e => { clearTimeout(timer); reject(e); });
    child.on('close', code => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
    child.stdin!.on('error', () => { /* the command exited without reading its input */ });
    child.stdin!.end(options.input ?? '');
  });
}

/** Like `run`, but fails with the output when the exit code is not 0; returns stdout. */
export async function runOk(command: string, args: string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Waits until `check` resolves true (polling), or fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000,
  process?: { output(): string; exited(): boolean }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (process?.exited()) throw new Error(`${what}: the process exited\n${process.output()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms\n${process?.output() ?? ''}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = new Socket();
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
    socket.connect(port, '127.0.0.1');
  });
}

/**
 * A long-running process with its output captured, in a process group of its own. `stop()` sends `signal` to the
 * process only (as the kubelet signals a container's main process), waits for it to exit (SIGKILL after 10 s),
 * then kills what is left of its group (e.g. a `sleep` the shell started, which would hold the output pipes).
 */
export function startProcess(command: string, args: string[], options: SpawnOptions = {}) {
  const child: ChildProcess = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  child.stdout!.on('data', d => { output += d; });
  child.stderr!.on('data', d => { output += d; });
  const exit = new Promise<void>(resolve => child.on('exit', () => { exited = true; resolve(); }));
  const closed = new Promise<void>(resolve => child.on('close', () => resolve()));
  child.on('error', e => { output += `\nspawn ${command} failed: ${e.message}`; exited = true; });
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch { /* the group is gone */ }
  };
  return {
    child,
    output: () => output,
    exited: () => exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!exited) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      }
      killGroup();
      await closed;
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL

/** The folder of the newest Debian PostgreSQL binaries (`/usr/lib/postgresql/<major>/bin`). */
export function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base) ? readdirSync(base).filter(v => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (majors.length === 0) throw new Error('no PostgreSQL under /usr/lib/postgresql: install the Debian package postgresql (scripts/setup/apt-packages.txt)');
  return join(base, majors[0], 'bin');
}

/** A running PostgreSQL. */
export interface PostgresService extends RunningService {
  /** The superuser (`postgres`, no password over the Unix socket; SCRAM over TCP with password `postgres`). */
  readonly superuser: string;
  /** The folder of its Unix socket. */
  readonly socketDir: string;
  /** `postgresql://postgres:postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  /** The server version, e.g. `15.18`. */
  readonly version: string;
  /** Runs SQL as the superuser through the socket (psql, stops at the first error) and returns the unaligned rows. */
  sql(sql: string, database?: string): Promise<string>;
}

/** Options of `startPostgres`. */
export interface PostgresOptions {
  /** Extra `-c name=value` server settings, e.g. `{ ssl: 'on' }`. */
  readonly settings?: Record<string, string>;
  /** Called with the data folder after initdb, before the server starts (e.g. to add certificates). */
  readonly beforeStart?: (dataDir: string) => void;
}

/** Starts a PostgreSQL server (initdb into a temporary folder, SCRAM over TCP, trust on the socket). */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresService> {
  const bin = postgresBin();
  const dir = tempDir('postgres', SERVICE_UID);
  const data = join(dir, 'data');
  const user = asUser(SERVICE_UID);
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, 'postgres\n');
  if (IS_ROOT) chownSync(pwfile, SERVICE_UID, SERVICE_UID);
  await runOk(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256',
    '--encoding=UTF8', '--locale=C', '--no-sync'], { ...user, cwd: dir, timeoutMs: 60_000 });
  options.beforeStart?.(data);
  const port = await freePort();
  const settings = { listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: dir, fsync: 'off', ...options.settings };
  const proc = startProcess(join(bin, 'postgres'), ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], { ...user, cwd: dir });
  const psql = (sql: string, database = 'postgres') => runOk(join(bin, 'psql'), ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', database],
    { input: sql, env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '5' } });
  await waitFor('PostgreSQL', async () => (await psql('SELECT 1')).trim() === '1', 30_000, proc);
  const version = (await psql('SHOW server_version')).trim().split(' ')[0];
  return {
    host: '127.0.0.1',
    port,
    dir,
    socketDir: dir,
    superuser: 'postgres',
    version,
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    output: proc.output,
    sql: psql,
    stop: async () => { await proc.stop('SIGINT'); rmSync(dir, { recursive: true, force: true }); },
  };
}

/**
 * Runs SQL with psql over TCP as a given user (password from `PGPASSWORD`, never on the command line) and returns
 * the unaligned rows; fails with psql's message.
 */
export async function psqlAs(options: { url: string; sql: string; env?: Record<string, string> }): Promise<RunResult> {
  return run(join(postgresBin(), 'psql'), ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', options.url], {
    input: options.sql, env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '5', ...options.env },
  });
}

// ---------------------------------------------------------------- PgBouncer

/** The Debian PgBouncer binary. */
export const PGBOUNCER_BIN = '/usr/sbin/pgbouncer';

/** A running PgBouncer. */
export interface PgBouncerService extends RunningService {
  /** `pgbouncer --version`'s version, e.g. `1.18.0`. */
  readonly version: string;
}

/** Options of `startPgBouncer`. */
export interface PgBouncerOptions {
  /** The path of a pgbouncer.ini (e.g. rendered by our init container); its `listen_port` must be `port`. */
  readonly ini: string;
  /** The port the ini listens on (127.0.0.1). */
  readonly port: number;
  /** uid to run as when root. @default SERVICE_UID */
  readonly uid?: number;
}

/** `pgbouncer --version`'s version (e.g. `1.18.0`). */
export async function pgbouncerVersion(): Promise<string> {
  const out = await runOk(PGBOUNCER_BIN, ['--version']);
  return /PgBouncer (\d+\.\d+(\.\d+)?)/i.exec(out)?.[1] ?? out.trim();
}

/** Starts PgBouncer on a given ini (as `nobody` when root) and waits until it accepts connections. */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncerService> {
  const version = await pgbouncerVersion();
  const dir = tempDir('pgbouncer', options.uid ?? SERVICE_UID);
  const proc = startProcess(PGBOUNCER_BIN, [options.ini], { ...asUser(options.uid ?? SERVICE_UID), cwd: dir });
  await waitFor('PgBouncer', () => tcpOpen(options.port), 15_000, proc);
  return {
    host: '127.0.0.1',
    port: options.port,
    dir,
    version,
    output: proc.output,
    stop: async () => { await proc.stop('SIGINT'); rmSync(dir, { recursive: true, force: true }); },
  };
}

// ---------------------------------------------------------------- Redis

/** A running Redis. */
export interface RedisService extends RunningService {
  /** Runs `redis-cli` with `args` against it (password from `REDISCLI_AUTH` when given). */
  cli(args: string[], password?: string): Promise<RunResult>;
}

/**
 * Starts `redis-server` with `args` (e.g. the embedded Redis's own), then `--port`, `--bind 127.0.0.1` and, unless
 * `args` name one, `--dir` on a temporary folder; as `uid` when root.
 */
export async function startRedis(options: { args?: string[]; uid?: number; env?: Record<string, string> } = {}): Promise<RedisService> {
  const uid = options.uid ?? SERVICE_UID;
  const dir = tempDir('redis', uid);
  const port = await freePort();
  const args = [...(options.args ?? []), '--port', String(port), '--bind', '127.0.0.1'];
  if (!args.includes('--dir')) args.push('--dir', dir);
  const proc = startProcess('redis-server', args, { ...asUser(uid), cwd: dir, env: { PATH: process.env.PATH, ...options.env } });
  await waitFor('Redis', () => tcpOpen(port), 15_000, proc);
  return {
    host: '127.0.0.1',
    port,
    dir,
    output: proc.output,
    cli: (cliArgs, password) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...cliArgs],
      { env: { PATH: process.env.PATH, ...(password !== undefined ? { REDISCLI_AUTH: password } : {}) } }),
    stop: async () => { await proc.stop('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
  };
}

// ---------------------------------------------------------------- MariaDB

/** A running MariaDB. */
export interface MariaDbService extends RunningService {
  /** The server version, e.g. `10.11.19-MariaDB-0+deb12u1`. */
  readonly version: string;
  /** Runs SQL as root through the socket and returns tab-separated rows without headers. */
  sql(sql: string, database?: string): Promise<string>;
}

/** Starts a MariaDB server (mariadb-install-db into a temporary folder; root without password on the socket). */
export async function startMariaDb(): Promise<MariaDbService> {
  const dir = tempDir('mariadb', SERVICE_UID);
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const user = asUser(SERVICE_UID);
  const installDb = existsSync('/usr/bin/mariadb-install-db') ? '/usr/bin/mariadb-install-db' : 'mysql_install_db';
  await runOk(installDb, ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db',
    ...(IS_ROOT ? [`--user=${'nobody'}`] : [])], { ...user, cwd: dir, timeoutMs: 90_000 });
  const port = await freePort();
  const server = existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : '/usr/sbin/mysqld';
  const proc = startProcess(server, ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
    `--pid-file=${join(dir, 'mysqld.pid')}`, '--skip-log-bin', '--innodb-buffer-pool-size=16M', '--performance-schema=OFF',
    ...(IS_ROOT ? ['--user=nobody'] : [])], { ...user, cwd: dir });
  const client = existsSync('/usr/bin/mariadb') ? '/usr/bin/mariadb' : 'mysql';
  const sql = (text: string, database?: string) => runOk(client, ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-B', ...(database ? [database] : [])],
    { input: text, env: { PATH: process.env.PATH } });
  await waitFor('MariaDB', async () => (await sql('SELECT 1')).trim() === '1', 60_000, proc);
  const version = (await sql('SELECT VERSION()')).trim();
  return {
    host: '127.0.0.1',
    port,
    dir,
    version,
    output: proc.output,
    sql,
    stop: async () => { await proc.stop('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
  };
}

// ---------------------------------------------------------------- S3 (moto server) and the AWS CLI

/**
 * The venv of scripts/setup/services.sh (awscli, moto server, SQLAlchemy, psycopg2, asyncpg): named by
 * `<cache>/services-venv.path` (outside the cache when root's home is closed to the pods' users).
 */
export const SERVICES_VENV = (() => {
  const pointer = join(CACHE_DIR, 'services-venv.path');
  return existsSync(pointer) ? readFileSync(pointer, 'utf-8').trim() : join(CACHE_DIR, 'services-venv');
})();

/** A running S3-compatible server. */
export interface S3Service extends RunningService {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Environment for the AWS CLI: stand-in keys, region, `AWS_ENDPOINT_URL_S3`. */
  readonly awsEnv: Record<string, string>;
  /** Runs `aws <args>` against it, e.g. `['s3', 'mb', 's3://dags']`; fails on a non-zero exit. */
  aws(args: string[]): Promise<string>;
  /** Makes `s3://<bucket>/<prefix>` hold exactly `files` (key below the prefix → text), with one `aws s3 sync --delete`. */
  setObjects(bucket: string, prefix: string, files: Record<string, string>): Promise<void>;
}

/** The folder with the venv's `aws` (put it first on PATH for scripts that call `aws`). */
export const AWS_CLI_DIR = join(SERVICES_VENV, 'bin');

/** Starts moto's S3 server (from the services venv) with stand-in credentials. */
export async function startS3(): Promise<S3Service> {
  const dir = tempDir('s3');
  const port = await freePort();
  const proc = startProcess(join(SERVICES_VENV, 'bin', 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { cwd: dir });
  await waitFor('moto S3 server', () => tcpOpen(port), 30_000, proc);
  const endpoint = `http://127.0.0.1:${port}`;
  const awsEnv = {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return {
    host: '127.0.0.1',
    port,
    dir,
    endpoint,
    awsEnv,
    output: proc.output,
    aws: args => runOk(join(AWS_CLI_DIR, 'aws'), args, { env: { PATH: process.env.PATH, HOME: dir, ...awsEnv }, timeoutMs: 60_000 }),
    setObjects: async (bucket, prefix, files) => {
      const local = mkdtempSync(join(dir, 'objects-'));
      for (const [key, text] of Object.entries(files)) {
        mkdirSync(dirname(join(local, key)), { recursive: true });
        writeFileSync(join(local, key), text);
      }
      await runOk(join(AWS_CLI_DIR, 'aws'), ['s3', 'sync', local, `s3://${bucket}/${prefix}`, '--delete', '--no-progress'],
        { env: { PATH: process.env.PATH, HOME: dir, ...awsEnv }, timeoutMs: 60_000 });
      rmSync(local, { recursive: true, force: true });
    },
    stop: async () => { await proc.stop('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
  };
}

// ---------------------------------------------------------------- statsd_exporter

/** The statsd_exporter binary of scripts/setup/statsd-exporter.sh. */
export const STATSD_EXPORTER_BIN = join(CACHE_DIR, 'bin', 'statsd_exporter-v0.28.0');

/** A running statsd_exporter. */
export interface StatsdExporterService extends RunningService {
  /** The UDP port it reads StatsD lines on. */
  readonly udpPort: number;
  /** Sends StatsD lines (e.g. `airflow.ti.finish.dag.task.success:1|c`, one event each) and waits until they are handled. */
  send(lines: string[]): Promise<void>;
  /** The text of `/metrics`. */
  metrics(): Promise<string>;
}

/** Starts statsd_exporter with a mapping file (`--statsd.mapping-config`). */
export async function startStatsdExporter(mappingFile: string): Promise<StatsdExporterService> {
  const { createSocket } = await import('dgram');
  const dir = tempDir('statsd');
  const port = await freePort();
  const udpPort = await freePort();
  const proc = startProcess(STATSD_EXPORTER_BIN, [`--statsd.mapping-config=${mappingFile}`, `--web.listen-address=127.0.0.1:${port}`,
    `--statsd.listen-udp=127.0.0.1:${udpPort}`, '--statsd.listen-tcp=', '--log.level=warn'], { cwd: dir });
  await waitFor('statsd_exporter', () => tcpOpen(port), 15_000, proc);
  const metrics = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    return response.text();
  };
  // every event read is counted once the mapper has handled it: as an action (map, drop) or as unmapped.
  const eventsHandled = async () => {
    const text = await metrics();
    const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((total, m) => total + Number(m[1]), 0);
    return sum(/^statsd_exporter_events_actions_total\{[^}]*\} (\d+)$/gm) + sum(/^statsd_exporter_events_unmapped_total (\d+)$/gm);
  };
  return {
    host: '127.0.0.1',
    port,
    udpPort,
    dir,
    output: proc.output,
    metrics,
    send: async lines => {
      const before = await eventsHandled();
      const socket = createSocket('udp4');
      for (const line of lines) {
        await new Promise<void>((resolve, reject) => socket.send(line, udpPort, '127.0.0.1', e => (e ? reject(e) : resolve())));
      }
      socket.close();
      await waitFor('statsd_exporter handling the lines', async () => (await eventsHandled()) >= before + lines.length, 10_000, proc);
    },
    stop: async () => { await proc.stop('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Writes `text` to a file in a fresh temporary folder and returns its path. */
export function tempFile(name: string, text: string, uid?: number): string {
  const dir = tempDir('file', uid);
  const path = join(dir, name);
  writeFileSync(path, text);
  if (uid !== undefined && IS_ROOT) chownSync(path, uid, uid);
  return path;
}

/** Promisified `execFile` for simple commands. */
export function exec(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(command, args, (e, out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out))));
}
