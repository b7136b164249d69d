/**
 * The SQL of the KEDA ScaledObjects, taken from the synthesized objects, run on real PostgreSQL (Debian's) and
 * MariaDB (Debian's, for MySQL) against `task_instance` and `trigger` tables shaped like Airflow's (the columns the
 * queries read, with Airflow 3.1's types: airflow-core/src/airflow/models/taskinstance.py `state` String(20),
 * `queue` String(256), `executor` String(1000) nullable; models/trigger.py `trigger`). KEDA's SQL scalers read
 * the one value the query returns as a number and scale to it (the target is 1 task-pool-worker).
 *
 * On PostgreSQL the query also runs through the `keda-connection` URL the secret generator builds (its template
 * from the synthesized Job, the host mapped to the local server).
 */
import * as kplus from 'cdk8s-plus-28';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AirflowExecutor, DatabaseEngine, MetadataDatabase, WorkerAutoscaling } from '../../src';
import { describeWith } from '../support/real-components';
import { MariaDbService, psqlAs, PostgresService, startMariaDb, startPostgres } from '../support/real-services';
import { deployInChart, synthDeployment } from '../support/synth';

const executor = () => AirflowExecutor.celeryAndKubernetes({
  pools: [
    { name: 'default', queues: ['default', 'light'], workerConcurrency: 4, autoscaling: WorkerAutoscaling.keda() },
    { name: 'heavy', queues: ['heavy'], workerConcurrency: 2, autoscaling: WorkerAutoscaling.keda() },
  ],
});

/** The query of each ScaledObject: `default`, `heavy` (worker pools, by their queues) and `triggerer`. */
function queries(manifests: any[], type: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const so of manifests.filter(m => m.kind === 'ScaledObject')) {
    const trigger = so.spec.triggers[0];
    expect(trigger.type).toBe(type);
    const query: string = trigger.metadata.query;
    const name = /trigger/.test(query) ? 'triggerer' : query.includes("'heavy'") ? 'heavy' : 'default';
    result[name] = query;
  }
  expect(Object.keys(result).sort()).toEqual(['default', 'heavy', 'triggerer']);
  return result;
}

/** Task instances: [state, queue, executor (null: the default executor, Celery), count]. */
const TASKS: Array<[string, string, string | null, number]> = [
  ['running', 'default', null, 3],
  ['queued', 'light', null, 2],
  ['queued', 'default', 'CeleryExecutor', 1],
  ['scheduled', 'default', null, 5],
  ['success', 'default', null, 7],
  ['deferred', 'light', null, 2],
  ['queued', 'default', 'KubernetesExecutor', 4],
  ['running', 'kubernetes', 'KubernetesExecutor', 2],
  ['running', 'heavy', null, 3],
  ['up_for_retry', 'heavy', null, 1],
];

function taskRows(quote: string): string {
  let id = 0;
  return TASKS.flatMap(([state, queue, exec, n]) => Array.from({ length: n }, () => {
    id += 1;
    return `('t${id}', 'etl', 'run1', -1, '${state}', '${queue}', ${exec === null ? 'NULL' : `${quote}${exec}${quote}`})`;
  })).join(',\n');
}

