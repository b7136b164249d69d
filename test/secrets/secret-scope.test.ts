import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import * as YAML from 'yaml';
import { AirflowConnection, AirflowDeployment, AirflowDeploymentProps, AirflowExecutor, AirflowVariable, AirflowVersion } from '../../src';
import { SECRET_KIND_OF_SETTING, SECRET_SCOPE, SecretKind, secretScopeMarkdown } from '../../src/secrets/secret-scope';
import { CACHE_DIR, describeWith } from '../support/real-components';
import { testChart } from '../support/synth';

const ROOT = join(__dirname, '..', '..');

/** Every pod spec of the output with its component label, the KubernetesExecutor pod template included. */
function pods(manifests: any[]): Array<{ component: string; where: string; spec: any }> {
  const found: Array<{ component: string; where: string; spec: any }> = [];
  for (const m of manifests) {
    const template = m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template : m.spec?.template;
    if (template?.spec?.containers) {
      found.push({ component: template.metadata?.labels?.['app.kubernetes.io/component'], where: `${m.kind} ${m.metadata.name}`, spec: template.spec });
    }
    if (m.kind === 'ConfigMap' && m.data?.['pod_template_file.yaml']) {
      const pod = YAML.parse(m.data['pod_template_file.yaml']);
      found.push({ component: pod.metadata.labels['app.kubernetes.io/component'], where: `pod template ${m.metadata.name}`, spec: pod.spec });
    }
  }
  return found;
}

/** The secret kinds one container receives, read back from its env (by the Airflow setting each variable sets). */
function kindsOf(container: any): SecretKind[] {
  const kinds = new Set<SecretKind>();
  for (const e of container.env ?? []) {
    const setting = /^AIRFLOW__([A-Z_]+?)__([A-Z_]+)$/.exec(e.name);
    const kind = setting && SECRET_KIND_OF_SETTING[`${setting[1].toLowerCase()}.${setting[2].toLowerCase()}`];
    if (kind) kinds.add(kind);
    if (e.name === 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD' || e.name === 'AIRFLOW_DATABASE_UPSTREAM_URL') kinds.add('database');
    if (e.name === 'AIRFLOW__CELERY__BROKER_URL_CMD' || e.name === 'AIRFLOW_CELERY_BROKER_PASSWORD') kinds.add('broker');
    if (e.name.startsWith('AIRFLOW_CONN_')) kinds.add('connections');
    if (e.name.startsWith('AIRFLOW_VAR_')) kinds.add('variables');
  }
  return [...kinds].sort();
}

/** A connection from a Secret, a secret variable, a plain one and the pools Job (issue #15): each must reach exactly its scope. */
const connectionsAndVariables = (): AirflowDeploymentProps => {
  const secret = kplus.Secret.fromSecretName(testChart(), 'Conn', 'warehouse');
  return {
    connections: { warehouse: AirflowConnection.fromSecret(secret, 'uri') },
    variables: { api_token: AirflowVariable.fromSecret(secret, 'token'), environment: AirflowVariable.nonSecret('prod') },
    pools: [{ name: 'warehouse', slots: 4 }],
  };
};

const DEPLOYMENTS: Array<[string, () => AirflowDeploymentProps]> = [
  ['Airflow 3, KubernetesExecutor, maintenance', () => ({ maintenance: { databaseCleanup: {}, podCleanup: {} }, ...connectionsAndVariables() })],
  ['Airflow 3, Celery + Kubernetes, Flower, PgBouncer', () => ({ executor: AirflowExecutor.celeryAndKubernetes({ flower: {} }), pgbouncer: {}, ...connectionsAndVariables() })],
  ['Airflow 3, split API server (execution-api-server)', () => ({ executionApiServer: {}, ...connectionsAndVariables() })],
  ['Airflow 3, Kubernetes + Edge workers, split API server', () => ({ executor: AirflowExecutor.kubernetes().withEdge(), executionApiServer: {}, ...connectionsAndVariables() })],
  ['Airflow 2, Celery + Kubernetes, Flower', () => ({ airflowVersion: AirflowVersion.V2_11_0, executor: AirflowExecutor.celeryKubernetes({ flower: {} }), ...connectionsAndVariables() })],
  ['Airflow 2, KubernetesExecutor, maintenance', () => ({ airflowVersion: AirflowVersion.V2_11_0, maintenance: { databaseCleanup: {}, podCleanup: {} }, ...connectionsAndVariables() })],
];

describe('secret scope: one table decides which component receives which secret (issue #12)', () => {
  test.each(DEPLOYMENTS)('%s: every Airflow container gets exactly the secrets of its component', (_, props) => {
    const chart = testChart();
    const p = props();
    new AirflowDeployment(chart, 'Airflow', p);
    const major = (p.airflowVersion ?? AirflowVersion.DEFAULT).major;
    const withResultBackend = false;
    const checked: string[] = [];
    const all = pods(Testing.synth(chart));
    // the secrets this deployment has at all (no broker without Celery, no result backend unless given).
    const present = new Set(all.flatMap(pod => [...(pod.spec.initContainers ?? []), ...pod.spec.containers].flatMap(kindsOf)));
    for (const pod of all) {
      const table = SECRET_SCOPE[major][pod.component];
      if (table === undefined) continue; // not an Airflow pod (postgresql, redis, statsd, pgbouncer, secret generator)
      const expected = [...table, ...(table.includes('result-backend') && !withResultBackend ? ['database' as SecretKind] : [])].filter(k => present.has(k))
        // `--apps core` serves no task: connections and variables go to the Execution API server instead.
        .filter(k => !(p.executionApiServer && pod.component === 'api-server' && (k === 'connections' || k === 'variables')));
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers].filter((x: any) => x.image.startsWith('apache/airflow'))) {
        if (c.name === 'log-groomer') continue;
        expect(kindsOf(c), `${pod.where} container ${c.name}`).toEqual([...new Set(expected)].sort());
        checked.push(pod.component);
      }
    }
    expect(new Set(checked).size).toBeGreaterThanOrEqual(5);
  });

  test('Airflow 3: no JWT signing secret, Fernet key or database URL in task pods and Celery workers (given a result backend)', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'RB', 'result-backend');
    new AirflowDeployment(chart, 'Airflow', { executor: AirflowExecutor.celeryAndKubernetes({ resultBackend: { secret, key: 'url' } }) });
    const found = pods(Testing.synth(chart)).filter(p => p.component === 'task' || p.component === 'worker');
    expect(found.map(p => p.component).sort()).toEqual(['task', 'worker']);
    for (const pod of found) {
      const names = pod.spec.containers.flatMap((c: any) => (c.env ?? []).map((e: any) => e.name));
      expect(names).not.toContain('AIRFLOW__API_AUTH__JWT_SECRET');
      expect(names).not.toContain('AIRFLOW__CORE__FERNET_KEY');
      expect(names).not.toContain('AIRFLOW__DATABASE__SQL_ALCHEMY_CONN');
    }
    const scheduler = pods(Testing.synth(chart)).find(p => p.component === 'scheduler')!;
    expect(scheduler.spec.containers[0].env.map((e: any) => e.name)).toContain('AIRFLOW__API_AUTH__JWT_SECRET');
  });

  test('Airflow 3 with edge workers: the JWT secret reaches the edge workers and otherwise only the scheduler and the API servers', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { executor: AirflowExecutor.celeryAndKubernetes().withEdge(), executionApiServer: {}, maintenance: { databaseCleanup: {} } });
    const holders = new Set(pods(Testing.synth(chart))
      .filter(p => [...(p.spec.initContainers ?? []), ...p.spec.containers].some((c: any) => (c.env ?? []).some((e: any) => e.name === 'AIRFLOW__API_AUTH__JWT_SECRET')))
      .map(p => p.component));
    expect([...holders].sort()).toEqual(['api-server', 'edge-worker', 'execution-api-server', 'scheduler']);
  });

  test('docs/secret-scope.md is generated from the table', () => {
    const file = join(ROOT, 'docs', 'secret-scope.md');
    if (process.env.UPDATE_DOCS) writeFileSync(file, secretScopeMarkdown());
    expect(readFileSync(file, 'utf-8')).toBe(secretScopeMarkdown());
  });
});

