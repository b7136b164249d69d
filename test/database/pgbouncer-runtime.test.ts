/**
 * PgBouncer's scripts run for real: `render-config` (taken from the synthesized Deployment) renders the config as
 * uid 65534 from a stand-in connection Secret, Debian's PgBouncer runs it against a real PostgreSQL, and Airflow's
 * `sql_alchemy_conn_cmd` (from airflow.cfg) is run as uid 50000 the way Airflow runs it (shlex.split, no shell:
 * airflow-core/src/airflow/configuration.py `run_command`, Airflow 3.1) and its URL is opened with SQLAlchemy 2.0
 * and psycopg2, Airflow's driver.
 *
 * Debian bookworm's PgBouncer is 1.18: it has no `max_prepared_statements` (1.21+), which the rendered ini sets for
 * the image's PgBouncer 1.23; the tests check that line, then drop it before starting 1.18, and test the rest.
 */
import { execFileSync } from 'child_process';
import { chownSync, copyFileSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import * as kplus from 'cdk8s-plus-28';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { containerEnv, containerOf, objectOf, pythonShimDir, runAsOf, runContainer } from '../support/pod-scripts';
import { describeWith } from '../support/real-components';
import {
  freePort, IS_ROOT, PgBouncerService, PGBOUNCER_BIN, psqlAs, PostgresService, run, runOk, SERVICES_VENV,
  startPgBouncer, startPostgres, startProcess, tempDir, waitFor,
} from '../support/real-services';
import { airflowCfg, deployInChart, synthDeployment } from '../support/synth';

const PGBOUNCER_VERSION = (() => {
  try {
    return /PgBouncer (\d+\.\d+)/.exec(execFileSync(PGBOUNCER_BIN, ['--version'], { encoding: 'utf-8' }))?.[1] ?? '0';
  } catch {
    return '0';
  }
})();
const HAS_PREPARED_STATEMENTS = Number(PGBOUNCER_VERSION.split('.')[1] ?? 0) >= 21 || Number(PGBOUNCER_VERSION.split('.')[0]) > 1;
const TRICKY_PASSWORD = 'p@ss:w/o%r#d "q\' &?=+ x';
const q = encodeURIComponent;
/** Opens argv[1] with SQLAlchemy (psycopg2 for postgresql://), runs argv[2], prints the rows as JSON. */
const SQLALCHEMY_CODE = 'import json, sys, sqlalchemy as sa\n'
  + 'engine = sa.create_engine(sys.argv[1], poolclass=sa.pool.NullPool)\n'
  + 'with engine.connect() as c:\n'
  + '    print(json.dumps([list(r) for r in c.execute(sa.text(sys.argv[2]))], default=str))\n';

describeWith(['apt', 'services'], 'PgBouncer runtime: render-config, PgBouncer and sql_alchemy_conn_cmd against real PostgreSQL', () => {
  let pg: PostgresService;
  let certs: string;
  const python = pythonShimDir();
  const plain = synthDeployment({ pgbouncer: {} });
  const withCa = deployInChart(chart => ({ pgbouncer: { serverCaCertificate: { secret: kplus.Secret.fromSecretName(chart, 'Ca', 'db-ca'), key: 'ca.pem' } } }));

  beforeAll(async () => {
    certs = tempDir('certs', 65534);
    const ssl = (...args: string[]) => runOk('openssl', args, { cwd: certs });
    await ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
    await ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', '/CN=other-ca');
    await ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    await ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
    pg = await startPostgres({
      beforeStart: data => {
        for (const f of ['server.crt', 'server.key']) {
          copyFileSync(join(certs, f), join(data, f));
          if (IS_ROOT) chownSync(join(data, f), 65534, 65534);
        }
        execFileSync('chmod', ['0600', join(data, 'server.key')]);
      },
      settings: { ssl: 'on', password_encryption: 'scram-sha-256' },
    });
    const sqlPassword = TRICKY_PASSWORD.replace(/'/g, "''");
    await pg.sql(`CREATE ROLE airflow LOGIN PASSWORD '${sqlPassword}'; CREATE DATABASE airflow OWNER airflow;`);
    await pg.sql('CREATE SCHEMA airflow_schema AUTHORIZATION airflow;', 'airflow');
  }, 120_000);
  afterAll(async () => { await pg?.stop(); });

  const upstream = (query = '') => `postgresql+psycopg2://airflow:${q(TRICKY_PASSWORD)}@127.0.0.1:${pg.port}/airflow${query}`;

  /** Runs render-config of `manifests` as the pod does; the config emptyDir and the CA mount are temporary folders. */
  async function render(manifests: any[], url: string, caFile?: string) {
    const deployment = objectOf(manifests, 'Deployment', 'pgbouncer');
    const c = containerOf(deployment, 'render-config');
    const { uid, gid } = runAsOf(deployment, c);
    expect([uid, gid]).toEqual([65534, 65534]);
    const dir = tempDir('pgbouncer-config', uid, 0o700);
    const port = await freePort();
    const overrides: Record<string, string> = { PGBOUNCER_CONFIG_DIR: dir, PGBOUNCER_PORT: String(port) };
    const env = containerEnv(c, { connection: url }, overrides);
    if (env.PGBOUNCER_SERVER_CA_FILE !== undefined) {
      expect(c.volumeMounts.map((m: any) => m.mountPath)).toContain(env.PGBOUNCER_SERVER_CA_FILE.replace(/\/[^/]+$/, ''));
      env.PGBOUNCER_SERVER_CA_FILE = caFile ?? join(dir, 'no-such-ca.crt');
    }
    const result = await runContainer(c, { env, uid, gid, path: [python] });
    return { result, dir, port, ini: join(dir, 'pgbouncer.ini') };
  }

  /** Starts Debian's PgBouncer on the rendered ini (1.18: without max_prepared_statements, see the file comment). */
  async function bouncer(ini: string, port: number): Promise<PgBouncerService> {
    const text = readFileSync(ini, 'utf-8');
    expect(text).toContain('max_prepared_statements = 100\n');
    if (!HAS_PREPARED_STATEMENTS) writeFileSync(ini, text.replace('max_prepared_statements = 100\n', ''));
    return startPgBouncer({ ini, port });
  }

  /**
   * Runs the scheduler's sql_alchemy_conn_cmd (an AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD variable of the containers that
   * reach the database, src/secrets/secret-scope.ts) as uid 50000 and returns the URL it prints, aimed at the local PgBouncer.
   */
  async function airflowUrl(manifests: any[], url: string, bouncerPort: number): Promise<string> {
    const scheduler = objectOf(manifests, 'Deployment', 'scheduler').spec.template.spec.containers.find((c: any) => c.name === 'scheduler');
    const command = scheduler.env.find((e: any) => e.name === 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD').value;
    expect(airflowCfg(manifests)['database.sql_alchemy_conn_cmd']).toBeUndefined();
    const shlexRun = 'import shlex, subprocess, sys; sys.stdout.write(subprocess.check_output(shlex.split(sys.argv[1]), text=True))';
    const out = await runOk('/usr/bin/python3', ['-c', shlexRun, command], {
      ...(IS_ROOT ? { uid: 50000, gid: 0 } : {}), cwd: '/', env: { PATH: `${python}:/usr/bin:/bin`, AIRFLOW_DATABASE_UPSTREAM_URL: url },
    });
    const service = objectOf(manifests, 'Service', 'pgbouncer').metadata.name;
    expect(out).toContain(`@${service}:6543/airflow_metadata`);
    return out.replace(`@${service}:6543/`, `@127.0.0.1:${bouncerPort}/`);
  }

  /** Opens the URL with SQLAlchemy + psycopg2 (as Airflow does) and runs `sql`; returns the rows as JSON. */
  function sqlalchemy(url: string, sql: string) {
    return run(join(SERVICES_VENV, 'bin', 'python'), ['-c', SQLALCHEMY_CODE, url, sql], { env: { PATH: process.env.PATH }, timeoutMs: 30_000 });
  }

  it(`a password with @ : / % # " ' & ? = + and spaces survives render-config, users.txt, the _cmd and SQLAlchemy (PgBouncer ${PGBOUNCER_VERSION})`, async () => {
    const r = await render(plain.manifests, upstream());
    expect(r.result.stderr).toBe('');
    expect(r.result.code).toBe(0);
    expect(r.result.stdout).not.toContain('p@ss');
    const b = await bouncer(r.ini, r.port);
    try {
      const url = await airflowUrl(plain.manifests, upstream(), r.port);
      const result = await sqlalchemy(url, 'SELECT current_user, current_database(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(result.stderr).toBe('');
      // sslmode prefer (the default): PgBouncer talks TLS to a server that offers it.
      expect(JSON.parse(result.stdout)).toEqual([['airflow', 'airflow', true]]);
      // the exporter's connection string reaches PgBouncer's admin console (stats_users), which pools in transaction mode.
      const stats = readFileSync(join(r.dir, 'stats-connection'), 'utf-8').replace(/:\d+\/pgbouncer/, `:${r.port}/pgbouncer`);
      const pools = await psqlAs({ url: stats, sql: 'SHOW POOLS' });
      expect(pools.stderr).toBe('');
      expect(pools.stdout).toMatch(/^airflow_metadata\|airflow\|.*\|transaction$/m);
      // a wrong password is refused by PgBouncer: the check above could fail.
      const wrong = await sqlalchemy(url.replace(q(TRICKY_PASSWORD), 'wrong'), 'SELECT 1');
      expect(wrong.stderr).toMatch(/password authentication failed|SASL authentication failed/);
    } finally {
      await b.stop();
    }
  });

  it('the rendered ini sets max_prepared_statements, which PgBouncer before 1.21 refuses to load', async () => {
    const r = await render(plain.manifests, upstream());
    expect(readFileSync(r.ini, 'utf-8')).toContain('max_prepared_statements = 100\n');
    if (HAS_PREPARED_STATEMENTS) {
      await (await startPgBouncer({ ini: r.ini, port: r.port })).stop();
    } else {
      const start = await run(PGBOUNCER_BIN, [r.ini], { ...(IS_ROOT ? { uid: 65534, gid: 65534 } : {}), timeoutMs: 10_000 });
      expect(start.code).not.toBe(0);
      expect(start.stdout + start.stderr).toContain('unknown parameter: pgbouncer/max_prepared_statements');
    }
  });

  it.skipIf(!HAS_PREPARED_STATEMENTS)(`${HAS_PREPARED_STATEMENTS ? '' : `SKIPPED: PgBouncer ${PGBOUNCER_VERSION} (Debian bookworm) has no max_prepared_statements (1.21+): `}`
    + 'asyncpg\'s prepared statements work through transaction pooling', async () => {
    const r = await render(plain.manifests, upstream());
    const b = await bouncer(r.ini, r.port);
    try {
      const url = (await airflowUrl(plain.manifests, upstream(), r.port)).replace('postgresql+psycopg2://', 'postgresql://');
      const code = 'import asyncio, asyncpg, sys\n'
        + 'async def main():\n'
        + '    conns = [await asyncpg.connect(sys.argv[1]) for _ in range(3)]\n'
        + '    for i in range(20):\n'
        + '        for c in conns:\n'
        + '            assert await c.fetchval("SELECT $1::int + 1", i) == i + 1\n'
        + '    print("ok")\n'
        + 'asyncio.run(main())\n';
      const result = await run(join(SERVICES_VENV, 'bin', 'python'), ['-c', code, url], { timeoutMs: 30_000 });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('ok');
    } finally {
      await b.stop();
    }
  });

  it('sslmode=verify-full with sslrootcert but no serverCaCertificate stops render-config with a message naming the prop', async () => {
    const r = await render(plain.manifests, upstream(`?sslmode=verify-full&sslrootcert=${join(certs, 'ca.crt')}`));
    expect(r.result.code).toBe(1);
    expect(r.result.stderr.trim()).toBe("pgbouncer-config: sslmode verify-full needs the CA of the database server, which PgBouncer cannot take from the URL's "
      + "sslrootcert (a file of the Airflow containers): give it with 'pgbouncer.serverCaCertificate' (a Secret key holding the PEM), "
      + "or write sslrootcert=system to use the PgBouncer image's CA bundle");
  });

  it.each(['verify-ca', 'verify-full'])('sslmode=%s with serverCaCertificate: PgBouncer verifies the server with the mounted CA', async sslmode => {
    const url = upstream(`?sslmode=${sslmode}&sslrootcert=/opt/airflow/ca.pem`);
    // the same URL works directly (libpq with the CA file).
    const direct = await psqlAs({ url: url.replace('+psycopg2', '').replace('/opt/airflow/ca.pem', join(certs, 'ca.crt')), sql: 'SELECT 1' });
    expect(direct.stdout.trim()).toBe('1');
    const r = await render(withCa.manifests, url, join(certs, 'ca.crt'));
    expect(r.result.stderr).toBe('');
    expect(readFileSync(r.ini, 'utf-8')).toContain(`server_tls_sslmode = ${sslmode}\nserver_tls_ca_file = ${join(certs, 'ca.crt')}\n`);
    const b = await bouncer(r.ini, r.port);
    try {
      const result = await sqlalchemy(await airflowUrl(withCa.manifests, url, r.port), 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual([[true]]);
    } finally {
      await b.stop();
    }
  });

  it('with a CA that did not sign the server certificate (or sslrootcert=system), PgBouncer refuses the server', async () => {
    for (const [manifests, query, ca] of [
      [withCa.manifests, '?sslmode=verify-full', join(certs, 'other-ca.crt')],
      [plain.manifests, '?sslmode=verify-full&sslrootcert=system', undefined],
    ] as const) {
      const r = await render(manifests, upstream(query), ca);
      expect(r.result.code).toBe(0);
      const b = await bouncer(r.ini, r.port);
      // the client waits for a server connection PgBouncer cannot open (query_wait_timeout, 120 s): watch PgBouncer's log.
      const client = startProcess(join(SERVICES_VENV, 'bin', 'python'), ['-c', SQLALCHEMY_CODE, await airflowUrl(manifests, upstream(query), r.port), 'SELECT 1']);
      try {
        await waitFor('PgBouncer refusing the server certificate', async () => /certificate verify failed/i.test(b.output()), 20_000);
        expect(client.output()).not.toContain('[[1]]');
      } finally {
        await client.stop('SIGKILL');
        await b.stop();
      }
    }
  });

  it('a missing CA file stops render-config with a message', async () => {
    const r = await render(withCa.manifests, upstream('?sslmode=verify-full'));
    expect(r.result.code).toBe(1);
    expect(r.result.stderr.trim()).toMatch(/^pgbouncer-config: the server CA certificate \S+ \('pgbouncer.serverCaCertificate'\) is missing$/);
  });

  it('options=-csearch_path in the URL: PgBouncer refuses it, so render-config stops with a message pointing to ALTER ROLE', async () => {
    const query = `?options=${q('-csearch_path=airflow_schema')}`;
    const r = await render(plain.manifests, upstream(query));
    expect(r.result.code).toBe(1);
    expect(r.result.stderr.trim()).toBe("pgbouncer-config: the connection URL sets options='-csearch_path=airflow_schema', which PgBouncer refuses "
      + "('unsupported startup parameter'): remove it from the URL and set it on the role instead, e.g. ALTER ROLE airflow SET search_path = <schema>");
    expect(r.result.stderr).not.toContain('p@ss');
    // why: PgBouncer really refuses the startup parameter; the suggested ALTER ROLE works through it.
    const ok = await render(plain.manifests, upstream());
    const b = await bouncer(ok.ini, ok.port);
    try {
      const refused = await sqlalchemy(await airflowUrl(plain.manifests, upstream(query), ok.port), 'SELECT 1');
      expect(refused.stderr).toContain('unsupported startup parameter');
      await pg.sql('ALTER ROLE airflow SET search_path = airflow_schema');
      const schema = await sqlalchemy(await airflowUrl(plain.manifests, upstream(), ok.port), 'SELECT current_schema()');
      expect(JSON.parse(schema.stdout)).toEqual([['airflow_schema']]);
    } finally {
      await pg.sql('ALTER ROLE airflow RESET search_path');
      await b.stop();
    }
  });

  it("an unencoded '#' in the password gets a message saying to URL-encode it, not 'port is not a number'", async () => {
    const r = await render(plain.manifests, `postgresql://airflow:secret#pw@127.0.0.1:${pg.port}/airflow`);
    expect(r.result.code).toBe(1);
    expect(r.result.stderr.trim()).toBe("pgbouncer-config: the connection URL holds a '#', which ends a URL: URL-encode the user and password ('#' is %23), "
      + "e.g. urllib.parse.quote(password, safe='')");
    expect(r.result.stderr).not.toContain('secret');
  });
});
