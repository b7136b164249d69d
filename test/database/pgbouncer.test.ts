import { execFileSync, spawnSync } from 'child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import * as YAML from 'yaml';
import {
  AirflowConfig, AirflowDeployment, AirflowExecutor, AirflowMetrics, AirflowMigrations, AirflowPodRecipe, AirflowVersion, DatabaseEngine,
  MetadataDatabase, PgBouncer, WorkerAutoscaling,
} from '../../src';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, env, one, podSpec, synthDeployment, testChart } from '../support/synth';

const PGBOUNCER = 'app.kubernetes.io/component';
const pgbouncerDeployment = (manifests: any[]) => {
  const found = manifests.filter(m => m.kind === 'Deployment' && m.spec.template.metadata.labels[PGBOUNCER] === 'pgbouncer');
  expect(found).toHaveLength(1);
  return found[0];
};
const airflowDeployment = (manifests: any[], component: string) =>
  manifests.find(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === component);
const podTemplate = (manifests: any[]) =>
  YAML.parse(manifests.find(m => m.kind === 'ConfigMap' && m.data?.['pod_template_file.yaml']).data['pod_template_file.yaml']);

/** An external PostgreSQL in the user's Secret `airflow-db` (key `url`). */
function external(chart = testChart(), engine?: DatabaseEngine) {
  const secret = kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db');
  return { chart, database: MetadataDatabase.external({ connection: { secret, key: 'url' }, engine }) };
}