/**
 * The claim the table makes for Airflow 3 task pods: importing `airflow` without a database URL works (settings.initialize
 * configures an unused SQLite engine), while a failing `sql_alchemy_conn_cmd` in airflow.cfg would break every such pod
 * (why PgBouncer's command is an env variable of the database's components, not an airflow.cfg line).
 */
describeWith(['airflow'], 'Airflow 3.2.2 task pod without database secrets (real Airflow)', () => {
  const python = join(CACHE_DIR, 'venvs', 'airflow-3.2.2', 'bin', 'python');
  const run = (cfg: string) => {
    const home = mkdtempSync(join(tmpdir(), 'scope-'));
    writeFileSync(join(home, 'airflow.cfg'), cfg);
    return spawnSync(python, ['-c', 'import airflow.sdk.execution_time.execute_workload; print("imported")'], {
      encoding: 'utf-8', env: { PATH: `${join(CACHE_DIR, 'venvs', 'airflow-3.2.2', 'bin')}:/usr/bin:/bin`, HOME: home, AIRFLOW_HOME: home }, timeout: 120_000,
    });
  };
  test('the task runner module imports with the airflow.cfg a task pod gets and no secret env', () => {
    const chart = testChart();
    const airflow = new AirflowDeployment(chart, 'Airflow', { pgbouncer: {} });
    const result = run(airflow.config.render());
    expect(result.stdout + result.stderr).toContain('imported');
    expect(result.status).toBe(0);
  }, 120_000);
  test('the oracle fails when airflow.cfg holds a _cmd the pod cannot run', () => {
    const result = run('[database]\nsql_alchemy_conn_cmd = python -c "import os; print(os.environ[\'MISSING\'])"\n');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('AirflowConfigException');
  }, 120_000);
});
