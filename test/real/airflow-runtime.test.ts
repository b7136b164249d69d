import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { airflow2CeleryPgBouncer, airflow2Kubernetes, airflow3Fab, RealCase, realCases } from './cases';
import { STAND_INS } from './support';
import { canEmulatePods, ENTRYPOINT_STAND_IN, httpGet, imageEnv, initContainers, runPodToEnd, PodFilesystem, podProcess, PodProcess, podSpecOf, startPodServer, StandIns, workload } from '../support/real-airflow';
import { describeWith } from '../support/real-components';
import { asUser, PgBouncerService, pgbouncerVersion, PostgresService, run, SERVICE_UID, startPgBouncer, startPostgres, tcpOpen, tempDir, waitFor } from '../support/real-services';

/**
 * Airflow runs our containers' exact args, env and files (test/support/real-airflow.ts `PodFilesystem`: the pod's
 * mounts, its writable paths only, a read-only root; init containers first, sharing the pod's volumes) against a local
 * PostgreSQL:
 * - the migrations Job's `airflow db migrate`, then the init containers' `airflow db check-migrations`;
 * - the API server (Airflow 3) / webserver (Airflow 2) with the Deployment's args, answering its probes' HTTP paths
 *   and ports, and the login we configure: SimpleAuthManager's passwords file from the Secret every replica mounts
 *   (Airflow 3), the admin the create-admin Job makes (Airflow 2, FAB);
 * - the `airflow jobs check` exec probes, against a real triggerer and without one.
 */

/** The official image's `/entrypoint` in a probe command becomes the stand-in (it `exec`s its arguments). */
function probeArgv(command: string[]): string[] {
  return command.map(a => a.replace(/(^|\s)\/entrypoint(\s)/g, `$1${ENTRYPOINT_STAND_IN}$2`));
}

/** A database and its URL as the stand-in of the connection Secret. */
async function database(pg: PostgresService, name: string): Promise<string> {
  await pg.sql(`CREATE ROLE ${name} LOGIN PASSWORD '${name}-pw'; CREATE DATABASE ${name} OWNER ${name};`);
  return `postgresql://${name}:${name}-pw@127.0.0.1:${pg.port}/${name}`;
}

/** A PostgreSQL with one database for the tests of a describe block: started before them, stopped after. */
function usePostgres(name: string): { pg: PostgresService; url: string } {
  const db = {} as { pg: PostgresService; url: string };
  beforeAll(async () => {
    if (!canEmulatePods()) throw new Error('needs root with unshare/nsenter to lay out the pod filesystem');
    db.pg = await startPostgres();
    db.url = await database(db.pg, name);
  }, 120_000);
  afterAll(async () => { await db.pg?.stop(); });
  return db;
}

function standInsWithDb(url: string, extra: StandIns = {}): StandIns {
  return { ...STAND_INS, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: url, ...extra };
}

function processWithDb(c: RealCase, object: any, container: string, url: string, extra: StandIns = {}): PodProcess {
  return podProcess(c.manifests, object, container, standInsWithDb(url, extra));
}

/** Runs the migrations Job's container of `c` (`airflow db migrate`, its exact args) against `url`. */
async function migrate(c: RealCase, url: string): Promise<void> {
  const job = workload(c.manifests, 'migrate');
  const pod = processWithDb(c, job, podSpecOf(job).containers[0].name, url);
  expect(pod.args).toEqual(['airflow', 'db', 'migrate']);
  await runPodToEnd(pod, c.airflow.version.version);
}

/** The HTTP probes of a container: path and port of each, with the container's port names resolved. */
function httpProbes(container: any): Array<{ kind: string; path: string; port: number }> {
  return ['startupProbe', 'livenessProbe', 'readinessProbe'].filter(k => container[k]?.httpGet).map(k => {
    const { path, port } = container[k].httpGet;
    const resolved = typeof port === 'number' ? port : container.ports.find((p: any) => p.name === port).containerPort;
    return { kind: k, path, port: resolved };
  });
}

