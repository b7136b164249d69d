import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowApiServer, AirflowConfig, AirflowIngress, AirflowPodRecipe, AirflowVersion } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, one, podSpec, testChart, errorOf, deployInChart as deploy } from '../support/synth';

function probePaths(deployment: any, name: string): string[] {
  const c = container(podSpec(deployment), name);
  return [c.livenessProbe, c.readinessProbe, c.startupProbe].map(p => p.httpGet.path);
}

describe('AirflowIngress', () => {
  test('Airflow 3: the API server under /airflow with TLS, base_url, probes and the Execution API URL follow the path', () => {
    const { manifests, airflow } = deploy((chart) => ({
      airflowVersion: AirflowVersion.V3_2_2,
      ingress: {
        host: 'airflow.example.com',
        path: '/airflow',
        ingressClassName: 'nginx',
        tls: kplus.Secret.fromSecretName(chart, 'Tls', 'airflow-tls'),
        annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
      },
    }));
    const ingress = one(manifests, 'Ingress');
    const service = one(manifests, 'Service', 'api-server');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{
        host: 'airflow.example.com',
        http: { paths: [{ path: '/airflow', pathType: 'Prefix', backend: { service: { name: service.metadata.name, port: { number: 8080 } } } }] },
      }],
      tls: [{ hosts: ['airflow.example.com'], secretName: 'airflow-tls' }],
    });
    const cfg = airflowCfg(manifests);
    expect(cfg['api.base_url']).toBe('https://airflow.example.com/airflow');
    expect(cfg['core.execution_api_server_url']).toBe(`http://${service.metadata.name}:8080/airflow/execution/`);
    expect(cfg['fab.enable_proxy_fix']).toBe('True');
    expect(probePaths(one(manifests, 'Deployment', 'api-server'), 'api-server')).toEqual(['/airflow/api/v2/version', '/airflow/api/v2/version', '/airflow/api/v2/version']);
    expect(airflow.webUi.pathPrefix).toBe('/airflow');
    expect(airflow.webUi.ingress?.baseUrl).toBe('https://airflow.example.com/airflow');
    expectValidManifests(manifests, { external: { secrets: ['airflow-tls'] } });
  });

  test('Airflow 2: the webserver under /airflow over http, [webserver] base_url and /airflow/health probes', () => {
    const { manifests } = deploy(() => ({ airflowVersion: AirflowVersion.V2_11_0, ingress: { host: 'airflow.example.com', path: '/airflow' } }));
    const ingress = one(manifests, 'Ingress');
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe(one(manifests, 'Service', 'webserver').metadata.name);
    expect(ingress.spec.tls).toBeUndefined();
    expect(ingress.spec.ingressClassName).toBeUndefined();
    const cfg = airflowCfg(manifests);
    expect(cfg['webserver.base_url']).toBe('http://airflow.example.com/airflow');
    expect(cfg['webserver.enable_proxy_fix']).toBe('True');
    expect(probePaths(one(manifests, 'Deployment', 'webserver'), 'webserver')).toEqual(['/airflow/health', '/airflow/health', '/airflow/health']);
    expectValidManifests(manifests);
  });

  test('at the root without a host: any host, Airflow\'s base_url left alone, probes at the root', () => {
    const { manifests } = deploy(() => ({ ingress: {} }));
    const ingress = one(manifests, 'Ingress');
    expect(ingress.spec.rules).toEqual([{ http: { paths: [expect.objectContaining({ path: '/', pathType: 'Prefix' })] } }]);
    const cfg = airflowCfg(manifests);
    expect(cfg['api.base_url']).toBeUndefined();
    expect(cfg['core.execution_api_server_url']).toBe('http://airflow-api-server:8080/execution/');
    expect(probePaths(one(manifests, 'Deployment', 'api-server'), 'api-server')).toEqual(['/api/v2/version', '/api/v2/version', '/api/v2/version']);
    expectValidManifests(manifests);
  });

  test('a host at the root gives a base_url without a trailing slash', () => {
    const { manifests } = deploy(() => ({ ingress: { host: 'airflow.example.com' } }));
    expect(airflowCfg(manifests)['api.base_url']).toBe('http://airflow.example.com');
  });

  test('a base_url of the user with the same path wins over the derived one (e.g. an outer proxy host)', () => {
    const { manifests } = deploy(() => ({
      settings: { 'api.base_url': 'https://portal.example.com/airflow/' }, ingress: { host: 'airflow.internal', path: '/airflow' },
    }));
    expect(airflowCfg(manifests)['api.base_url']).toBe('https://portal.example.com/airflow/');
    expectValidManifests(manifests);
  });

  test('a base_url of the user puts its path into the probes even without an ingress', () => {
    const { manifests } = deploy(() => ({ airflowVersion: AirflowVersion.V2_11_0, settings: { 'webserver.base_url': 'https://x.example.com/ops/airflow' } }));
    expect(probePaths(one(manifests, 'Deployment', 'webserver'), 'webserver')[0]).toBe('/ops/airflow/health');
  });

  test('standalone, on a web component built for the same path', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config', { settings: { 'api.base_url': 'http://a.example.com/x' } }) });
    const api = new AirflowApiServer(chart, 'Api', { recipe });
    const ingress = new AirflowIngress(chart, 'Ingress', { webUi: api, path: '/x', host: 'a.example.com' });
    expect(ingress.pathPrefix).toBe('/x');
    expect(ingress.baseUrl).toBeUndefined();
    expect(one(Testing.synth(chart), 'Ingress').spec.rules[0].http.paths[0].path).toBe('/x');
  });
});