describe('PgBouncer in an AirflowDeployment (Airflow 3, embedded PostgreSQL)', () => {
  const { manifests, airflow } = synthDeployment({ pgbouncer: {} });
  const credentials = airflow.embeddedDatabase!.credentials.name;

  test('every object validates (schemas, references, restricted pods)', () => {
    expectValidManifests(manifests);
  });

  test('a Deployment of one pinned PgBouncer with an exporter, a ServiceAccount without token, a PDB, a Service on 6543', () => {
    const deployment = pgbouncerDeployment(manifests);
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    const spec = podSpec(deployment);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, runAsNonRoot: true });
    const sa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === spec.serviceAccountName);
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['render-config']);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['pgbouncer', 'metrics-exporter']);

    const pgbouncer = container(spec, 'pgbouncer');
    expect(pgbouncer.image).toBe('apache/airflow:airflow-pgbouncer-2025.03.05-1.23.1');
    expect(pgbouncer.command).toEqual(['/usr/bin/pgbouncer', '/etc/pgbouncer/pgbouncer.ini']);
    expect(pgbouncer.ports).toEqual([{ name: 'pgbouncer', containerPort: 6543 }]);
    expect(pgbouncer.readinessProbe.tcpSocket).toEqual({ port: 6543 });
    expect(pgbouncer.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/pgbouncer', readOnly: true }]);
    expect(pgbouncer.env).toBeUndefined();

    const exporter = container(spec, 'metrics-exporter');
    expect(exporter.image).toBe('prometheuscommunity/pgbouncer-exporter:v0.11.0');
    expect(exporter.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(exporter.ports).toEqual([{ name: 'pgb-metrics', containerPort: 9127 }]);
    expect(exporter.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/pgbouncer', readOnly: true }]);
    expect(exporter.env).toBeUndefined();

    const render = container(spec, 'render-config');
    expect(render.image).toBe('apache/airflow:3.2.2');
    expect(render.command.slice(0, 3)).toEqual(['python', '-I', '-c']);
    expect(env(render, 'PGBOUNCER_UPSTREAM_URL').valueFrom.secretKeyRef).toEqual({ name: credentials, key: 'connection' });
    expect(env(render, 'PGBOUNCER_MAX_CLIENT_CONN').value).toBe('100');
    expect(env(render, 'PGBOUNCER_DEFAULT_POOL_SIZE').value).toBe('10');
    expect(render.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/pgbouncer' }]);
    expect(spec.volumes).toEqual([{ name: 'config', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]);

    const service = one(manifests, 'Service', 'pgbouncer');
    expect(service.metadata.name).toBe(airflow.pgbouncer!.service.name);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'pgbouncer', port: 6543, targetPort: 6543 }, { name: 'pgb-metrics', port: 9127, targetPort: 9127 }]);
    expect(one(manifests, 'PodDisruptionBudget', 'pgbouncer').spec.maxUnavailable).toBe(1);
  });

  test('the password stays in the Secret: no ConfigMap or literal value holds PgBouncer\'s configuration', () => {
    const text = JSON.stringify(manifests);
    expect(text).not.toContain('users.txt"');
    expect(manifests.filter(m => m.kind === 'Secret')).toEqual([]);
    for (const cm of manifests.filter(m => m.kind === 'ConfigMap')) {
      expect(Object.keys(cm.data ?? {})).not.toContain('pgbouncer.ini');
    }
  });

  test('Airflow containers get the upstream URL from the Secret and sql_alchemy_conn_cmd, never sql_alchemy_conn', () => {
    const cfg = airflowCfg(manifests);
    expect(cfg['database.sql_alchemy_conn']).toBeUndefined();
    // the command is an env variable of the database's components only (src/secrets/secret-scope.ts), not an airflow.cfg line.
    expect(cfg['database.sql_alchemy_conn_cmd']).toBeUndefined();
    expect(sqlAlchemyConnCmd(manifests)).toMatch(/^python -c "import os, sys, urllib.parse as u; /);
    for (const component of ['scheduler', 'api-server', 'triggerer', 'dag-processor']) {
      const spec = podSpec(airflowDeployment(manifests, component));
      for (const c of [...spec.initContainers, ...spec.containers].filter((each: any) => each.image.startsWith('apache/airflow:3'))) {
        expect(env(c, 'AIRFLOW_DATABASE_UPSTREAM_URL').valueFrom.secretKeyRef, `${component}/${c.name}`).toEqual({ name: credentials, key: 'connection' });
        expect(env(c, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'), `${component}/${c.name}`).toBeUndefined();
      }
    }
    // Airflow 3 task pods get no database secret (src/secrets/secret-scope.ts).
    const base = podTemplate(manifests).spec.containers.find((c: any) => c.name === 'base');
    expect(env(base, 'AIRFLOW_DATABASE_UPSTREAM_URL')).toBeUndefined();
    expect(env(base, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD')).toBeUndefined();
    expect(env(base, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN')).toBeUndefined();
  });

  test('the migrations Job bypasses PgBouncer: sql_alchemy_conn from the Secret wins over the _cmd in airflow.cfg', () => {
    const migrate = container(podSpec(one(manifests, 'Job', 'migrate')), 'migrate');
    expect(env(migrate, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN').valueFrom.secretKeyRef).toEqual({ name: credentials, key: 'connection' });
    expect(airflow.pgbouncer!.directConnection).toEqual(airflow.embeddedDatabase!.connection);
  });

  test('sql_alchemy_conn_cmd, run the way Airflow runs it (shlex.split, no shell), points the URL at PgBouncer', () => {
    const command = sqlAlchemyConnCmd(manifests);
    expect(command).not.toContain('%');
    const runAsAirflow = 'import shlex, subprocess, sys; sys.stdout.write(subprocess.check_output(shlex.split(sys.argv[1]), text=True))';
    const run = (url: string) => execFileSync('python3', ['-c', runAsAirflow, command.replace(/^python /, 'python3 ')], {
      env: { ...process.env, AIRFLOW_DATABASE_UPSTREAM_URL: url }, encoding: 'utf-8',
    });
    const service = airflow.pgbouncer!.service.name;
    expect(run('postgresql://airflow:s3cr%40t%2Fp%3Aw%25d@test-db:5432/airflow\n'))
      .toBe(`postgresql://airflow:s3cr%40t%2Fp%3Aw%25d@${service}:6543/airflow_metadata`);
    // TLS parameters are for the database, which PgBouncer reaches; other parameters stay.
    expect(run('postgresql+psycopg2://u:p@db.example.com:5433/prod?sslmode=verify-full&sslrootcert=/ca.pem&connect_timeout=10'))
      .toBe(`postgresql+psycopg2://u:p@${service}:6543/airflow_metadata?connect_timeout=10`);
  });

  test('byte-identical run to run', () => {
    expect(JSON.stringify(synthDeployment({ pgbouncer: {} }).manifests)).toBe(JSON.stringify(manifests));
  });
});

describe('PgBouncer on Airflow 2 with an external database and Celery', () => {
  test('validates; options reach the pods; no exporter when turned off', () => {
    const { chart, database } = external();
    const airflow = new AirflowDeployment(chart, 'Airflow', {
      airflowVersion: AirflowVersion.V2_11_0,
      database,
      executor: AirflowExecutor.celery(),
      pgbouncer: { replicas: 2, maxClientConnections: 500, defaultPoolSize: 20, metricsExporter: false, podDisruptionBudget: false },
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['airflow-db'] } });
    const spec = podSpec(pgbouncerDeployment(manifests));
    expect(pgbouncerDeployment(manifests).spec.replicas).toBe(2);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['pgbouncer']);
    const render = container(spec, 'render-config');
    expect(render.image).toBe('apache/airflow:2.11.0');
    expect(env(render, 'PGBOUNCER_UPSTREAM_URL').valueFrom.secretKeyRef).toEqual({ name: 'airflow-db', key: 'url' });
    expect(env(render, 'PGBOUNCER_MAX_CLIENT_CONN').value).toBe('500');
    expect(env(render, 'PGBOUNCER_DEFAULT_POOL_SIZE').value).toBe('20');
    expect(one(manifests, 'Service', 'pgbouncer').spec.ports).toEqual([{ name: 'pgbouncer', port: 6543, targetPort: 6543 }]);
    expect(manifests.filter(m => m.kind === 'PodDisruptionBudget' && m.metadata.name.includes('pgbouncer'))).toEqual([]);
    expect(airflow.pgbouncer!.exporterContainer).toBeUndefined();
    const worker = manifests.find(m => ['Deployment', 'StatefulSet'].includes(m.kind) && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'worker');
    expect(env(container(podSpec(worker), 'worker'), 'AIRFLOW_DATABASE_UPSTREAM_URL').valueFrom.secretKeyRef).toEqual({ name: 'airflow-db', key: 'url' });
    expect(env(container(podSpec(one(manifests, 'Job', 'migrate')), 'migrate'), 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN').valueFrom.secretKeyRef)
      .toEqual({ name: 'airflow-db', key: 'url' });
    expect(sqlAlchemyConnCmd(manifests)).toContain(`'${airflow.pgbouncer!.service.name}:6543'`);
  });

  test('KEDA keeps its direct connection (kedaConnection), pointed past PgBouncer', () => {
    const { manifests, airflow } = synthDeployment({
      pgbouncer: {}, executor: AirflowExecutor.celery({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.keda() }] }),
    });
    expectValidManifests(manifests);
    expect(one(manifests, 'TriggerAuthentication').spec.secretTargetRef)
      .toEqual([{ parameter: 'connection', name: airflow.embeddedDatabase!.credentials.name, key: 'keda-connection' }]);
  });
});

describe('the rendered PgBouncer configuration (the init container\'s script, run with python3)', () => {
  const { manifests } = synthDeployment({ pgbouncer: {} });
  const render = container(podSpec(pgbouncerDeployment(manifests)), 'render-config');
  const script = render.command[3];
  const literalEnv = Object.fromEntries(render.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

  function runRender(url: string) {
    const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
    const result = spawnSync('python3', ['-I', '-c', script], {
      env: { ...process.env, ...literalEnv, PGBOUNCER_CONFIG_DIR: dir, PGBOUNCER_UPSTREAM_URL: url }, encoding: 'utf-8',
    });
    const read = (name: string) => readFileSync(join(dir, name), 'utf-8');
    return { dir, result, read, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }

  test('writes pgbouncer.ini, users.txt and the exporter\'s connection string from a URL with special characters', () => {
    const password = 'p@ss"w:rd/%x y';
    const url = `postgresql+psycopg2://air%40flow:${encodeURIComponent(password)}@db.example.com:5433/airflow_prod?sslmode=verify-full&sslrootcert=system`;
    const { dir, result, read, cleanup } = runRender(url);
    try {
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).not.toContain('p@ss');
      expect(read('pgbouncer.ini')).toBe([
        '# Rendered at pod start by cdk8s-airflow from the metadata database connection Secret.',
        '[databases]',
        'airflow_metadata = host=db.example.com port=5433 dbname=airflow_prod',
        '',
        '[pgbouncer]',
        'listen_addr = *',
        'listen_port = 6543',
        'unix_socket_dir =',
        'auth_type = scram-sha-256',
        `auth_file = ${dir}/users.txt`,
        'pool_mode = transaction',
        'max_client_conn = 100',
        'default_pool_size = 10',
        'max_prepared_statements = 100',
        'ignore_startup_parameters = extra_float_digits',
        'server_tls_sslmode = verify-full',
        'stats_users = air@flow',
        '',
      ].join('\n'));
      expect(read('users.txt')).toBe('"air@flow" "p@ss""w:rd/%x y"\n');
      const stats = new URL(read('stats-connection'));
      expect([stats.protocol, stats.host, stats.pathname, stats.search]).toEqual(['postgres:', '127.0.0.1:6543', '/pgbouncer', '?sslmode=disable']);
      expect([decodeURIComponent(stats.username), decodeURIComponent(stats.password)]).toEqual(['air@flow', password]);
      for (const name of ['pgbouncer.ini', 'users.txt', 'stats-connection']) {
        expect((statSync(join(dir, name)).mode % 0o1000).toString(8), name).toBe('600');
      }
    } finally {
      cleanup();
    }
  });

  test('the embedded database\'s URL: default port, sslmode prefer; the auth_file path is where PgBouncer mounts it', () => {
    const { result, read, cleanup } = runRender('postgresql://airflow:abc@test-airflow-database-service:5432/airflow');
    try {
      expect(result.status).toBe(0);
      expect(read('pgbouncer.ini')).toContain('airflow_metadata = host=test-airflow-database-service port=5432 dbname=airflow\n');
      expect(read('pgbouncer.ini')).toContain('server_tls_sslmode = prefer\n');
      expect(literalEnv.PGBOUNCER_CONFIG_DIR).toBe('/etc/pgbouncer');
    } finally {
      cleanup();
    }
    const { read: readDefaultPort, cleanup: cleanup2 } = runRender('postgres://a:b@10.0.0.5/db');
    try {
      expect(readDefaultPort('pgbouncer.ini')).toContain('airflow_metadata = host=10.0.0.5 port=5432 dbname=db\n');
    } finally {
      cleanup2();
    }
  });

  test.each([
    ['mysql://airflow:secret-pw@db:3306/airflow', "pgbouncer-config: the connection URL must be postgresql://... or postgresql+<driver>://..., got a URL starting with 'mysql://'"],
    ['postgresql://airflow@db:5432/airflow', 'pgbouncer-config: the connection URL must hold a user and a password: postgresql://user:password@host:port/database'],
    ['postgresql://airflow:secret-pw@db:5432/airflow?sslmode=on', "pgbouncer-config: sslmode must be disable, allow, prefer, require, verify-ca or verify-full, got 'on'"],
    ['postgresql://airflow:secret-pw@db:54x2/airflow', 'pgbouncer-config: the connection URL has a port that is not a number'],
    ['postgresql://airflow:secret-pw@db:5432/air%20flow', "pgbouncer-config: the database name must be letters, digits, '_', '.', '$' and '-', got 'air flow'"],
    ['postgresql://air,flow:secret-pw@db:5432/airflow', "pgbouncer-config: the user name must be letters, digits, '_', '.', '@', '$' and '-', got 'air,flow'"],
    ['postgresql://airflow:secret%0Apw@db:5432/airflow', 'pgbouncer-config: the password holds a line break, which users.txt cannot hold'],
  ])('fails on %s without printing the password', (url, message) => {
    const { result, cleanup } = runRender(url);
    cleanup();
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(message);
    expect(result.stderr).not.toContain('secret');
  });

  test('the exporter reads its connection string from the rendered file into PGBOUNCER_EXPORTER_CONNECTION_STRING', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-exporter-'));
    try {
      writeFileSync(join(dir, 'stats-connection'), 'postgres://u:p%40w@127.0.0.1:6543/pgbouncer?sslmode=disable');
      const stub = join(dir, 'exporter');
      writeFileSync(stub, '#!/bin/sh\necho "$PGBOUNCER_EXPORTER_CONNECTION_STRING $*"\n');
      chmodSync(stub, 0o755);
      const command = container(podSpec(pgbouncerDeployment(manifests)), 'metrics-exporter').command[2] as string;
      expect(command).toContain('/etc/pgbouncer/stats-connection');
      const local = command.replace('/etc/pgbouncer', dir).replace('/bin/pgbouncer_exporter', stub);
      expect(execFileSync('sh', ['-c', local], { encoding: 'utf-8' }))
        .toBe('postgres://u:p%40w@127.0.0.1:6543/pgbouncer?sslmode=disable --web.listen-address=:9127\n');
      rmSync(join(dir, 'stats-connection'));
      expect(spawnSync('sh', ['-c', local], { encoding: 'utf-8' }).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PgBouncer metrics', () => {
  test('a second ServiceMonitor with the StatsD ServiceMonitor\'s interval and labels', () => {
    const { manifests, airflow } = synthDeployment({
      pgbouncer: {},
      metrics: AirflowMetrics.statsd({ serviceMonitor: true, scrapeInterval: Duration.seconds(15), prometheusLabels: { release: 'kube-prometheus-stack' } }),
    });
    expectValidManifests(manifests);
    const monitor = one(manifests, 'ServiceMonitor', 'pgbouncer');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(monitor.spec.endpoints).toEqual([{ port: 'pgb-metrics', path: '/metrics', interval: '15s' }]);
    const service = one(manifests, 'Service', 'pgbouncer');
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels[k] === v)).toBe(true);
    expect(airflow.pgbouncer!.serviceMonitor).toBeDefined();
  });

  test('no ServiceMonitor without the StatsD one, nor without the exporter', () => {
    for (const props of [
      { pgbouncer: {}, metrics: AirflowMetrics.statsd() },
      { pgbouncer: { metricsExporter: false }, metrics: AirflowMetrics.statsd({ serviceMonitor: true }) },
    ]) {
      const { manifests } = synthDeployment(props);
      expectValidManifests(manifests);
      expect(manifests.filter(m => m.kind === 'ServiceMonitor' && m.metadata.name.includes('pgbouncer'))).toEqual([]);
    }
  });

  test('addServiceMonitor: once, and only with the exporter', () => {
    const withExporter = synthDeployment({ pgbouncer: {} }).airflow.pgbouncer!;
    withExporter.addServiceMonitor();
    expect(() => withExporter.addServiceMonitor()).toThrow('PgBouncer.addServiceMonitor: this PgBouncer already has a ServiceMonitor: call it once');
    const chart = testChart();
    const without = new AirflowDeployment(chart, 'Airflow', { pgbouncer: { metricsExporter: false } }).pgbouncer!;
    expect(() => without.addServiceMonitor())
      .toThrow("PgBouncer.addServiceMonitor: there is no exporter to scrape ('metricsExporter' is false): remove the call or turn the exporter on");
  });
});

describe('PgBouncer errors', () => {
  test('a MySQL database', () => {
    const { chart, database } = external(testChart(), DatabaseEngine.MYSQL);
    expect(() => new AirflowDeployment(chart, 'Airflow', { database, pgbouncer: {} }))
      .toThrow("'pgbouncer' needs a PostgreSQL metadata database, but 'database' has engine mysql: "
        + 'remove pgbouncer (PgBouncer speaks only the PostgreSQL protocol), or use a PostgreSQL database');
  });

  test.each([
    [{ replicas: 0 }, "'pgbouncer.replicas' must be a whole number >= 1, got 0"],
    [{ maxClientConnections: 10.5 }, "'pgbouncer.maxClientConnections' must be a whole number >= 1, got 10.5"],
    [{ defaultPoolSize: -1 }, "'pgbouncer.defaultPoolSize' must be a whole number >= 1, got -1"],
    [{ image: 'apache/airflow' }, "'pgbouncer.image' must be pinned to a version tag or digest, got 'apache/airflow': use e.g. 'apache/airflow:airflow-pgbouncer-2025.03.05-1.23.1'"],
    [{ exporterImage: 'prometheuscommunity/pgbouncer-exporter:latest' }, "'pgbouncer.exporterImage' must be pinned to a version tag or digest, "
      + "got 'prometheuscommunity/pgbouncer-exporter:latest': use e.g. 'prometheuscommunity/pgbouncer-exporter:v0.11.0'"],
  ])('%j', (pgbouncer, message) => {
    expect(() => synthDeployment({ pgbouncer })).toThrow(message);
  });

  test('pinned images by tag or digest are accepted', () => {
    const digest = `my.registry:5000/pgbouncer@sha256:${'a'.repeat(64)}`;
    const { manifests } = synthDeployment({ pgbouncer: { image: digest, exporterImage: 'my.registry:5000/exporter:v1' } });
    const spec = podSpec(pgbouncerDeployment(manifests));
    expect([container(spec, 'pgbouncer').image, container(spec, 'metrics-exporter').image]).toEqual([digest, 'my.registry:5000/exporter:v1']);
  });

  test('a connection without key (standalone construct)', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
    const secret = kplus.Secret.fromSecretName(chart, 'Db', 'db');
    expect(() => new PgBouncer(chart, 'PgBouncer', { recipe, connection: { secret, key: '' } }))
      .toThrow("PgBouncer: 'connection.key' must name the Secret key that holds the database connection URL");
  });

  test('a serverCaCertificate without key', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
    const secret = kplus.Secret.fromSecretName(chart, 'Db', 'db');
    expect(() => new PgBouncer(chart, 'PgBouncer', { recipe, connection: { secret, key: 'url' }, serverCaCertificate: { secret, key: '' } }))
      .toThrow("PgBouncer: 'serverCaCertificate.key' must name the Secret key that holds the database server's CA certificate (PEM)");
  });

  test('serverCaCertificate: the Secret key is mounted read-only as ca.crt into render-config and pgbouncer, and named to render-config', () => {
    const chart = testChart();
    const ca = kplus.Secret.fromSecretName(chart, 'Ca', 'rds-ca');
    const manifests = Testing.synth((new AirflowDeployment(chart, 'Airflow', { pgbouncer: { serverCaCertificate: { secret: ca, key: 'bundle.pem' } } }), chart));
    const spec = podSpec(pgbouncerDeployment(manifests));
    expect(spec.volumes).toContainEqual({ name: 'server-ca', secret: { secretName: 'rds-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }] } });
    for (const name of ['render-config', 'pgbouncer']) {
      expect(container(spec, name).volumeMounts).toContainEqual({ name: 'server-ca', mountPath: '/etc/pgbouncer-server-ca', readOnly: true });
    }
    expect(env(container(spec, 'render-config'), 'PGBOUNCER_SERVER_CA_FILE').value).toBe('/etc/pgbouncer-server-ca/ca.crt');
    expect(container(spec, 'metrics-exporter').volumeMounts.map((m: any) => m.name)).toEqual(['config']);
    expectValidManifests(manifests, { external: { secrets: ['rds-ca'] } });
  });

  test('the database keys stay the library\'s', () => {
    expect(() => synthDeployment({ pgbouncer: {}, settings: { 'database.sql_alchemy_conn': 'postgresql://x' } }))
      .toThrow("Airflow marks setting 'database.sql_alchemy_conn' (in 'settings') as sensitive");
    expect(() => synthDeployment({ pgbouncer: {}, unknownSettings: { 'database.sql_alchemy_conn_cmd': 'cat /x' } }))
      .toThrow("Airflow setting 'database.sql_alchemy_conn_cmd' is managed by this library: set 'pgbouncer' instead of overriding it in 'unknownSettings'");
  });

  test('created after an Airflow container, it fails like any late recipe change', () => {
    const chart = testChart();
    const airflow = new AirflowDeployment(chart, 'Airflow');
    const secret = kplus.Secret.fromSecretName(chart, 'Db', 'db');
    expect(() => new PgBouncer(chart, 'PgBouncer', { recipe: airflow.recipe, connection: { secret, key: 'url' } }))
      .toThrow("AirflowPodRecipe.addEnv('AIRFLOW_DATABASE_UPSTREAM_URL') came after Airflow containers were created");
  });
});

describe('AirflowMigrations.directConnection', () => {
  test('standalone: the migration container connects with the given URL; without it, with the recipe\'s', () => {
    const migrationsJob = (direct: boolean) => {
      const chart = testChart();
      const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
      const secret = kplus.Secret.fromSecretName(chart, 'Db', 'db');
      new AirflowMigrations(chart, 'Migrations', { recipe, directConnection: direct ? { secret, key: 'direct' } : undefined });
      return container(podSpec(one(Testing.synth(chart), 'Job', 'migrate')), 'migrate');
    };
    expect(env(migrationsJob(true), 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN').valueFrom.secretKeyRef).toEqual({ name: 'db', key: 'direct' });
    expect(env(migrationsJob(false), 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN')).toBeUndefined();
  });
});

/** `AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD` of the scheduler (the same in every component that uses the database). */
function sqlAlchemyConnCmd(manifests: any[]): string {
  const scheduler = manifests.find(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'scheduler');
  return env(container(podSpec(scheduler), 'scheduler'), 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD').value;
}
