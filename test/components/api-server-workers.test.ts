import { Duration, Size, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowDeploymentProps, AirflowVersion, AirflowWarnings, ApiServerType } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, errorOf, one, podSpec, testChart } from '../support/synth';

/**
 * Issue #15 section 4: the API server's worker processes. Airflow reads them from `[api]` (airflow-core 3.2.2
 * cli/cli_config.py ARG_API_WORKERS default conf.get("api", "workers"); cli/commands/api_server_command.py
 * `_run_api_server` picks uvicorn or gunicorn from `server_type`; api_fastapi/gunicorn_app.py reads
 * `worker_refresh_interval` / `worker_refresh_batch_size`); config.yml marks the last three `version_added: 3.2.0`.
 */

function synth(props: AirflowDeploymentProps) {
  const chart = testChart();
  new AirflowDeployment(chart, 'Airflow', props);
  const manifests = Testing.synth(chart);
  return { manifests, cfg: airflowCfg(manifests), apiServer: container(podSpec(one(manifests, 'Deployment', 'api-server')), 'api-server') };
}

describe('apiServer.workers (issue #15, section 4)', () => {
  test('gunicorn with 4 workers refreshed every 12 hours, 2 at a time: the [api] settings, and resources sized per worker', () => {
    const { cfg, apiServer, manifests } = synth({
      apiServer: {
        workers: {
          count: 4, serverType: ApiServerType.GUNICORN, refreshInterval: Duration.hours(12), refreshBatchSize: 2, timeout: Duration.seconds(90),
        },
      },
    });
    expect([cfg['api.workers'], cfg['api.server_type'], cfg['api.worker_refresh_interval'], cfg['api.worker_refresh_batch_size'], cfg['api.worker_timeout']])
      .toEqual(['4', 'gunicorn', '43200', '2', '90']);
    // 512Mi for the replica, each of 4 workers and each of a batch of 2: 3.5Gi requested, twice that as the limit
    expect(apiServer.resources).toEqual({ requests: { cpu: '1000m', memory: '3584Mi' }, limits: { memory: '7168Mi' } });
    expectValidManifests(manifests);
  });

  test('the defaults stay Airflow\'s (nothing written) and one worker keeps the usual resources', () => {
    const { cfg, apiServer } = synth({});
    expect(cfg['api.workers']).toBeUndefined();
    expect(cfg['api.server_type']).toBeUndefined();
    const single = synth({ apiServer: { workers: { count: 1 } } });
    expect(single.cfg['api.workers']).toBe('1');
    expect(single.apiServer.resources).toEqual(apiServer.resources);
    expect(apiServer.resources).toEqual({ requests: { cpu: '250m', memory: '1024Mi' }, limits: { memory: '2048Mi' } });
  });

  test('uvicorn workers on Airflow 3.1: [api] workers exists there, server_type does not', () => {
    const { cfg } = synth({ airflowVersion: AirflowVersion.V3_1_8, apiServer: { workers: { count: 2, timeout: Duration.minutes(3) } } });
    expect([cfg['api.workers'], cfg['api.worker_timeout']]).toEqual(['2', '180']);
  });

  test('your resources are kept; a memory limit below the workers\' size warns', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { apiServer: { workers: { count: 4 }, resources: { memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) } } } });
    const apiServer = container(podSpec(one(Testing.synth(chart), 'Deployment', 'api-server')), 'api-server');
    expect(apiServer.resources).toEqual({ requests: { memory: '1024Mi' }, limits: { memory: '1024Mi' } });
    expect(AirflowWarnings.of(chart).messages).toContain("'apiServer.resources' limits memory to 1024Mi, but 4 API server worker(s) are sized at 2560Mi "
      + '(512Mi for the replica and each worker): the replica may be killed for memory (apache/airflow#61804)');
    // enough memory: no warning
    const roomy = testChart();
    new AirflowDeployment(roomy, 'Airflow', { apiServer: { workers: { count: 2 }, resources: { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(2) } } } });
    expect(AirflowWarnings.of(roomy).messages.filter(m => m.includes('apiServer.resources'))).toEqual([]);
  });

  test('refused, naming the prop, the version and the fix', () => {
    const deploy = (props: AirflowDeploymentProps) => () => new AirflowDeployment(testChart(), 'Airflow', props);
    expect(errorOf(deploy({ airflowVersion: AirflowVersion.V3_1_8, apiServer: { workers: { serverType: ApiServerType.GUNICORN } } })))
      .toBe("'apiServer.workers.serverType' sets [api] server_type, which Airflow added in 3.2.0, but 'airflowVersion' is 3.1.8: remove it, or use Airflow 3.2.0 or later");
    expect(errorOf(deploy({ airflowVersion: AirflowVersion.V3_0_6, apiServer: { workers: { count: 2, refreshInterval: Duration.hours(1) } } })))
      .toBe("'apiServer.workers.refreshInterval' sets [api] worker_refresh_interval, which Airflow added in 3.2.0, but 'airflowVersion' is 3.0.6: "
        + 'remove it, or use Airflow 3.2.0 or later');
    expect(errorOf(deploy({ apiServer: { workers: { count: 2, refreshInterval: Duration.hours(1) } } })))
      .toBe("'apiServer.workers.refreshInterval' needs 'serverType: ApiServerType.GUNICORN': Airflow ignores [api] worker_refresh_interval with uvicorn, "
        + 'whose workers cannot be restarted oldest first');
    expect(errorOf(deploy({ apiServer: { workers: { count: 2, serverType: ApiServerType.GUNICORN, refreshBatchSize: 2 } } })))
      .toBe("'apiServer.workers.refreshBatchSize' has no effect without 'refreshInterval': set both, or remove refreshBatchSize");
    const tooBig = { count: 2, serverType: ApiServerType.GUNICORN, refreshInterval: Duration.hours(1), refreshBatchSize: 3 };
    expect(errorOf(deploy({ apiServer: { workers: tooBig } })))
      .toBe("'apiServer.workers.refreshBatchSize' must be a whole number from 1 to 'count' (2), got 3");
    expect(errorOf(deploy({ apiServer: { workers: { count: 0 } } }))).toBe("'apiServer.workers.count' must be a whole number >= 1, got 0");
    expect(errorOf(deploy({ apiServer: { workers: { timeout: Duration.millis(500) } } })))
      .toBe("'apiServer.workers.timeout' must be a whole number of seconds >= 1, got 500 ms");
    expect(errorOf(deploy({ apiServer: { workers: { serverType: 'gunicorn ' as ApiServerType } } })))
      .toBe("'apiServer.workers.serverType' must be one of ApiServerType.UVICORN, ApiServerType.GUNICORN, got the string 'gunicorn '");
    // the typed prop owns the key: the same key in settings is an error naming the prop
    expect(errorOf(deploy({ apiServer: { workers: { count: 2 } }, settings: { 'api.workers': '8' } })))
      .toContain("Airflow setting 'api.workers' is managed by this library: set 'apiServer.workers.count'");
    // and the settings check itself knows the release: server_type in settings on 3.1.8
    expect(errorOf(deploy({ airflowVersion: AirflowVersion.V3_1_8, settings: { 'api.server_type': 'gunicorn' } })))
      .toBe("Airflow setting 'api.server_type' was added in Airflow 3.2.0, but 'airflowVersion' is 3.1.8: use Airflow 3.2.0 or later, or remove it from 'settings'");
  });
});
