import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import {
  AirflowConfig, AirflowDeployment, AirflowExecutor, AirflowPodRecipe, AirflowVersion, CeleryExecutorConfig, CeleryWorkerPool, DatabaseEngine,
  EmbeddedPostgres, GitSyncSidecar, KedaDatabaseAuthentication, MetadataDatabase, WorkerAutoscalerKind, WorkerAutoscaling, WorkerWorkloadKind,
} from '../../src';
import { kedaTriggererQuery, kedaWorkerQuery, sqlString } from '../../src/executors/autoscaling-internals';
import { expectValidManifests } from '../support/manifests';
import { one, synthDeployment, testChart } from '../support/synth';

const PG_FILTER = " AND executor IS DISTINCT FROM 'KubernetesExecutor'";
const MYSQL_FILTER = " AND (executor IS NULL OR executor <> 'KubernetesExecutor')";

const workload = (manifests: any[], pool: string) => manifests.find(m => ['Deployment', 'StatefulSet'].includes(m.kind)
  && m.spec.template.metadata.labels['airflow.cdk8s.io/worker-pool'] === pool);
const scaledObjectOf = (manifests: any[], target: any) => manifests.find(m => m.kind === 'ScaledObject' && m.spec.scaleTargetRef.name === target.metadata.name);
const generatedKeys = (manifests: any[]) => manifests.find(m => m.kind === 'Job' && m.metadata.annotations?.['airflow.cdk8s.io/generates-secret-keys'])
  .metadata.annotations['airflow.cdk8s.io/generates-secret-keys'] as string;

/** Asserts that `build` throws exactly `message`. */
function expectError(build: () => unknown, message: string): void {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error, message).toBeInstanceOf(Error);
  expect((error as Error).message).toBe(message);
}

/** An AirflowDeployment on an external database, whose Secrets are the user's own. */
function synthExternal(engine: DatabaseEngine, props: any, kedaConnection: boolean = true) {
  const chart = testChart();
  const db = kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db');
  const airflow = new AirflowDeployment(chart, 'Airflow', {
    database: MetadataDatabase.external({ connection: { secret: db, key: 'url' }, engine, kedaConnection: kedaConnection ? { secret: db, key: 'keda' } : undefined }),
    ...props,
  });
  return { chart, airflow, manifests: Testing.synth(chart) };
}