describeWith(['airflow', 'apt'], 'real Airflow 3 runs our containers (examples/celery-keda.ts)', () => {
  const c = realCases().find(x => x.name === 'examples/celery-keda.ts')!;
  const version = c.airflow.version.version;
  const db = usePostgres('airflow3');

  it('the migrations Job\'s `airflow db migrate` migrates an empty database', async () => {
    await migrate(c, db.url);
    expect((await db.pg.sql('SELECT count(*) FROM alembic_version', 'airflow3')).trim()).toBe('1');
  }, 900_000);

  it('every init container\'s `airflow db check-migrations` passes on the migrated database', async () => {
    const scheduler = workload(c.manifests, 'scheduler');
    const init = podSpecOf(scheduler).initContainers.find((x: any) => x.args?.includes('check-migrations'));
    const pod = processWithDb(c, scheduler, init.name, db.url);
    expect(pod.args.slice(0, 4)).toEqual(['airflow', 'db', 'check-migrations', '--migration-wait-timeout=300']);
    await runPodToEnd(pod, version, 120_000);
  }, 300_000);

  it('the oracle fails: check-migrations on an empty database (wait cut to 1 s) exits non-zero', async () => {
    const empty = await database(db.pg, 'emptyaf3');
    const scheduler = workload(c.manifests, 'scheduler');
    const init = podSpecOf(scheduler).initContainers.find((x: any) => x.args?.includes('check-migrations'));
    const pod = processWithDb(c, scheduler, init.name, empty);
    const fast = { ...pod, args: pod.args.map(a => a.startsWith('--migration-wait-timeout=') ? '--migration-wait-timeout=1' : a) };
    await expect(runPodToEnd(fast, version, 120_000)).rejects.toThrow(/There are still unapplied migrations after 1 seconds|TimeoutError/);
  }, 300_000);

  it('the triggerer\'s `airflow jobs check` probe fails with no triggerer and passes with one running', async () => {
    const triggerer = workload(c.manifests, 'triggerer');
    const container = podSpecOf(triggerer).containers.find((x: any) => x.name === 'triggerer');
    const pod = processWithDb(c, triggerer, 'triggerer', db.url);
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

  const apiServer = () => workload(c.manifests, 'api-server');
  const apiContainer = () => podSpecOf(apiServer()).containers.find((x: any) => x.name === 'api-server');
  /** The stand-in of the `<release>-simple-auth` Secret's passwords file, at the key the pod mounts. */
  const passwordsStandIn = (): { standIns: StandIns; password: string } => {
    const volume = podSpecOf(apiServer()).volumes.find((v: any) => v.secret?.secretName?.endsWith('-simple-auth'));
    expect(volume, 'the API server pod mounts the simple-auth Secret').toBeDefined();
    const password = 'stand-in: the Secret\'s admin password';
    const key = volume.secret.items[0].key;
    return { standIns: { [`file:${volume.secret.secretName}/${key}`]: JSON.stringify({ admin: password }) }, password };
  };
  const token = (port: number, password: string) => fetch(`http://127.0.0.1:${port}/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }),
  });

  /** Starts one API server replica (init containers first) and logs in with the Secret's password. */
  async function replicaAcceptsTheSecretsPassword(): Promise<void> {
    const container = apiContainer();
    const probes = httpProbes(container);
    expect(probes.map(p => p.kind).sort()).toEqual(['livenessProbe', 'readinessProbe', 'startupProbe']);
    const { standIns, password } = passwordsStandIn();
    const pod = processWithDb(c, apiServer(), 'api-server', db.url, standIns);
    const port = probes[0].port;
    const inits = initContainers(c.manifests, apiServer(), standInsWithDb(db.url, standIns));
    const running = await startPodServer(pod, version, port, probes[0].path, inits);
    try {
      for (const p of probes) expect((await httpGet(p.port, p.path)).status, `${p.kind} ${p.path}`).toBe(200);
      // the file SimpleAuthManager reads is the Secret's copy, unchanged: Airflow generated no password of its own
      // (it writes one only for a user missing from the file: SimpleAuthManager.init, airflow-core 3.2
      // api_fastapi/auth/managers/simple/simple_auth_manager.py)
      const file = c.airflow.config.get('core', 'simple_auth_manager_passwords_file')!;
      expect(JSON.parse(readFileSync(running.fs.hostPath(file), 'utf-8'))).toEqual({ admin: password });
      expect(running.server.output()).not.toMatch(/Password for user 'admin'/);
      const ok = await token(port, password);
      expect(ok.status).toBe(201);
      expect(((await ok.json()) as { access_token?: string }).access_token).toBeTruthy();
      expect((await token(port, 'wrong')).status).toBe(401);
    } finally {
      await running.stop();
    }
  }

  it('the API server starts with the Deployment\'s args, answers every probe, and takes the password of the Secret', async () => {
    await replicaAcceptsTheSecretsPassword();
  }, 600_000);

  it('a second replica (or a restart) accepts the same password: both read it from the same Secret', async () => {
    await replicaAcceptsTheSecretsPassword();
  }, 600_000);

  it('the oracle fails: without the copy-simple-auth-passwords init container the API server does not start: the file it reads is missing', async () => {
    const container = apiContainer();
    const probes = httpProbes(container);
    const { standIns } = passwordsStandIn();
    const pod = processWithDb(c, apiServer(), 'api-server', db.url, standIns);
    const inits = initContainers(c.manifests, apiServer(), standInsWithDb(db.url, standIns)).filter(i => i.container.name !== 'copy-simple-auth-passwords');
    // Airflow opens the file with open(file, "a+") (SimpleAuthManager.init): its folder under /tmp does not exist
    await expect(startPodServer(pod, version, probes[0].port, probes[0].path, inits)).rejects.toThrow(/No such file or directory: '\/tmp\/simple-auth\/passwords\.json'/);
  }, 600_000);
});

describeWith(['airflow', 'apt'], 'real Airflow 2.11 runs our containers', () => {
  const c = airflow2Kubernetes();
  const version = c.airflow.version.version;
  const db = usePostgres('airflow2');

  it('the migrations Job\'s `airflow db migrate` migrates an empty database, and check-migrations passes', async () => {
    await migrate(c, db.url);
    const scheduler = workload(c.manifests, 'scheduler');
    const init = podSpecOf(scheduler).initContainers.find((x: any) => x.args?.includes('check-migrations'));
    await runPodToEnd(processWithDb(c, scheduler, init.name, db.url), version, 120_000);
  }, 900_000);

  const ADMIN_PASSWORD = 'stand-in: the fab-admin Secret\'s p@ss "word"';

  /** Runs the create-admin Job's container with the Secret's password stand-in. */
  async function createAdmin(): Promise<string> {
    const job = workload(c.manifests, 'create-admin');
    const container = podSpecOf(job).containers[0];
    expect(JSON.stringify(container.args)).not.toContain(ADMIN_PASSWORD);
    return runPodToEnd(processWithDb(c, job, container.name, db.url, { AIRFLOW_ADMIN_PASSWORD: ADMIN_PASSWORD }), version);
  }

  it('Airflow 2: the create-admin Job makes the first admin, and a second run changes nothing', async () => {
    expect((await db.pg.sql('SELECT count(*) FROM ab_user', 'airflow2')).trim()).toBe('0');
    await createAdmin();
    const before = await db.pg.sql('SELECT username, password FROM ab_user', 'airflow2');
    expect(before.trim().split('\n')).toHaveLength(1);
    expect(before).toMatch(/^admin\|/m);
    // idempotent and never overwrites: `airflow users create` prints "already exist" and exits 0 (airflow 2.11
    // cli/commands/user_command.py users_create); the password hash is the same
    const again = await createAdmin();
    expect(again).toMatch(/already exist/);
    expect(await db.pg.sql('SELECT username, password FROM ab_user', 'airflow2')).toBe(before);
  }, 900_000);

  /** Logs in through FAB's form (/login/ with its CSRF token): where the POST redirects. */
  async function formLogin(port: number, password: string): Promise<string> {
    const page = await fetch(`http://127.0.0.1:${port}/login/`, { redirect: 'manual', signal: AbortSignal.timeout(20_000) });
    const csrf = /name="csrf_token" type="hidden" value="([^"]+)"/.exec(await page.text())?.[1];
    expect(csrf, 'the login form has a CSRF token').toBeTruthy();
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    const r = await fetch(`http://127.0.0.1:${port}/login/`, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cookie': cookie },
      body: new URLSearchParams({ username: 'admin', password, csrf_token: csrf! }).toString(),
    });
    expect(r.status).toBe(302);
    return r.headers.get('location') ?? '';
  }

  it('Airflow 2 webserver starts on a read-only root filesystem (pid file under /tmp), answers its probes, and logs the admin in', async () => {
    const web = workload(c.manifests, 'webserver');
    const container = podSpecOf(web).containers[0];
    const probes = httpProbes(container);
    expect(probes.length).toBeGreaterThan(0);
    const pod = processWithDb(c, web, container.name, db.url);
    expect(pod.readOnlyRoot).toBe(true);
    expect(pod.args.join(' ')).toMatch(/--pid \/tmp\//);
    const running = await startPodServer(pod, version, probes[0].port, probes[0].path, initContainers(c.manifests, web, standInsWithDb(db.url)));
    try {
      for (const p of probes) expect((await httpGet(p.port, p.path)).status, `${p.kind} ${p.path}`).toBe(200);
      expect(await formLogin(probes[0].port, 'wrong')).toMatch(/\/login\//);
      expect(await formLogin(probes[0].port, ADMIN_PASSWORD)).not.toMatch(/\/login\//);
    } finally {
      await running.stop();
    }
  }, 600_000);

  it('the oracle fails: the webserver with `airflow webserver`\'s own pid file (under AIRFLOW_HOME) stops on the read-only root', async () => {
    const web = workload(c.manifests, 'webserver');
    const container = podSpecOf(web).containers[0];
    const probes = httpProbes(container);
    const pod = processWithDb(c, web, container.name, db.url);
    const args: string[] = [];
    for (let i = 0; i < pod.args.length; i++) {
      if (pod.args[i] === '--pid') i++;
      else args.push(pod.args[i]);
    }
    expect(args.length).toBe(pod.args.length - 2);
    await expect(startPodServer({ ...pod, args }, version, probes[0].port, probes[0].path)).rejects.toThrow(/Read-only file system/);
  }, 600_000);

  it('the scheduler\'s `airflow jobs check` probe fails without a scheduler, as the probe assumes', async () => {
    const scheduler = workload(c.manifests, 'scheduler');
    const container = podSpecOf(scheduler).containers.find((x: any) => x.name === 'scheduler');
    const probe = probeArgv(container.livenessProbe.exec.command);
    const pod = processWithDb(c, scheduler, 'scheduler', db.url);
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


describeWith(['airflow', 'apt'], 'real Airflow 3 with AirflowAuth.fab(): the create-admin Job and a login on the API server', () => {
  const c = airflow3Fab();
  const version = c.airflow.version.version;
  const password = 'stand-in: fab-admin p@ss "word"';
  const db = usePostgres('airflow3fab');

  it('migrations create FAB\'s tables, the create-admin Job makes the admin once, and the API server logs it in', async () => {
    await migrate(c, db.url);
    // with FabAuthManager configured, `airflow db migrate` also runs the FAB provider's migrations (its DB manager)
    const admin = workload(c.manifests, 'create-admin');
    const creator = processWithDb(c, admin, podSpecOf(admin).containers[0].name, db.url, { AIRFLOW_ADMIN_PASSWORD: password });
    const create = () => runPodToEnd(creator, version);
    await create();
    const before = await db.pg.sql('SELECT username, password FROM ab_user', 'airflow3fab');
    expect(before).toMatch(/^admin\|/m);
    expect(await create()).toMatch(/already exist/);
    expect(await db.pg.sql('SELECT username, password FROM ab_user', 'airflow3fab')).toBe(before);
    const api = workload(c.manifests, 'api-server');
    const probes = httpProbes(podSpecOf(api).containers.find((x: any) => x.name === 'api-server'));
    const pod = processWithDb(c, api, 'api-server', db.url);
    const running = await startPodServer(pod, version, probes[0].port, probes[0].path, initContainers(c.manifests, api, standInsWithDb(db.url)));
    try {
      for (const p of probes) expect((await httpGet(p.port, p.path)).status, `${p.kind} ${p.path}`).toBe(200);
      // the FAB provider's token endpoint (providers/fab auth_manager/api_fastapi/routes/login.py, POST /auth/token)
      const login = (pw: string) => fetch(`http://127.0.0.1:${probes[0].port}/auth/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: pw }),
      });
      const ok = await login(password);
      expect(ok.status, await ok.clone().text()).toBe(201);
      expect(((await ok.json()) as { access_token?: string }).access_token).toBeTruthy();
      expect((await login('wrong')).status).toBe(401);
    } finally {
      await running.stop();
    }
  }, 1_200_000);
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
    const scheduler = workload(c.manifests, 'scheduler');
    // the command is an env var of the containers that go through PgBouncer, not an airflow.cfg key (issue #12:
    // nothing a pod doesn't need is in the shared ConfigMap)
    const cmd: string = podSpecOf(scheduler).containers.find((x: any) => x.name === 'scheduler').env
      .find((e: any) => e.name === 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD').value;
    const service = /'([a-z0-9-]+):(\d+)'/.exec(cmd)![1];
    const job = workload(c.manifests, 'migrate');
    const name = podSpecOf(job).containers[0].name;
    // the Job bypasses PgBouncer (src/database/migrations.ts: advisory locks and DDL under transaction pooling):
    // its AIRFLOW__DATABASE__SQL_ALCHEMY_CONN is the same Secret key as the upstream URL of the other containers
    const refOf = (o: any, container: string, env: string) => [...(podSpecOf(o).initContainers ?? []), ...podSpecOf(o).containers]
      .find((x: any) => x.name === container).env.find((e: any) => e.name === env)?.valueFrom?.secretKeyRef;
    const init = podSpecOf(scheduler).initContainers.find((x: any) => x.args?.includes('check-migrations'));
    expect(refOf(job, name, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN')).toEqual(refOf(scheduler, init.name, 'AIRFLOW_DATABASE_UPSTREAM_URL'));
    const standIns = { ...STAND_INS, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: upstream, AIRFLOW_DATABASE_UPSTREAM_URL: upstream };
    await runPodToEnd(podProcess(c.manifests, job, name, standIns), version, 900_000);
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