describe('bad ingress options', () => {
  test('a path that is not a clean absolute path', () => {
    for (const path of ['airflow', '/airflow/', '/a//b', '/a b']) {
      expect(errorOf(() => deploy(() => ({ ingress: { host: 'a.example.com', path } }))))
        .toBe(`'ingress.path' must be '/' or a path like '/airflow' (letters, digits, '-', '.', '_', '~' between single slashes, no trailing '/'), got '${path}'`);
    }
  });

  test('a host with a scheme, a port or a wildcard', () => {
    for (const host of ['https://airflow.example.com', 'airflow.example.com:443', '*.example.com', 'Airflow.example.com']) {
      expect(errorOf(() => deploy(() => ({ ingress: { host } }))))
        .toBe(`'ingress.host' must be a DNS name in lower case such as 'airflow.example.com' (no scheme, port, path or wildcard), got '${host}'`);
    }
  });

  test('a path without a host nor a base_url', () => {
    expect(errorOf(() => deploy(() => ({ ingress: { path: '/airflow' } }))))
      .toBe("'ingress.path' is '/airflow' but 'ingress.host' is not set: Airflow serves under a path only with a full base_url, "
        + "so set 'ingress.host' (e.g. 'airflow.example.com'), set 'api.base_url' in 'settings', or serve at '/'");
  });

  test('a base_url setting whose path is not the ingress path, on both majors', () => {
    expect(errorOf(() => deploy(() => ({ settings: { 'api.base_url': 'https://a.example.com/other' }, ingress: { host: 'a.example.com', path: '/airflow' } }))))
      .toBe("'ingress.path' is '/airflow' but the setting 'api.base_url' is 'https://a.example.com/other', whose path is '/other': "
        + 'make the two paths the same, or leave base_url out and the library derives it from the ingress');
    expect(errorOf(() => deploy(() => ({ airflowVersion: AirflowVersion.V2_11_0, settings: { 'webserver.base_url': 'http://a.example.com' }, ingress: { path: '/airflow' } }))))
      .toBe("'ingress.path' is '/airflow' but the setting 'webserver.base_url' is 'http://a.example.com', whose path is '/': "
        + 'make the two paths the same, or leave base_url out and the library derives it from the ingress');
  });

  test('a standalone ingress on a web component built for another path', () => {
    const chart = testChart();
    const api = new AirflowApiServer(chart, 'Api', { recipe: new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') }) });
    expect(errorOf(() => new AirflowIngress(chart, 'Ingress', { webUi: api, path: '/airflow', host: 'a.example.com' })))
      .toBe("AirflowIngress: 'path' is '/airflow' but the api-server serves under '/': give these options to the 'ingress' prop of the component "
        + '(or of AirflowDeployment), which serves the UI under the ingress path');
  });
});