describe('WorkerAutoscaling', () => {
  test('KEDA and HPA defaults', () => {
    const keda = WorkerAutoscaling.keda();
    expect(keda.kind).toBe(WorkerAutoscalerKind.KEDA);
    const hpa = WorkerAutoscaling.hpa();
    expect(hpa.kind).toBe(WorkerAutoscalerKind.HPA);
    expect(hpa._hpa).toEqual({ minReplicas: 1, maxReplicas: 5, cpuUtilization: 80, memoryUtilization: undefined });
  });

  test('fails on bad bounds, intervals and utilizations, naming the prop and the fix', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => WorkerAutoscaling.keda({ minReplicas: -1 }), "WorkerAutoscaling.keda: 'minReplicas' must be a whole number >= 0, got -1"],
      [() => WorkerAutoscaling.keda({ minReplicas: 1.5 }), "WorkerAutoscaling.keda: 'minReplicas' must be a whole number >= 0, got 1.5"],
      [() => WorkerAutoscaling.keda({ maxReplicas: 0 }), "WorkerAutoscaling.keda: 'maxReplicas' must be a whole number >= 1, got 0"],
      [() => WorkerAutoscaling.keda({ minReplicas: 12 }), "WorkerAutoscaling.keda: 'minReplicas' (12) is greater than 'maxReplicas' (10): lower minReplicas or raise maxReplicas"],
      [() => WorkerAutoscaling.keda({ pollingInterval: Duration.seconds(0) }), "WorkerAutoscaling.keda: 'pollingInterval' must be a whole number of seconds >= 1, got 0s"],
      [() => WorkerAutoscaling.keda({ pollingInterval: Duration.millis(1500) }), "WorkerAutoscaling.keda: 'pollingInterval' must be a whole number of seconds >= 1, got 1.5s"],
      [() => WorkerAutoscaling.keda({ cooldownPeriod: Duration.millis(500) }), "WorkerAutoscaling.keda: 'cooldownPeriod' must be a whole number of seconds >= 0, got 0.5s"],
      [() => WorkerAutoscaling.hpa({ minReplicas: 0 }),
        "WorkerAutoscaling.hpa: 'minReplicas' must be a whole number >= 1, got 0: a HorizontalPodAutoscaler cannot scale to zero, use WorkerAutoscaling.keda() for that"],
      [() => WorkerAutoscaling.hpa({ maxReplicas: 0 }), "WorkerAutoscaling.hpa: 'maxReplicas' must be a whole number >= 1, got 0"],
      [() => WorkerAutoscaling.hpa({ minReplicas: 6 }), "WorkerAutoscaling.hpa: 'minReplicas' (6) is greater than 'maxReplicas' (5): lower minReplicas or raise maxReplicas"],
      [() => WorkerAutoscaling.hpa({ cpuUtilization: 0 }), "WorkerAutoscaling.hpa: 'cpuUtilization' must be a whole number from 1 to 100 (percent of the CPU request), got 0"],
      [() => WorkerAutoscaling.hpa({ cpuUtilization: 101 }), "WorkerAutoscaling.hpa: 'cpuUtilization' must be a whole number from 1 to 100 (percent of the CPU request), got 101"],
      [() => WorkerAutoscaling.hpa({ memoryUtilization: 0 }),
        "WorkerAutoscaling.hpa: 'memoryUtilization' must be a whole number from 1 to 100 (percent of the memory request), got 0"],
    ];
    for (const [build, message] of cases) expectError(build, message);
  });
});

describe('KEDA queries', () => {
  test('PostgreSQL: running and queued task instances of the pool\'s queues over its concurrency, rounded up', () => {
    expect(kedaWorkerQuery({ engine: DatabaseEngine.POSTGRESQL, queues: ['default', 'light'], workerConcurrency: 16, excludeKubernetesExecutor: false }))
      .toBe("SELECT ceil(COUNT(*)::decimal / 16) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('default', 'light')");
    expect(kedaWorkerQuery({ engine: DatabaseEngine.POSTGRESQL, queues: ['heavy'], workerConcurrency: 2, excludeKubernetesExecutor: true }))
      .toBe(`SELECT ceil(COUNT(*)::decimal / 2) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('heavy')${PG_FILTER}`);
  });

  test('MySQL: CEIL without the PostgreSQL cast, and a NULL-safe executor filter', () => {
    expect(kedaWorkerQuery({ engine: DatabaseEngine.MYSQL, queues: ['default'], workerConcurrency: 16, excludeKubernetesExecutor: false }))
      .toBe("SELECT CEIL(COUNT(*) / 16) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('default')");
    expect(kedaWorkerQuery({ engine: DatabaseEngine.MYSQL, queues: ['a.b', 'c:d', 'e-f'], workerConcurrency: 4, excludeKubernetesExecutor: true }))
      .toBe(`SELECT CEIL(COUNT(*) / 4) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('a.b', 'c:d', 'e-f')${MYSQL_FILTER}`);
  });

  test('queue names are SQL literals that cannot end early', () => {
    expect(sqlString("it's", DatabaseEngine.POSTGRESQL)).toBe("'it''s'");
    expect(sqlString('a\\', DatabaseEngine.POSTGRESQL)).toBe("'a\\'");
    expect(sqlString("a\\'; DROP TABLE x; --", DatabaseEngine.MYSQL)).toBe("'a\\\\''; DROP TABLE x; --'");
    expect(kedaWorkerQuery({ engine: DatabaseEngine.POSTGRESQL, queues: ["o'q"], workerConcurrency: 1, excludeKubernetesExecutor: false }))
      .toContain("queue IN ('o''q')");
  });

  test('the triggerer: triggers over capacity (trigger is reserved in MySQL)', () => {
    expect(kedaTriggererQuery(DatabaseEngine.POSTGRESQL, 1000)).toBe('SELECT ceil(COUNT(*)::decimal / 1000) FROM trigger');
    expect(kedaTriggererQuery(DatabaseEngine.MYSQL, 250)).toBe('SELECT CEIL(COUNT(*) / 250) FROM `trigger`');
  });

  test('fails without queues, or with a concurrency or capacity below 1', () => {
    expectError(() => kedaWorkerQuery({ engine: DatabaseEngine.POSTGRESQL, queues: [], workerConcurrency: 1, excludeKubernetesExecutor: false }),
      "kedaWorkerQuery: 'queues' is empty, so the query would count nothing: give the pool at least one queue");
    expectError(() => kedaWorkerQuery({ engine: DatabaseEngine.POSTGRESQL, queues: ['a'], workerConcurrency: 0, excludeKubernetesExecutor: false }),
      "kedaWorkerQuery: 'workerConcurrency' must be a whole number >= 1, got 0");
    expectError(() => kedaTriggererQuery(DatabaseEngine.POSTGRESQL, 0), "kedaTriggererQuery: 'capacity' must be a whole number >= 1, got 0");
  });
});

