import { readFileSync } from 'fs';
import { join } from 'path';
import { Duration } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowMetrics, AirflowMetricsBackend, AirflowStatsd } from '../../src';
import { testChart } from '../support/synth';

/** The exact message `build` throws. */
function errorOf(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

/** Whether a message pattern of the "## Metrics" section of docs/errors.md matches `message` (`{placeholder}` = anything). */
function documented(message: string): boolean {
  const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
  const section = docs.slice(docs.indexOf('\n## Metrics\n')).split(/\n## /)[1];
  const patterns = [...section.matchAll(/^\| `(.+?)` \|/gm)].map(m => m[1]);
  const escape = (text: string) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return patterns.some(p => new RegExp(`^${p.split(/\{[a-z]+\}/).map(escape).join('.+')}$`).test(message));
}

describe('AirflowMetrics', () => {
  test('statsd() and openTelemetry() name their backend', () => {
    expect(AirflowMetrics.statsd().backend).toBe(AirflowMetricsBackend.STATSD);
    expect(AirflowMetrics.openTelemetry({ endpoint: 'http://otel:4318' }).backend).toBe(AirflowMetricsBackend.OPEN_TELEMETRY);
  });
});

describe('bad metrics options fail with an exact message', () => {
  const statsd = (options: any) => () => AirflowMetrics.statsd(options);
  const otel = (options: any) => () => AirflowMetrics.openTelemetry(options);

  test.each<[string, () => unknown, string]>([
    ['alerts without ServiceMonitor', statsd({ alerts: true }),
      "AirflowMetrics.statsd: 'alerts' needs 'serviceMonitor: true': the alert rules select the exporter's metrics by the job label the ServiceMonitor gives them"],
    ['unpinned image', statsd({ image: 'quay.io/prometheus/statsd-exporter' }),
      "AirflowMetrics.statsd: 'image' must be pinned to a version tag or digest, got 'quay.io/prometheus/statsd-exporter': use e.g. 'quay.io/prometheus/statsd-exporter:v0.28.0'"],
    ['latest image', statsd({ image: 'prom/statsd-exporter:latest' }),
      "AirflowMetrics.statsd: 'image' must be pinned to a version tag or digest, got 'prom/statsd-exporter:latest': use e.g. 'quay.io/prometheus/statsd-exporter:v0.28.0'"],
    ['fractional scrape interval', statsd({ scrapeInterval: Duration.millis(1500) }),
      "AirflowMetrics.statsd: 'scrapeInterval' must be a whole number of seconds >= 1, got 1.5s: use e.g. Duration.seconds(30)"],
    ['bad Kubernetes label', statsd({ prometheusLabels: { release: 'kube prometheus' } }),
      "AirflowMetrics.statsd: 'prometheusLabels' has 'release: kube prometheus', which is not a valid Kubernetes label: names and values are up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"],
    ['bad alert label', statsd({ alertLabels: { 'team-name': 'data' } }),
      "AirflowMetrics.statsd: 'alertLabels' has 'team-name', which is not a Prometheus label name: use letters, digits and '_', not starting with a digit or '__', e.g. 'severity' or 'team'"],
    ['threshold below a minute', statsd({ alertThresholds: { tasksQueued: Duration.seconds(30) } }),
      "AirflowMetrics.statsd: 'alertThresholds.tasksQueued' must be a whole number of seconds of at least 1 minute, got 30s: Prometheus evaluates rules every 30 to 60 seconds, so shorter thresholds only add noise"],
    ['bad mapping glob', statsd({ extraMappings: [{ match: 'airflow.my team.*', name: 'x_y' }] }),
      "AirflowMetrics.statsd: 'extraMappings[0].match' 'airflow.my team.*' is not a StatsD glob: write dot-separated parts of letters, digits, '_' and '-' (at least 2 characters each) or '*', e.g. 'airflow.my_team.rows.*'"],
    ['bad mapping name', statsd({ extraMappings: [{ match: 'airflow.ok.*', name: 'ok' }, { match: 'airflow.rows.*', name: 'airflow.rows' }] }),
      "AirflowMetrics.statsd: 'extraMappings[1].name' 'airflow.rows' is not a Prometheus metric name: use letters, digits and '_' (and $1 for a matched part), e.g. 'airflow_my_team_rows'"],
    ['bad mapping label', statsd({ extraMappings: [{ match: 'airflow.rows.*', name: 'airflow_rows', labels: { t: '$1' } }] }),
      "AirflowMetrics.statsd: 'extraMappings[0].labels' has 't', which is not a Prometheus label name: use at least 2 letters, digits and '_', not starting with a digit or '__', e.g. 'table'"],
    ['endpoint without port', otel({ endpoint: 'http://otel-collector' }),
      "AirflowMetrics.openTelemetry: 'endpoint' must be http://host:port or https://host:port (the collector's OTLP/HTTP receiver, e.g. http://otel-collector.monitoring:4318), got 'http://otel-collector'"],
    ['endpoint with gRPC scheme', otel({ endpoint: 'grpc://otel:4317' }),
      "AirflowMetrics.openTelemetry: 'endpoint' must be http://host:port or https://host:port (the collector's OTLP/HTTP receiver, e.g. http://otel-collector.monitoring:4318), got 'grpc://otel:4317'"],
    ['endpoint with a path', otel({ endpoint: 'http://otel:4318/v1/metrics' }),
      "AirflowMetrics.openTelemetry: 'endpoint' http://otel:4318/v1/metrics has a path, but Airflow always posts to /v1/metrics on host:port: remove '/v1/metrics'"],
    ['empty service name', otel({ endpoint: 'http://otel:4318', serviceName: ' ' }),
      "AirflowMetrics.openTelemetry: 'serviceName' is empty: give the service.name your metrics should carry, e.g. 'airflow-prod'"],
    ['interval below a second', otel({ endpoint: 'http://otel:4318', interval: Duration.millis(500) }),
      "AirflowMetrics.openTelemetry: 'interval' must be at least 1 second, got 500ms: Airflow exports its metrics at this interval, e.g. Duration.seconds(30)"],
  ])('%s', (_name, build, message) => {
    expect(errorOf(build)).toBe(message);
    expect(documented(message), `docs/errors.md has no row for: ${message}`).toBe(true);
  });

  test('AirflowStatsd on its own checks the same options, under its own name', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config');
    expect(errorOf(() => new AirflowStatsd(chart, 'Statsd', { config, alerts: true })))
      .toBe("AirflowStatsd: 'alerts' needs 'serviceMonitor: true': the alert rules select the exporter's metrics by the job label the ServiceMonitor gives them");
    expect(documented("AirflowStatsd: 'alerts' needs 'serviceMonitor: true': the alert rules select the exporter's metrics by the job label the ServiceMonitor gives them")).toBe(true);
    expect(documented('something else')).toBe(false);
  });
});
