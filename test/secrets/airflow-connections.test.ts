import { spawnSync } from 'child_process';
import { join } from 'path';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowConnection, AirflowVariable, AirflowVersion } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { CACHE_DIR, describeWith } from '../support/real-components';
import { container, env, one, podSpec, synthDeployment, testChart } from '../support/synth';

const secret = () => kplus.Secret.fromSecretName(testChart(), 'Warehouse', 'warehouse');
const props = () => ({
  connections: { warehouse: AirflowConnection.fromSecret(secret(), 'uri'), Aws_Default: AirflowConnection.fromSecret(secret(), 'aws-json') },
  variables: { api_token: AirflowVariable.fromSecret(secret(), 'token'), environment: AirflowVariable.nonSecret('prod') },
});

describe('connections and variables (issue #15)', () => {
  test('AIRFLOW_CONN_<ID> and AIRFLOW_VAR_<KEY> (upper case) from secretKeyRef; a non-secret variable is a literal', () => {
    const { manifests } = synthDeployment(props());
    expectValidManifests(manifests, { external: { secrets: ['warehouse'] } });
    const api = container(podSpec(one(manifests, 'Deployment', 'api-server')), 'api-server');
    expect(env(api, 'AIRFLOW_CONN_WAREHOUSE')).toEqual({ name: 'AIRFLOW_CONN_WAREHOUSE', valueFrom: { secretKeyRef: { name: 'warehouse', key: 'uri' } } });
    expect(env(api, 'AIRFLOW_CONN_AWS_DEFAULT')).toEqual({ name: 'AIRFLOW_CONN_AWS_DEFAULT', valueFrom: { secretKeyRef: { name: 'warehouse', key: 'aws-json' } } });
    expect(env(api, 'AIRFLOW_VAR_API_TOKEN')).toEqual({ name: 'AIRFLOW_VAR_API_TOKEN', valueFrom: { secretKeyRef: { name: 'warehouse', key: 'token' } } });
    expect(env(api, 'AIRFLOW_VAR_ENVIRONMENT')).toEqual({ name: 'AIRFLOW_VAR_ENVIRONMENT', value: 'prod' });
  });

  test('Airflow 3: the scheduler and the Jobs get none; the task pod template gets them all', () => {
    const { manifests } = synthDeployment(props());
    const names = (spec: any) => [...(spec.initContainers ?? []), ...spec.containers].flatMap((c: any) => (c.env ?? []).map((e: any) => e.name));
    for (const [kind, name] of [['Deployment', 'scheduler'], ['Job', 'migrate']]) {
      expect(names(podSpec(one(manifests, kind, name))).filter((n: string) => /^AIRFLOW_(CONN|VAR)_/.test(n)), name).toEqual([]);
    }
    const template = one(manifests, 'ConfigMap', 'pod-template').data['pod_template_file.yaml'];
    for (const name of ['AIRFLOW_CONN_WAREHOUSE', 'AIRFLOW_CONN_AWS_DEFAULT', 'AIRFLOW_VAR_API_TOKEN', 'AIRFLOW_VAR_ENVIRONMENT']) expect(template).toContain(name);
  });

  test('Airflow 2: the scheduler gets them (it parses DAGs and runs DAG callbacks), the webserver does not', () => {
    const { manifests } = synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, ...props() });
    expect(env(container(podSpec(one(manifests, 'Deployment', 'scheduler')), 'scheduler'), 'AIRFLOW_CONN_WAREHOUSE')).toBeDefined();
    expect(env(container(podSpec(one(manifests, 'Deployment', 'webserver')), 'webserver'), 'AIRFLOW_CONN_WAREHOUSE')).toBeUndefined();
  });

  test.each([
    ['an id Airflow cannot read', () => synthDeployment({ connections: { 'my-db': AirflowConnection.fromSecret(secret(), 'uri') } }),
      "'connections' has the id 'my-db', which Airflow cannot read from the environment as AIRFLOW_CONN_MY-DB: use letters, digits and '_' only (e.g. 'my_postgres')"],
    ['two ids, one variable', () => synthDeployment({ variables: { env: AirflowVariable.nonSecret('a'), ENV: AirflowVariable.nonSecret('b') } }),
      "'variables' has both 'env' and 'ENV', which are the same environment variable AIRFLOW_VAR_ENV (Airflow upper-cases the id): keep one"],
    ['an empty connection key', () => AirflowConnection.fromSecret(secret(), ''),
      "AirflowConnection.fromSecret: 'key' is empty: name the key of the Secret that holds the connection"],
    ['an empty variable key', () => AirflowVariable.fromSecret(secret(), ''),
      "AirflowVariable.fromSecret: 'key' is empty: name the key of the Secret that holds the value"],
    ['a connection given as a string (untyped caller)', () => synthDeployment({ connections: { db: 'postgresql://u:p@h/d' as any } }),
      '\'connections.db\' must be an AirflowConnection (AirflowConnection.fromSecret(secret, key)), got a string'],
    ['a variable given as a plain object (untyped caller)', () => synthDeployment({ variables: { v: { value: 'x' } as any } }),
      "'variables.v' must be an AirflowVariable (AirflowVariable.fromSecret(secret, key) or AirflowVariable.nonSecret(value)), got a plain object"],
  ])('%s is refused', (_, build, message) => {
    expect(build).toThrow(message);
  });

  test('the error for a connection given as a string never shows its value', () => {
    expect(() => synthDeployment({ connections: { db: 'postgresql://u:secret-pw@h/d' as any } })).toThrow(/^(?!.*secret-pw)/s);
  });
});