describe('KEDA on worker pools', () => {
  test('a ScaledObject per pool, one TriggerAuthentication reading the embedded database\'s keda-connection key, no replicas', () => {
    const { airflow, manifests } = synthDeployment({
      executor: AirflowExecutor.celery({
        pools: [
          { name: 'default', queues: ['default', 'light'], autoscaling: WorkerAutoscaling.keda() },
          {
            name: 'heavy',
            workerConcurrency: 2,
            workloadKind: WorkerWorkloadKind.STATEFUL_SET,
            autoscaling: WorkerAutoscaling.keda({
              minReplicas: 1, maxReplicas: 3, pollingInterval: Duration.seconds(15), cooldownPeriod: Duration.minutes(5),
            }),
          },
        ],
      }),
    });
    expectValidManifests(manifests);
    const light = workload(manifests, 'default');
    const heavy = workload(manifests, 'heavy');
    expect(light.spec).not.toHaveProperty('replicas');
    expect(heavy.kind).toBe('StatefulSet');
    expect(heavy.spec).not.toHaveProperty('replicas');

    const auth = one(manifests, 'TriggerAuthentication');
    const database = airflow.embeddedDatabase!;
    expect(auth.spec).toEqual({ secretTargetRef: [{ parameter: 'connection', name: database.credentials.name, key: 'keda-connection' }] });
    expect(auth.metadata.name).toBe(airflow.kedaAuthentication!.triggerAuthentication.name);

    expect(scaledObjectOf(manifests, light).spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: light.metadata.name },
      minReplicaCount: 0,
      maxReplicaCount: 10,
      pollingInterval: 5,
      cooldownPeriod: 30,
      triggers: [{
        type: 'postgresql',
        metadata: {
          query: "SELECT ceil(COUNT(*)::decimal / 16) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('default', 'light')",
          targetQueryValue: '1',
        },
        authenticationRef: { name: auth.metadata.name },
      }],
    });
    expect(scaledObjectOf(manifests, heavy).spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: heavy.metadata.name },
      minReplicaCount: 1,
      maxReplicaCount: 3,
      pollingInterval: 15,
      cooldownPeriod: 300,
      triggers: [{ metadata: { query: "SELECT ceil(COUNT(*)::decimal / 2) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('heavy')" } }],
    });
    expect(airflow.celeryExecutor!.pools[1].kedaQuery).toBe(scaledObjectOf(manifests, heavy).spec.triggers[0].metadata.query);

    // the KEDA URL is generated with the password, fully qualified because KEDA connects from its own namespace.
    expect(database.credentials.keys.find(k => k.key === 'keda-connection')!.value._argument)
      .toBe(`postgresql://airflow:{password}@${database.service.name}.airflow.svc:5432/airflow?sslmode=disable`);
    expect(generatedKeys(manifests)).toContain(`${database.credentials.name}:password|connection|keda-connection`);
    // no Airflow container sees the KEDA connection.
    expect(JSON.stringify(manifests.filter(m => m.kind !== 'TriggerAuthentication' && m.kind !== 'Job'))).not.toContain('keda-connection');
  });

  test('without KEDA the embedded database generates no keda-connection key', () => {
    const { airflow, manifests } = synthDeployment({ executor: AirflowExecutor.celery() });
    expect(airflow.embeddedDatabase!.kedaConnection).toBeUndefined();
    expect(generatedKeys(manifests)).toContain(`${airflow.embeddedDatabase!.credentials.name}:password|connection,`);
    expect(manifests.filter(m => ['ScaledObject', 'TriggerAuthentication', 'HorizontalPodAutoscaler'].includes(m.kind))).toEqual([]);
  });

  test('CeleryExecutor,KubernetesExecutor: queries skip KubernetesExecutor tasks', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celeryAndKubernetes({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.keda() }] }) });
    expectValidManifests(manifests);
    expect(one(manifests, 'ScaledObject').spec.triggers[0].metadata.query).toBe(
      `SELECT ceil(COUNT(*)::decimal / 16) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('default')${PG_FILTER}`);
  });

  test('CeleryKubernetesExecutor (Airflow 2): no executor filter, the kubernetes queue is never a pool queue', () => {
    const { manifests } = synthDeployment({
      airflowVersion: AirflowVersion.V2_11_0,
      executor: AirflowExecutor.celeryKubernetes({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.keda() }] }),
    });
    expectValidManifests(manifests);
    expect(one(manifests, 'ScaledObject').spec.triggers[0].metadata.query).toBe(
      "SELECT ceil(COUNT(*)::decimal / 16) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('default')");
  });

  test('an external PostgreSQL: the TriggerAuthentication reads its kedaConnection', () => {
    const { manifests } = synthExternal(DatabaseEngine.POSTGRESQL, {
      executor: AirflowExecutor.celery({ pools: [{ name: 'default', workerConcurrency: 8, autoscaling: WorkerAutoscaling.keda() }] }),
    });
    expectValidManifests(manifests, { external: { secrets: ['airflow-db'] } });
    expect(one(manifests, 'TriggerAuthentication').spec.secretTargetRef).toEqual([{ parameter: 'connection', name: 'airflow-db', key: 'keda' }]);
    expect(one(manifests, 'ScaledObject').spec.triggers[0].metadata.query).toContain('COUNT(*)::decimal / 8');
  });

  test('an external MySQL: the mysql scaler, queryValue and connectionString', () => {
    const { manifests } = synthExternal(DatabaseEngine.MYSQL, {
      executor: AirflowExecutor.celeryAndKubernetes({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.keda() }] }),
    });
    expectValidManifests(manifests, { external: { secrets: ['airflow-db'] } });
    expect(one(manifests, 'TriggerAuthentication').spec.secretTargetRef).toEqual([{ parameter: 'connectionString', name: 'airflow-db', key: 'keda' }]);
    const trigger = one(manifests, 'ScaledObject').spec.triggers[0];
    expect(trigger.type).toBe('mysql');
    expect(trigger.metadata).toEqual({
      query: `SELECT CEIL(COUNT(*) / 16) FROM task_instance WHERE state IN ('running', 'queued') AND queue IN ('default')${MYSQL_FILTER}`,
      queryValue: '1',
    });
  });

  test('KedaDatabaseAuthentication scales any Deployment on a query of yours', () => {
    const chart = testChart();
    const db = kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db');
    const auth = new KedaDatabaseAuthentication(chart, 'Keda', {
      database: { connection: { secret: db, key: 'url' }, engine: DatabaseEngine.POSTGRESQL, kedaConnection: { secret: db, key: 'keda' } },
    });
    const deployment = new kplus.Deployment(chart, 'Reports', { replicas: 3, containers: [{ image: 'reports:1', securityContext: { ensureNonRoot: true } }] });
    auth.addScaledObject(chart, 'ReportsScaler', deployment, 'SELECT 1', { maxReplicas: 2 });
    const manifests = Testing.synth(chart);
    expect(one(manifests, 'Deployment').spec).not.toHaveProperty('replicas');
    expect(one(manifests, 'ScaledObject').spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 2, triggers: [{ metadata: { query: 'SELECT 1' } }] });
    expectError(() => auth.addScaledObject(chart, 'Bad', deployment, 'SELECT 1', { minReplicas: 3, maxReplicas: 2 }),
      "KedaDatabaseAuthentication.addScaledObject: 'minReplicas' (3) is greater than 'maxReplicas' (2): lower minReplicas or raise maxReplicas");
  });
});

