import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { airflow2CeleryPgBouncer, airflow2Kubernetes, RealCase, realCases } from './cases';
import { knownBrokenOr, STAND_INS } from './support';
import { canEmulatePods, ENTRYPOINT_STAND_IN, imageEnv, PodFilesystem, podProcess, PodProcess, podSpecOf, workload } from '../support/real-airflow';
import { describeWith } from '../support/real-components';
import { asUser, PgBouncerService, pgbouncerVersion, PostgresService, run, SERVICE_UID, startPgBouncer, startPostgres, tcpOpen, tempDir, waitFor } from '../support/real-services';

/**
 * Airflow runs our containers' exact args, env and files (test/support/real-airflow.ts `PodFilesystem`: the pod's
 * mounts, its writable paths only, a read-only root) against a local PostgreSQL:
 * - the migrations Job's `airflow db migrate`, then the init containers' `airflow db check-migrations`;
 * - the API server (Airflow 3) / webserver (Airflow 2) with the Deployment's args, answering its probes' HTTP paths
 *   and ports, and the login Airflow offers with what we configure;
 * - the `airflow jobs check` exec probes, against a real triggerer and without one.
 *
 * Checks our output fails today are in KNOWN_BROKEN: their test asserts the failure and Airflow's message, so it
 * fails (and says so) when a fix lands; then move the check out of the list.
 */
const KNOWN_BROKEN: Record<string, string> = {
  'Airflow 3 API server: a second replica (or a restart) accepts the password the first one generated':
    'issue #12: [core] simple_auth_manager_passwords_file is under /tmp of each pod, so each replica and restart generates its own admin password',
  'Airflow 2 webserver starts on a read-only root filesystem':
    'issue #12: `airflow webserver` passes --pid $AIRFLOW_HOME/airflow-webserver.pid to gunicorn, which creates it in /opt/airflow (read-only)',
  'Airflow 2: the metadata database has a first admin user to log in with':
    'issue #12: webserver_config.py sets AUTH_DB but nothing creates a user (the official chart runs a create-user Job)',
};

/** `it` for a check; a check in KNOWN_BROKEN must fail today with `expected` in its message. */
function check(name: string, expected: RegExp, body: () => Promise<void>, timeout = 300_000): void {
  knownBrokenOr(KNOWN_BROKEN, __filename, name, expected, body, timeout);
}

/** The official image's `/entrypoint` in a probe command becomes the stand-in (it `exec`s its arguments). */
function probeArgv(command: string[]): string[] {
  return command.map(a => a.replace(/(^|\s)\/entrypoint(\s)/g, `$1${ENTRYPOINT_STAND_IN}$2`));
}

/** A database and its URL as the stand-in of the connection Secret. */
async function database(pg: PostgresService, name: string): Promise<string> {
  await pg.sql(`CREATE ROLE ${name} LOGIN PASSWORD '${name}-pw'; CREATE DATABASE ${name} OWNER ${name};`);
  return `postgresql://${name}:${name}-pw@127.0.0.1:${pg.port}/${name}`;
}

function processWithDb(c: RealCase, object: any, container: string, url: string): PodProcess {
  return podProcess(c.manifests, object, container, { ...STAND_INS, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: url });
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual', signal: AbortSignal.timeout(20_000) });
  return { status: r.status, body: await r.text() };
}

