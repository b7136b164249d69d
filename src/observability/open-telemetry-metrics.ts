import { Duration } from 'cdk8s';
import { AirflowConfig } from '../config/airflow-config';
import { assertNoUrlCredentials } from '../utils/url-credentials';

/**
 * Options for `AirflowMetrics.openTelemetry`.
 */
export interface OpenTelemetryMetricsOptions {
  /**
   * The OTLP/HTTP receiver of your OpenTelemetry collector, `http://host:port` or `https://host:port`, e.g.
   * `http://otel-collector.monitoring:4318`. Airflow posts to `/v1/metrics` there, so the endpoint has no path.
   */
  readonly endpoint: string;
  /**
   * `[metrics] otel_service`: the `service.name` resource attribute of Airflow's metrics.
   *
   * @default 'Airflow'
   */
  readonly serviceName?: string;
  /**
   * `[metrics] otel_interval_milliseconds`: how often Airflow exports its metrics.
   *
   * @default Duration.seconds(60)
   */
  readonly interval?: Duration;
}

/**
 * The checked endpoint and options.
 *
 * @internal
 */
export interface ResolvedOpenTelemetry {
  readonly host: string;
  readonly port: number;
  readonly ssl: boolean;
  readonly serviceName: string;
  readonly intervalMillis: number;
}

const HOST = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;

/**
 * Checks the options of `AirflowMetrics.openTelemetry`.
 *
 * @internal
 */
export function resolveOpenTelemetry(options: OpenTelemetryMetricsOptions): ResolvedOpenTelemetry {
  const endpoint = options.endpoint;
  assertNoUrlCredentials(endpoint, 'AirflowMetrics.openTelemetry', 'endpoint', 'the airflow.cfg ConfigMap',
    "Airflow's [metrics] otel_* settings take no credentials: point it at a collector in the cluster that forwards with its own credentials");
  const match = /^(https?):\/\/([^/:?#]+):(\d+)(\/[^?#]*)?$/.exec(endpoint);
  if (!match || !HOST.test(match[2]) || Number(match[3]) < 1 || Number(match[3]) > 65535) {
    throw new Error('AirflowMetrics.openTelemetry: \'endpoint\' must be http://host:port or https://host:port (the collector\'s OTLP/HTTP receiver, '
      + `e.g. http://otel-collector.monitoring:4318), got '${endpoint}'`);
  }
  if (match[4] !== undefined && match[4] !== '/') {
    throw new Error(`AirflowMetrics.openTelemetry: 'endpoint' ${endpoint} has a path, but Airflow always posts to /v1/metrics on host:port: `
      + `remove '${match[4]}'`);
  }
  const serviceName = options.serviceName ?? 'Airflow';
  if (serviceName.trim() === '') {
    throw new Error("AirflowMetrics.openTelemetry: 'serviceName' is empty: give the service.name your metrics should carry, e.g. 'airflow-prod'");
  }
  const intervalMillis = (options.interval ?? Duration.seconds(60)).toMilliseconds({ integral: false });
  if (!Number.isInteger(intervalMillis) || intervalMillis < 1000) {
    throw new Error(`AirflowMetrics.openTelemetry: 'interval' must be at least 1 second, got ${intervalMillis}ms: `
      + 'Airflow exports its metrics at this interval, e.g. Duration.seconds(30)');
  }
  return { host: match[2], port: Number(match[3]), ssl: match[1] === 'https', serviceName, intervalMillis };
}

/**
 * Points Airflow's OpenTelemetry metrics at the collector.
 *
 * @internal
 */
export function configureOpenTelemetry(config: AirflowConfig, otel: ResolvedOpenTelemetry): void {
  const prop = 'metrics (AirflowMetrics.openTelemetry)';
  config.setOwned('metrics', 'otel_on', 'True', prop);
  config.setOwned('metrics', 'otel_host', otel.host, prop);
  config.setOwned('metrics', 'otel_port', String(otel.port), prop);
  config.setOwned('metrics', 'otel_ssl_active', otel.ssl ? 'True' : 'False', prop);
  config.setOwned('metrics', 'otel_prefix', 'airflow', prop);
  config.setOwned('metrics', 'otel_service', otel.serviceName, prop);
  config.setOwned('metrics', 'otel_interval_milliseconds', String(otel.intervalMillis), prop);
  configureTimerUnits(config, prop);
}

/**
 * Airflow 2.11+ sends every timer in milliseconds with `timer_unit_consistency` (Airflow 3 always does);
 * without it some durations arrive in seconds and read as 1000 times too short.
 *
 * @internal
 */
export function configureTimerUnits(config: AirflowConfig, prop: string): void {
  if (!config.version.isAirflow3 && config.version.atLeast(2, 11)) {
    config.setOwned('metrics', 'timer_unit_consistency', 'True', prop);
  }
}