describe('HPA on worker pools', () => {
  test('a HorizontalPodAutoscaler on CPU (and memory) utilization, no replicas', () => {
    const { manifests } = synthDeployment({
      executor: AirflowExecutor.celery({
        pools: [
          { name: 'default', autoscaling: WorkerAutoscaling.hpa() },
          { name: 'heavy', workloadKind: WorkerWorkloadKind.STATEFUL_SET, autoscaling: WorkerAutoscaling.hpa({ minReplicas: 2, maxReplicas: 8, cpuUtilization: 60, memoryUtilization: 75 }) },
        ],
      }),
    });
    expectValidManifests(manifests);
    const light = workload(manifests, 'default');
    const heavy = workload(manifests, 'heavy');
    expect(light.spec).not.toHaveProperty('replicas');
    expect(heavy.spec).not.toHaveProperty('replicas');
    const hpas = manifests.filter(m => m.kind === 'HorizontalPodAutoscaler');
    const hpaOf = (target: any) => hpas.find(h => h.spec.scaleTargetRef.name === target.metadata.name);
    expect(hpaOf(light).spec).toMatchObject({
      minReplicas: 1,
      maxReplicas: 5,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    expect(hpaOf(heavy).spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 8,
      scaleTargetRef: { kind: 'StatefulSet' },
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 75 } } },
      ],
    });
    expect(manifests.filter(m => m.kind === 'ScaledObject' || m.kind === 'TriggerAuthentication')).toEqual([]);
  });

  test('with a DAG sidecar, every container has the requests the HPA needs', () => {
    const { manifests } = synthDeployment({
      dagSource: new GitSyncSidecar({ repo: 'https://github.com/apache/airflow.git' }),
      executor: AirflowExecutor.celery({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.hpa({ memoryUtilization: 90 }) }] }),
    });
    expectValidManifests(manifests);
    expect(one(manifests, 'HorizontalPodAutoscaler').spec.metrics).toHaveLength(2);
  });
});