describeWith(['apt'], 'KEDA queries runtime: the ScaledObjects\' SQL on PostgreSQL and MariaDB', () => {
  let pg: PostgresService;
  let maria: MariaDbService;
  beforeAll(async () => {
    [pg, maria] = await Promise.all([startPostgres(), startMariaDb()]);
    await pg.sql("CREATE ROLE airflow LOGIN PASSWORD 'keda-pw'; CREATE DATABASE airflow OWNER airflow;");
    await pg.sql(`
      CREATE TABLE task_instance (task_id varchar(250) NOT NULL, dag_id varchar(250) NOT NULL, run_id varchar(250) NOT NULL,
        map_index integer NOT NULL DEFAULT -1, state varchar(20), queue varchar(256), executor varchar(1000),
        PRIMARY KEY (dag_id, task_id, run_id, map_index));
      CREATE TABLE trigger (id serial PRIMARY KEY, classpath varchar(1000) NOT NULL, kwargs text NOT NULL, created_date timestamptz NOT NULL, triggerer_id integer);
      INSERT INTO task_instance (task_id, dag_id, run_id, map_index, state, queue, executor) VALUES ${taskRows("'")};
      GRANT SELECT ON task_instance, trigger TO airflow;`, 'airflow');
    await maria.sql(`
      CREATE DATABASE airflow;
      USE airflow;
      CREATE TABLE task_instance (task_id varchar(250) NOT NULL, dag_id varchar(250) NOT NULL, run_id varchar(250) NOT NULL,
        map_index integer NOT NULL DEFAULT -1, state varchar(20), queue varchar(256), executor varchar(1000),
        PRIMARY KEY (dag_id, task_id, run_id, map_index));
      CREATE TABLE \`trigger\` (id integer AUTO_INCREMENT PRIMARY KEY, classpath varchar(1000) NOT NULL, kwargs text NOT NULL, created_date timestamp(6) NOT NULL, triggerer_id integer);
      INSERT INTO task_instance (task_id, dag_id, run_id, map_index, state, queue, executor) VALUES ${taskRows("'")};`);
  }, 120_000);
  afterAll(async () => { await Promise.all([pg?.stop(), maria?.stop()]); });

  it('PostgreSQL: workers needed per pool (running and queued of its queues, KubernetesExecutor tasks excluded, rounded up); triggers per capacity', async () => {
    const { manifests } = synthDeployment({ executor: executor(), triggerer: { autoscaling: WorkerAutoscaling.keda() } });
    const q = queries(manifests, 'postgresql');
    const value = async (sql: string) => (await pg.sql(sql, 'airflow')).trim();
    // default pool: 3 running + 2 queued + 1 queued naming CeleryExecutor = 6 tasks / concurrency 4 → 2 workers
    expect(await value(q.default)).toBe('2');
    // heavy: 3 running / concurrency 2 → 2
    expect(await value(q.heavy)).toBe('2');
    expect(await value(q.triggerer)).toBe('0');
    await pg.sql("INSERT INTO trigger (classpath, kwargs, created_date) VALUES ('airflow.triggers.temporal.DateTimeTrigger', '{}', now());", 'airflow');
    expect(await value(q.triggerer)).toBe('1');
    await pg.sql('DELETE FROM trigger;', 'airflow');

    // through the keda-connection URL the generator builds for KEDA (sslmode=disable, the fully qualified Service)
    const job = manifests.find(m => m.kind === 'Job' && m.spec.template.spec.containers[0].name === 'generate-secrets');
    const spec = JSON.parse(job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'SECRETS_SPEC').value);
    const template: string = spec.flatMap((s: any) => s.keys).find((k: any) => k.key === 'keda-connection').argument;
    expect(template).toMatch(/^postgresql:\/\/airflow:\{password\}@[a-z0-9-]+\.airflow\.svc:5432\/airflow\?sslmode=disable$/);
    const url = template.replace('{password}', 'keda-pw').replace(/@[^/]+\//, `@127.0.0.1:${pg.port}/`);
    const viaKeda = await psqlAs({ url, sql: q.default });
    expect(viaKeda.stderr).toBe('');
    expect(viaKeda.stdout.trim()).toBe('2');
  });

  it('MariaDB (MySQL dialect): the same counts, `trigger` quoted', async () => {
    const { manifests } = deployInChart(chart => {
      const secret = kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db');
      return {
        database: MetadataDatabase.external({ connection: { secret, key: 'url' }, engine: DatabaseEngine.MYSQL, kedaConnection: { secret, key: 'keda' } }),
        executor: executor(),
        triggerer: { autoscaling: WorkerAutoscaling.keda() },
      };
    });
    const q = queries(manifests, 'mysql');
    const value = async (sql: string) => (await maria.sql(sql, 'airflow')).trim();
    expect(await value(q.default)).toBe('2');
    expect(await value(q.heavy)).toBe('2');
    expect(await value(q.triggerer)).toBe('0');
    await maria.sql("INSERT INTO `trigger` (classpath, kwargs, created_date) VALUES ('a.B', '{}', NOW(6)), ('a.B', '{}', NOW(6));", 'airflow');
    expect(await value(q.triggerer)).toBe('1');
  });

  it('with edge workers too (issue #15), tasks naming the EdgeExecutor are not counted for Celery pools; without the filter they would be', async () => {
    const edgeRows = [['q1', 'default', 'EdgeExecutor'], ['q2', 'default', 'EdgeExecutor'], ['q3', 'light', 'airflow.providers.edge3.executors.EdgeExecutor'],
      ['q4', 'light', 'airflow.providers.edge3.executors.EdgeExecutor'], ['q5', 'default', 'EdgeExecutor'], ['q6', 'default', 'EdgeExecutor']]
      .map(([id, queue, exec]) => `('${id}', 'edge', 'run1', -1, 'queued', '${queue}', '${exec}')`).join(', ');
    const insert = `INSERT INTO task_instance (task_id, dag_id, run_id, map_index, state, queue, executor) VALUES ${edgeRows};`;
    const withEdge = () => AirflowExecutor.celeryAndKubernetes({
      pools: [
        { name: 'default', queues: ['default', 'light'], workerConcurrency: 4, autoscaling: WorkerAutoscaling.keda() },
        { name: 'heavy', queues: ['heavy'], workerConcurrency: 2, autoscaling: WorkerAutoscaling.keda() },
      ],
    }).withEdge({ pools: [{ name: 'default', queues: ['remote'] }] });
    const pgQueries = queries(synthDeployment({ executor: withEdge(), triggerer: { autoscaling: WorkerAutoscaling.keda() } }).manifests, 'postgresql');
    const mysqlQueries = queries(deployInChart(chart => {
      const secret = kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db');
      return {
        database: MetadataDatabase.external({ connection: { secret, key: 'url' }, engine: DatabaseEngine.MYSQL, kedaConnection: { secret, key: 'keda' } }),
        executor: withEdge(),
        triggerer: { autoscaling: WorkerAutoscaling.keda() },
      };
    }).manifests, 'mysql');
    const withoutFilter = queries(synthDeployment({ executor: executor(), triggerer: { autoscaling: WorkerAutoscaling.keda() } }).manifests, 'postgresql');
    await pg.sql(insert, 'airflow');
    await maria.sql(insert, 'airflow');
    try {
      // default pool: the same 6 Celery tasks / 4 → 2, the 6 edge tasks in its queues left out
      expect((await pg.sql(pgQueries.default, 'airflow')).trim()).toBe('2');
      expect((await maria.sql(mysqlQueries.default, 'airflow')).trim()).toBe('2');
      // the KubernetesExecutor's tasks stay excluded too (4 queued in 'default')
      expect(pgQueries.default).toContain("'KubernetesExecutor'");
      // the oracle: the query without the edge filter counts them, (6 + 6) / 4 → 3
      expect((await pg.sql(withoutFilter.default, 'airflow')).trim()).toBe('3');
    } finally {
      await pg.sql("DELETE FROM task_instance WHERE dag_id = 'edge';", 'airflow');
      await maria.sql("DELETE FROM task_instance WHERE dag_id = 'edge';", 'airflow');
    }
  });

  it('a query on a table without the columns fails (the database judges the SQL)', async () => {
    const { manifests } = synthDeployment({ executor: executor(), triggerer: { autoscaling: WorkerAutoscaling.keda() } });
    await expect(pg.sql(queries(manifests, 'postgresql').default.replace('task_instance', 'trigger'), 'airflow')).rejects.toThrow(/column "state" does not exist/);
  });
});
