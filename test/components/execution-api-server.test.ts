import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowApiServer, AirflowConfig, AirflowConnection, AirflowExecutor, AirflowPodRecipe, AirflowTopology, AirflowVersion, ApiServerApps } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, env, one, podSpec, synthDeployment, testChart } from '../support/synth';

const names = (c: any) => (c.env ?? []).map((e: any) => e.name);

describe('split API server: the Execution API in its own Deployment and Service (issue #15)', () => {
  test('two Deployments and Services, --apps core / --apps execution, execution_api_server_url at the new Service', () => {
    const conn = AirflowConnection.fromSecret(kplus.Secret.fromSecretName(testChart(), 'C', 'conn'), 'uri');
    const { manifests } = synthDeployment({ executionApiServer: { replicas: 3 }, apiServer: { replicas: 2 }, connections: { warehouse: conn } });
    expectValidManifests(manifests, { external: { secrets: ['conn'] } });
    const core = one(manifests, 'Deployment', 'airflow-api-server');
    const execution = one(manifests, 'Deployment', 'airflow-execution-api-server');
    expect(core.spec.replicas).toBe(2);
    expect(execution.spec.replicas).toBe(3);
    expect(container(podSpec(core), 'api-server').args).toEqual(['airflow', 'api-server', '--apps', 'core']);
    const exec = container(podSpec(execution), 'execution-api-server');
    expect(exec.args).toEqual(['airflow', 'api-server', '--apps', 'execution']);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(exec[probe].httpGet).toEqual({ path: '/execution/health', port: 8080, scheme: 'HTTP' });
    expect(one(manifests, 'Service', 'airflow-execution-api-server').spec.selector['app.kubernetes.io/component']).toBe('execution-api-server');
    expect(airflowCfg(manifests)['core.execution_api_server_url']).toBe('http://airflow-execution-api-server:8080/execution/');
    // both validate tokens; the Execution API serves connections, the core API server no longer does
    for (const c of [container(podSpec(core), 'api-server'), exec]) expect(names(c)).toContain('AIRFLOW__API_AUTH__JWT_SECRET');
    expect(names(exec)).toContain('AIRFLOW_CONN_WAREHOUSE');
    expect(names(container(podSpec(core), 'api-server'))).not.toContain('AIRFLOW_CONN_WAREHOUSE');
    expect(names(exec)).not.toContain('AIRFLOW__API__SECRET_KEY');
    expect(exec.env.find((e: any) => e.name === 'AIRFLOW__API_AUTH__JWT_SECRET').valueFrom.secretKeyRef).toBeDefined();
  });

  test('without it, one API server serves every app (no --apps) and the URL points at it', () => {
    const { manifests } = synthDeployment({});
    expect(container(podSpec(one(manifests, 'Deployment', 'airflow-api-server')), 'api-server').args).toEqual(['airflow', 'api-server']);
    expect(manifests.filter(m => m.metadata.name.includes('execution-api-server'))).toEqual([]);
    expect(airflowCfg(manifests)['core.execution_api_server_url']).toBe('http://airflow-api-server:8080/execution/');
  });

  test('behind an ingress path both serve under the base URL; the Ingress routes to the UI only', () => {
    const { manifests } = synthDeployment({ executionApiServer: {}, ingress: { host: 'airflow.example.com', path: '/airflow' } });
    expectValidManifests(manifests);
    expect(airflowCfg(manifests)['core.execution_api_server_url']).toBe('http://airflow-execution-api-server:8080/airflow/execution/');
    const exec = container(podSpec(one(manifests, 'Deployment', 'execution-api-server')), 'execution-api-server');
    expect(exec.readinessProbe.httpGet.path).toBe('/airflow/execution/health');
    const ingress = one(manifests, 'Ingress', '');
    expect(JSON.stringify(ingress.spec)).not.toContain('execution');
  });

  test('NetworkPolicies: task pods and Celery workers reach the Execution API server, not the UI\'s', () => {
    const { manifests } = synthDeployment({
      executor: AirflowExecutor.celeryAndKubernetes(), executionApiServer: {}, networkPolicies: { kubernetesApiCidrs: ['10.0.0.1/32'] },
    });
    expectValidManifests(manifests);
    const policy = (component: string) => manifests.find(m => m.kind === 'NetworkPolicy' && m.spec.podSelector.matchLabels?.['app.kubernetes.io/component'] === component);
    const from = (p: any, port: number) => (p.spec.ingress ?? []).filter((r: any) => (r.ports ?? []).some((x: any) => x.port === port))
      .flatMap((r: any) => r.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/component'])).filter((c: any) => c !== undefined).sort();
    expect(from(policy('execution-api-server'), 8080)).toEqual(['task', 'worker']);
    expect(from(policy('api-server'), 8080)).not.toContain('task');
    const taskEgress = JSON.stringify(policy('task').spec.egress);
    expect(taskEgress).toContain('execution-api-server');
  });

  test('a custom AirflowApiServer can serve the Execution API alone', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', { version: AirflowVersion.V3_1_8 });
    const server = new AirflowApiServer(chart, 'Exec', { recipe: new AirflowPodRecipe({ config }), apps: ApiServerApps.EXECUTION });
    expect(server.container.args).toEqual(['airflow', 'api-server', '--apps', 'execution']);
    expect(server.apps).toBe(ApiServerApps.EXECUTION);
  });

  test.each<[string, () => unknown, string]>([
    ['Airflow 3.0 (its API server ignores --apps)', () => synthDeployment({ airflowVersion: AirflowVersion.V3_0_6, executionApiServer: {} }),
      "'executionApiServer' needs Airflow 3.1 or later, but 'airflowVersion' is 3.0.6, whose 'airflow api-server' ignores --apps and always serves every app: upgrade Airflow or remove executionApiServer"],
    ['Airflow 2', () => synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, executionApiServer: {} }),
      "'executionApiServer' is for Airflow 3 only, but 'airflowVersion' is 2.11.0: remove it or change 'airflowVersion'"],
    ['AirflowApiServer apps on Airflow 3.0', () => {
      const chart = testChart();
      const config = new AirflowConfig(chart, 'Config', { version: AirflowVersion.V3_0_6 });
      return new AirflowApiServer(chart, 'Exec', { recipe: new AirflowPodRecipe({ config }), apps: ApiServerApps.CORE });
    }, "AirflowApiServer 'apps' core needs Airflow 3.1 or later (airflow api-server --apps), but the recipe uses Airflow 3.0.6, whose API server always serves every app: upgrade Airflow or keep one API server"],
  ])('%s is refused', (_, build, message) => {
    expect(build).toThrow(message);
  });

  test('refused: its own worker settings (one airflow.cfg for both servers), and with the compact topology', () => {
    const errorOf = (props: object) => { try { synthDeployment(props); } catch (e) { return (e as Error).message; } return 'accepted'; };
    expect(errorOf({ executionApiServer: { workers: { count: 2 } } })).toBe("'executionApiServer.workers' cannot be set: the worker settings "
      + "([api] workers, server_type, ...) are airflow.cfg keys that every API server reads; set 'apiServer.workers' (the Execution API server "
      + "runs as many) and size 'executionApiServer.resources' for it");
    expect(errorOf({ executionApiServer: {}, topology: AirflowTopology.compact() })).toBe("'executionApiServer' runs the Execution API in "
      + "pods of its own, but 'topology' is AirflowTopology.compact(), one pod for every component: remove executionApiServer, or use "
      + 'AirflowTopology.standard()');
    // the worker settings of apiServer reach both: one airflow.cfg
    expect(airflowCfg(synthDeployment({ executionApiServer: {}, apiServer: { workers: { count: 2 } } }).manifests)['api.workers']).toBe('2');
  });

  test('the recipe refuses a split after containers exist', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config');
    const recipe = new AirflowPodRecipe({ config });
    new AirflowApiServer(chart, 'Api', { recipe });
    expect(() => recipe._splitExecutionApi()).toThrow('AirflowPodRecipe: the Execution API split came after Airflow containers were created: configure the recipe before creating components');
  });

  test('env of the Execution API server is the table\'s (no API secret key, no auth client secret)', () => {
    const { manifests } = synthDeployment({ executionApiServer: {} });
    const exec = container(podSpec(one(manifests, 'Deployment', 'execution-api-server')), 'execution-api-server');
    expect(env(exec, 'AIRFLOW__CORE__FERNET_KEY')).toBeDefined();
    expect(env(exec, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN')).toBeDefined();
  });
});