describe('triggerer autoscaling', () => {
  test('KEDA on the triggers over the capacity, at least one triggerer by default, sharing the pools\' TriggerAuthentication', () => {
    const { airflow, manifests } = synthDeployment({
      executor: AirflowExecutor.celery({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.keda() }] }),
      triggerer: { autoscaling: WorkerAutoscaling.keda({ maxReplicas: 3 }) },
    });
    expectValidManifests(manifests);
    const triggerer = one(manifests, 'Deployment', '-triggerer');
    expect(triggerer.spec).not.toHaveProperty('replicas');
    const scaled = scaledObjectOf(manifests, triggerer);
    expect(scaled.metadata.name).toBe(airflow.triggererScaledObject!.name);
    expect(scaled.spec).toMatchObject({
      minReplicaCount: 1,
      maxReplicaCount: 3,
      triggers: [{ type: 'postgresql', metadata: { query: 'SELECT ceil(COUNT(*)::decimal / 1000) FROM trigger', targetQueryValue: '1' } }],
    });
    expect(manifests.filter(m => m.kind === 'TriggerAuthentication')).toHaveLength(1);
  });

  test('reads the configured capacity of the Airflow version; minReplicas 0 when asked; works without Celery', () => {
    const af3 = synthDeployment({ settings: { 'triggerer.capacity': '500' }, triggerer: { autoscaling: WorkerAutoscaling.keda({ minReplicas: 0 }) } }).manifests;
    expectValidManifests(af3);
    expect(one(af3, 'ScaledObject').spec).toMatchObject({ minReplicaCount: 0, triggers: [{ metadata: { query: 'SELECT ceil(COUNT(*)::decimal / 500) FROM trigger' } }] });
    expect(one(af3, 'TriggerAuthentication').metadata.name).toBe('airflow-keda');

    const af2 = synthDeployment({
      airflowVersion: AirflowVersion.V2_11_0, settings: { 'triggerer.default_capacity': '250' }, triggerer: { autoscaling: WorkerAutoscaling.keda() },
    }).manifests;
    expect(one(af2, 'ScaledObject').spec.triggers[0].metadata.query).toBe('SELECT ceil(COUNT(*)::decimal / 250) FROM trigger');

    const mysql = synthExternal(DatabaseEngine.MYSQL, { triggerer: { autoscaling: WorkerAutoscaling.keda() } }).manifests;
    expect(one(mysql, 'ScaledObject').spec.triggers[0]).toMatchObject({ type: 'mysql', metadata: { query: 'SELECT CEIL(COUNT(*) / 1000) FROM `trigger`', queryValue: '1' } });
  });
});