/** Runs `pod`'s own args to the end in its filesystem; fails with Airflow's output when the exit code is not 0. */
async function runPod(pod: PodProcess, version: string, timeoutMs = 600_000): Promise<string> {
  const fs = new PodFilesystem(pod);
  try {
    const r = await fs.run(pod.args, { ...imageEnv(version), ...pod.env }, { timeoutMs });
    if (r.code !== 0) throw new Error(`${pod.args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout + r.stderr;
  } finally {
    fs.remove();
  }
}

/** The HTTP probes of a container: path and port of each, with the container's port names resolved. */
function httpProbes(container: any): Array<{ kind: string; path: string; port: number }> {
  return ['startupProbe', 'livenessProbe', 'readinessProbe'].filter(k => container[k]?.httpGet).map(k => {
    const { path, port } = container[k].httpGet;
    const resolved = typeof port === 'number' ? port : container.ports.find((p: any) => p.name === port).containerPort;
    return { kind: k, path, port: resolved };
  });
}

/** A server of one of our containers, started in its pod filesystem. */
async function startServer(pod: PodProcess, version: string, port: number, readyPath: string) {
  if (await tcpOpen(port)) throw new Error(`port ${port} is taken on this machine: the container's exact port is needed`);
  const fs = new PodFilesystem(pod);
  const server = fs.start(pod.args, { ...imageEnv(version), ...pod.env });
  try {
    // the startupProbe allows 120 s; this machine is slower than a node (2 shared cores), so allow more
    const deadline = Date.now() + 300_000;
    for (;;) {
      const what = `${pod.args.join(' ')} answering ${readyPath}`;
      if (server.exited()) throw new Error(`${what}: the process exited\n${server.output()}`);
      // a write outside the pod's writable paths: fail now, not after the server's own start timeout
      // (Airflow 2's webserver waits web_server_master_timeout, 120 s, for a gunicorn that died)
      if (/\[Errno 30\] Read-only file system/.test(server.output())) throw new Error(`${what}: wrote outside its writable paths\n${server.output()}`);
      if ((await get(port, readyPath).catch(() => ({ status: 0 }))).status === 200) break;
      if (Date.now() > deadline) throw new Error(`${what}: not ready after 300 s\n${server.output()}`);
      await new Promise(r => setTimeout(r, 500));
    }
  } catch (e) {
    await server.stop();
    fs.remove();
    throw e;
  }
  return { fs, server, stop: async () => { await server.stop(); fs.remove(); } };
}

describeWith(['airflow', 'apt'], 'real Airflow 3 runs our containers (examples/celery-keda.ts)', () => {
  const c = realCases().find(x => x.name === 'examples/celery-keda.ts')!;
  const version = c.airflow.version.version;
  let pg: PostgresService;
  let url: string;
  beforeAll(async () => {
    if (!canEmulatePods()) throw new Error('needs root with unshare/nsenter to lay out the pod filesystem');
    pg = await startPostgres();
    url = await database(pg, 'airflow3');
  }, 120_000);
  afterAll(async () => { await pg?.stop(); });

  it('the migrations Job\'s `airflow db migrate` migrates an empty database', async () => {
    const job = workload(c.manifests, 'migrate');
    const pod = processWithDb(c, job, podSpecOf(job).containers[0].name, url);
    expect(pod.args).toEqual(['airflow', 'db', 'migrate']);
    await runPod(pod, version);
    expect((await pg.sql('SELECT count(*) FROM alembic_version', 'airflow3')).trim()).toBe('1');
  }, 900_000);

  it('every init container\'s `airflow db check-migrations` passes on the migrated database', async () => {
    const scheduler = workload(c.manifests, 'scheduler');
    const init = podSpecOf(scheduler).initContainers.find((x: any) => x.args?.includes('check-migrations'));
    const pod = processWithDb(c, scheduler, init.name, url);
    expect(pod.args.slice(0, 4)).toEqual(['airflow', 'db', 'check-migrations', '--migration-wait-timeout=300']);
    await runPod(pod, version, 120_000);
  }, 300_000);

  it('the oracle fails: check-migrations on an empty database (wait cut to 1 s) exits non-zero', async () => {
    const empty = await database(pg, 'emptyaf3');
    const scheduler = workload(c.manifests, 'scheduler');
    const init = podSpecOf(scheduler).initContainers.find((x: any) => x.args?.includes('check-migrations'));
    const pod = processWithDb(c, scheduler, init.name, empty);
    const fast = { ...pod, args: pod.args.map(a => a.startsWith('--migration-wait-timeout=') ? '--migration-wait-timeout=1' : a) };
    await expect(runPod(fast, version, 120_000)).rejects.toThrow(/There are still unapplied migrations after 1 seconds|TimeoutError/);
  }, 300_000);

  it('the triggerer\'s `airflow jobs check` probe fails with no triggerer and passes with one running', async () => {
    const triggerer = workload(c.manifests, 'triggerer');
    const container = podSpecOf(triggerer).containers.find((x: any) => x.name === 'triggerer');
    const pod = processWithDb(c, triggerer, 'triggerer', url);
    const probe = probeArgv(container.livenessProbe.exec.command);
    expect(probe.join(' ')).toContain('airflow jobs check --job-type TriggererJob --local');
    const fs = new PodFilesystem(pod);
    const env = { ...imageEnv(version), ...pod.env };
    try {
      const before = await fs.run(probe, env, { timeoutMs: 120_000 });
      expect(before.code, before.stdout + before.stderr).toBe(1);
      expect(before.stdout + before.stderr).toContain('No alive jobs found.');
      const server = fs.start(pod.args, env);
      try {
        let last = '';
        try {
          await waitFor('the triggerer heartbeating', async () => {
            const r = await fs.execIn(server.child.pid!, probe, env, 120_000);
            last = `exit ${r.code}: ${r.stdout}${r.stderr}`;
            return r.code === 0;
          }, 240_000, server);
        } catch (e) {
          throw new Error(`${(e as Error).message}\nthe probe's last answer: ${last}`);
        }
        expect(last).toContain('Found one alive job.');
      } finally {
        await server.stop();
      }
    } finally {
      fs.remove();
    }
  }, 600_000);

  let passwordOfFirst: string | undefined;
  const apiServer = () => workload(c.manifests, 'api-server');
  const apiContainer = () => podSpecOf(apiServer()).containers.find((x: any) => x.name === 'api-server');

  it('the API server starts with the Deployment\'s args, answers every probe, and takes the login of its passwords file', async () => {
    const container = apiContainer();
    const probes = httpProbes(container);
    expect(probes.map(p => p.kind).sort()).toEqual(['livenessProbe', 'readinessProbe', 'startupProbe']);
    const pod = processWithDb(c, apiServer(), 'api-server', url);
    const port = probes[0].port;
    const running = await startServer(pod, version, port, probes[0].path);
    try {
      for (const p of probes) expect((await get(p.port, p.path)).status, `${p.kind} ${p.path}`).toBe(200);
      // SimpleAuthManager (the default of Airflow 3) wrote the admin password into [core] simple_auth_manager_passwords_file
      const file = c.airflow.config.get('core', 'simple_auth_manager_passwords_file')!;
      const passwords = JSON.parse(readFileSync(running.fs.hostPath(file), 'utf-8'));
      passwordOfFirst = passwords.admin;
      expect(passwordOfFirst).toBeTruthy();
      const ok = await fetch(`http://127.0.0.1:${port}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: passwordOfFirst }) });
      expect(ok.status).toBe(201);
      expect(((await ok.json()) as { access_token?: string }).access_token).toBeTruthy();
      const bad = await fetch(`http://127.0.0.1:${port}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'wrong' }) });
      expect(bad.status).toBe(401);
    } finally {
      await running.stop();
    }
  }, 600_000);

  check('Airflow 3 API server: a second replica (or a restart) accepts the password the first one generated', /expected 401 to be 201/, async () => {
    expect(passwordOfFirst, 'the previous test logged in').toBeTruthy();
    const container = apiContainer();
    const probes = httpProbes(container);
    const pod = processWithDb(c, apiServer(), 'api-server', url);
    const running = await startServer(pod, version, probes[0].port, probes[0].path);
    try {
      const r = await fetch(`http://127.0.0.1:${probes[0].port}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: passwordOfFirst }) });
      expect(r.status).toBe(201);
    } finally {
      await running.stop();
    }
  }, 600_000);
});

describeWith(['airflow', 'apt'], 'real Airflow 2.11 runs our containers', () => {
  const c = airflow2Kubernetes();
  const version = c.airflow.version.version;
  let pg: PostgresService;
  let url: string;
  beforeAll(async () => {
    if (!canEmulatePods()) throw new Error('needs root with unshare/nsenter to lay out the pod filesystem');
    pg = await startPostgres();
    url = await database(pg, 'airflow2');
  }, 120_000);
  afterAll(async () => { await pg?.stop(); });

  it('the migrations Job\'s `airflow db migrate` migrates an empty database, and check-migrations passes', async () => {
    const job = workload(c.manifests, 'migrate');
    const pod = processWithDb(c, job, podSpecOf(job).containers[0].name, url);
    expect(pod.args).toEqual(['airflow', 'db', 'migrate']);
    await runPod(pod, version);
    const scheduler = workload(c.manifests, 'scheduler');
    const init = podSpecOf(scheduler).initContainers.find((x: any) => x.args?.includes('check-migrations'));
    await runPod(processWithDb(c, scheduler, init.name, url), version, 120_000);
  }, 900_000);

  check('Airflow 2: the metadata database has a first admin user to log in with', /expected '0' to be '1'|relation "ab_user" does not exist/, async () => {
    // `airflow db migrate` on 2.11 creates FAB's ab_* tables; nothing in our manifests creates a user
    expect((await pg.sql('SELECT count(*) FROM ab_user', 'airflow2')).trim()).toBe('1');
  });

  check('Airflow 2 webserver starts on a read-only root filesystem', /Read-only file system/, async () => {
    const web = workload(c.manifests, 'webserver');
    const name = podSpecOf(web).containers[0].name;
    const container = podSpecOf(web).containers[0];
    const probes = httpProbes(container);
    expect(probes.length).toBeGreaterThan(0);
    const pod = processWithDb(c, web, name, url);
    expect(pod.readOnlyRoot).toBe(true);
    const running = await startServer(pod, version, probes[0].port, probes[0].path);
    try {
      for (const p of probes) expect((await get(p.port, p.path)).status, `${p.kind} ${p.path}`).toBe(200);
    } finally {
      await running.stop();
    }
  }, 600_000);

  it('the scheduler\'s `airflow jobs check` probe fails without a scheduler, as the probe assumes', async () => {
    const scheduler = workload(c.manifests, 'scheduler');
    const container = podSpecOf(scheduler).containers.find((x: any) => x.name === 'scheduler');
    const probe = probeArgv(container.livenessProbe.exec.command);
    const pod = processWithDb(c, scheduler, 'scheduler', url);
    const fs = new PodFilesystem(pod);
    try {
      const r = await fs.run(probe, { ...imageEnv(version), ...pod.env }, { timeoutMs: 120_000 });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toContain('No alive jobs found.');
    } finally {
      fs.remove();
    }
  }, 300_000);
});


describeWith(['airflow', 'apt'], 'real Airflow 2.11 migrates through a real PgBouncer with the library\'s sql_alchemy_conn_cmd', () => {
  const c = airflow2CeleryPgBouncer();
  const version = c.airflow.version.version;
  let pg: PostgresService;
  let bouncer: PgBouncerService | undefined;
  let upstream: string;
  let configDir: string;
  beforeAll(async () => {
    if (!canEmulatePods()) throw new Error('needs root with unshare/nsenter to lay out the pod filesystem');
    pg = await startPostgres();
    await pg.sql("CREATE ROLE pgb LOGIN PASSWORD 'p@ss'; CREATE DATABASE pgb OWNER pgb;");
    // the user's Secret (key `url`): a SQLAlchemy URL with an URL-encoded password and an sslmode PgBouncer must drop
    upstream = `postgresql://pgb:p%40ss@127.0.0.1:${pg.port}/pgb?sslmode=disable`;
    configDir = tempDir('pgbouncer-config', SERVICE_UID, 0o700);
  }, 120_000);
  afterAll(async () => {
    await bouncer?.stop();
    await pg?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('PgBouncer\'s render-config init container writes a pgbouncer.ini PgBouncer starts on', async () => {
    const deployment = workload(c.manifests, 'pgbouncer');
    const init = podSpecOf(deployment).initContainers.find((x: any) => x.name === 'render-config');
    const pod = podProcess(c.manifests, deployment, 'render-config', { PGBOUNCER_UPSTREAM_URL: upstream });
    expect(init.command.slice(0, 3)).toEqual(['python', '-I', '-c']);
    // the script is standard-library Python: Debian's python3 runs it as nobody (the pod's user), into a private
    // folder standing in for the pod's /etc/pgbouncer emptyDir
    const r = await run('python3', init.command.slice(1), { ...asUser(SERVICE_UID), env: { ...pod.env, PGBOUNCER_CONFIG_DIR: configDir }, timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const port = Number(pod.env.PGBOUNCER_PORT);
    if (await tcpOpen(port)) throw new Error(`port ${port} is taken on this machine: PgBouncer needs the rendered port`);
    const ini = join(configDir, 'pgbouncer.ini');
    const local = await pgbouncerVersion();
    const [major, minor] = local.split('.').map(Number);
    if (major === 1 && minor < 21) {
      // Debian's PgBouncer is older than the image's (1.23.1): `max_prepared_statements` came in 1.21 and 1.18
      // refuses to start on it ("unknown parameter: pgbouncer/max_prepared_statements"). Everything else is ours.
      const text = readFileSync(ini, 'utf-8');
      expect(text).toContain('max_prepared_statements = 100\n');
      writeFileSync(ini, text.replace('max_prepared_statements = 100\n', ''));
      console.info(`PgBouncer ${local} here: max_prepared_statements (PgBouncer 1.21+) left out of the rendered pgbouncer.ini`);
    }
    bouncer = await startPgBouncer({ ini, port });
  }, 120_000);

  it('the migrations Job migrates the database directly; the scheduler\'s check-migrations passes through PgBouncer', async () => {
    expect(bouncer, 'PgBouncer runs (previous test)').toBeDefined();
    const cmd = c.airflow.config.get('database', 'sql_alchemy_conn_cmd')!;
    const service = /'([a-z0-9-]+):(\d+)'/.exec(cmd)![1];
    const job = workload(c.manifests, 'migrate');
    const name = podSpecOf(job).containers[0].name;
    // the Job bypasses PgBouncer (src/database/migrations.ts: advisory locks and DDL under transaction pooling):
    // its AIRFLOW__DATABASE__SQL_ALCHEMY_CONN is the same Secret key as the upstream URL of the other containers
    const refOf = (o: any, container: string, env: string) => [...(podSpecOf(o).initContainers ?? []), ...podSpecOf(o).containers]
      .find((x: any) => x.name === container).env.find((e: any) => e.name === env)?.valueFrom?.secretKeyRef;
    const scheduler = workload(c.manifests, 'scheduler');
    const init = podSpecOf(scheduler).initContainers.find((x: any) => x.args?.includes('check-migrations'));
    expect(refOf(job, name, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN')).toEqual(refOf(scheduler, init.name, 'AIRFLOW_DATABASE_UPSTREAM_URL'));
    const standIns = { ...STAND_INS, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: upstream, AIRFLOW_DATABASE_UPSTREAM_URL: upstream };
    await runPod(podProcess(c.manifests, job, name, standIns), version, 900_000);
    expect((await pg.sql('SELECT count(*) FROM alembic_version', 'pgb')).trim()).toBe('1');
    const checker = podProcess(c.manifests, scheduler, init.name, standIns);
    expect(checker.env.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN).toBeUndefined();
    const fs = new PodFilesystem(checker, [], [service]);
    try {
      const r = await fs.run(checker.args, { ...imageEnv(version), ...checker.env }, { timeoutMs: 300_000 });
      expect(r.code, r.stdout + r.stderr).toBe(0);
    } finally {
      fs.remove();
    }
    // the check really went through PgBouncer: its stats show the alias was used
    expect(bouncer!.output()).toMatch(/airflow_metadata|login attempt|new connection to server/);
  }, 1_200_000);
});