/**
 * Airflow itself reads what we render: the env names of our manifests, with stand-in values in URI and JSON form, are
 * found by `EnvironmentVariablesBackend` under the connection ids and variable keys the user gave (Airflow 3.2.2 and
 * 2.11.0 venvs of scripts/setup/airflow.sh).
 */
describeWith(['airflow'], 'Airflow finds the connections and variables by the ids given (real Airflow)', () => {
  const lookup = (version: string, environment: Record<string, string>) => {
    const bin = join(CACHE_DIR, 'venvs', `airflow-${version}`, 'bin');
    const script = [
      'from airflow.secrets.environment_variables import EnvironmentVariablesBackend as B',
      'b = B()',
      "w = b.get_connection('warehouse'); a = b.get_connection('Aws_Default')",
      "print(w.conn_type, w.host, w.password, a.conn_type, a.login, b.get_variable('api_token'), b.get_variable('environment'))",
    ].join('\n');
    return spawnSync(join(bin, 'python'), ['-c', script], {
      encoding: 'utf-8',
      timeout: 120_000,
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: '/tmp', AIRFLOW_HOME: '/tmp/airflow-conn-test', ...environment },
    });
  };
  const rendered = (): Record<string, string> => {
    const { manifests } = synthDeployment(props());
    const values: Record<string, string> = { 'uri': 'postgres://bob:pw%40x@db.example:5432/wh', 'aws-json': '{"conn_type": "aws", "login": "AKIA"}', 'token': 't0k' };
    const api = container(podSpec(one(manifests, 'Deployment', 'api-server')), 'api-server');
    return Object.fromEntries((api.env as any[]).filter(e => /^AIRFLOW_(CONN|VAR)_/.test(e.name))
      .map(e => [e.name, e.value ?? values[e.valueFrom.secretKeyRef.key]]));
  };
  test.each(['3.2.2', '2.11.0'])('Airflow %s', (version) => {
    const result = lookup(version, rendered());
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.stdout.trim().split('\n').pop()).toBe('postgres db.example pw@x aws AKIA t0k prod');
  }, 120_000);
  test('the oracle fails when a name is not the upper-cased id', () => {
    const renamed = Object.fromEntries(Object.entries(rendered()).map(([k, v]) => [k === 'AIRFLOW_CONN_WAREHOUSE' ? 'AIRFLOW_CONN_warehouse' : k, v]));
    const result = lookup('3.2.2', renamed);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/NoneType|has no attribute/);
  }, 120_000);
});