describe('autoscaling errors', () => {
  const recipe = (chart: Chart) => new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });

  test('every error names the prop, the bad value and the fix', () => {
    const keda = WorkerAutoscaling.keda();
    const cases: Array<[() => unknown, string]> = [
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'a', replicas: 2, autoscaling: keda }] }) }),
        "CeleryWorkerPool 'a': 'replicas' and 'autoscaling' are both set, but the autoscaler decides the number of workers: remove replicas (give minReplicas and maxReplicas to the autoscaler)"],
      [() => synthExternal(DatabaseEngine.POSTGRESQL, { executor: AirflowExecutor.celery({ pools: [{ name: 'a', autoscaling: keda }] }) }, false),
        "WorkerAutoscaling.keda() makes KEDA query the metadata database, but the database has no 'kedaConnection': pass MetadataDatabase.external({ kedaConnection }), "
        + 'a Secret key holding a libpq URL without a +driver suffix and with an explicit sslmode, e.g. postgresql://airflow:<password>@db.example.com:5432/airflow?sslmode=require'],
      [() => synthExternal(DatabaseEngine.MYSQL, { triggerer: { autoscaling: keda } }, false),
        "WorkerAutoscaling.keda() makes KEDA query the metadata database, but the database has no 'kedaConnection': pass MetadataDatabase.external({ kedaConnection }), "
        + 'a Secret key holding a Go MySQL DSN, e.g. airflow:<password>@tcp(db.example.com:3306)/airflow'],
      [() => MetadataDatabase.external({ connection: { secret: kplus.Secret.fromSecretName(testChart(), 'S', 's'), key: 'url' }, kedaConnection: { secret: kplus.Secret.fromSecretName(testChart(), 'S', 's'), key: '' } }),
        "MetadataDatabase.external: 'kedaConnection.key' must name the Secret key that holds KEDA's connection string"],
      [() => new EmbeddedPostgres(new Chart(Testing.app(), 'nons'), 'Db', { kedaConnection: true }),
        "EmbeddedPostgres 'nons/Db': 'kedaConnection' needs the chart's namespace, because KEDA connects to the database from its own namespace: "
        + "give the Chart a namespace, e.g. new Chart(app, 'airflow', { namespace: 'airflow' })"],
      [() => {
        const chart = testChart();
        return new KedaDatabaseAuthentication(chart, 'Keda', { database: MetadataDatabase.embeddedPostgres().bind(chart) });
      }, "KEDA autoscaling needs the embedded PostgreSQL's 'keda-connection' key, which it generates only with 'kedaConnection': "
        + 'bind it with { kedaConnection: true } (AirflowDeployment does this when anything uses WorkerAutoscaling.keda())'],
      [() => {
        const chart = testChart();
        return new CeleryExecutorConfig(chart, 'Celery', { recipe: recipe(chart), pools: [{ name: 'a', autoscaling: keda }] });
      }, "CeleryExecutorConfig: pool 'a' uses WorkerAutoscaling.keda(), which counts tasks in the metadata database: pass 'database' (the MetadataDatabaseBinding; AirflowDeployment does)"],
      [() => {
        const chart = testChart();
        return new CeleryWorkerPool(chart, 'Pool', { name: 'a', recipe: recipe(chart), autoscaling: keda });
      }, "CeleryWorkerPool 'a': WorkerAutoscaling.keda() needs 'kedaAuthentication' (KEDA's access to the metadata database): create pools through CeleryExecutorConfig (or AirflowDeployment), which passes it"],
      [() => synthDeployment({ executor: AirflowExecutor.celery({ pools: [{ name: 'a', resources: { memory: { request: Size.gibibytes(1) } }, autoscaling: WorkerAutoscaling.hpa() }] }) }),
        "CeleryWorkerPool 'a': WorkerAutoscaling.hpa() scales on CPU utilization, which is relative to CPU requests, but container 'worker' has no CPU request: "
        + 'give it one (resources.cpu.request), or use WorkerAutoscaling.keda()'],
      [() => synthDeployment({
        executor: AirflowExecutor.celery({ pools: [{ name: 'a', resources: { cpu: { request: kplus.Cpu.units(1) } }, autoscaling: WorkerAutoscaling.hpa({ memoryUtilization: 80 }) }] }),
      }), "CeleryWorkerPool 'a': WorkerAutoscaling.hpa() scales on memory utilization, which is relative to memory requests, but container 'worker' has no memory request: "
        + 'give it one (resources.memory.request), or use WorkerAutoscaling.keda()'],
      [() => synthDeployment({ triggerer: { autoscaling: WorkerAutoscaling.hpa() } }),
        "'triggerer.autoscaling' is WorkerAutoscaling.hpa(), which cannot scale a triggerer: its load is the triggers waiting in the database, "
        + "which its CPU use does not show; use WorkerAutoscaling.keda() or a fixed 'triggerer.replicas'"],
      [() => synthDeployment({ triggerer: { enabled: false, autoscaling: keda } }), "'triggerer.autoscaling' is set but 'triggerer.enabled' is false: remove one of them"],
      [() => synthDeployment({ triggerer: { replicas: 2, autoscaling: keda } }),
        "'triggerer.replicas' and 'triggerer.autoscaling' are both set, but the autoscaler decides the number of triggerers: remove replicas (give minReplicas and maxReplicas to WorkerAutoscaling.keda())"],
      [() => synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, settings: { 'triggerer.default_capacity': 'many' }, triggerer: { autoscaling: keda } }),
        "'triggerer.autoscaling' divides the triggers by the setting 'triggerer.default_capacity', which must then be a whole number >= 1, got 'many'"],
      [() => synthDeployment({ settings: { 'triggerer.capacity': '0' }, triggerer: { autoscaling: keda } }),
        "'triggerer.autoscaling' divides the triggers by the setting 'triggerer.capacity', which must then be a whole number >= 1, got '0'"],
    ];
    for (const [build, message] of cases) expectError(build, message);
  });
});
