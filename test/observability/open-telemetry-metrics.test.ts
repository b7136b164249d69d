import { Duration } from 'cdk8s';
import { describe, expect, test, vi } from 'vitest';
import { AirflowExecutor, AirflowMetrics, AirflowMetricsBackend, AirflowVersion } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, synthDeployment } from '../support/synth';

vi.spyOn(console, 'warn').mockImplementation(() => undefined);

const metricsSettings = (manifests: any[]) => Object.fromEntries(Object.entries(airflowCfg(manifests)).filter(([k]) => k.startsWith('metrics.')));

describe('AirflowMetrics.openTelemetry', () => {
  test.each([
    [AirflowVersion.V3_2_2, {}],
    [AirflowVersion.V2_11_0, { 'metrics.timer_unit_consistency': 'True' }],
    [AirflowVersion.V2_10_5, {}],
  ])('Airflow %s sends OTLP/HTTP to the collector; no exporter pod', (airflowVersion, extra) => {
    const metrics = AirflowMetrics.openTelemetry({ endpoint: 'http://otel-collector.monitoring:4318' });
    expect(metrics.backend).toBe(AirflowMetricsBackend.OPEN_TELEMETRY);
    const { airflow, manifests } = synthDeployment({ airflowVersion, metrics });
    expectValidManifests(manifests);
    expect(airflow.metrics).toBeUndefined();
    expect(manifests.filter(m => m.metadata.name.includes('metrics') || ['ServiceMonitor', 'PrometheusRule'].includes(m.kind))).toEqual([]);
    expect(metricsSettings(manifests)).toEqual({
      'metrics.otel_on': 'True',
      'metrics.otel_host': 'otel-collector.monitoring',
      'metrics.otel_port': '4318',
      'metrics.otel_ssl_active': 'False',
      'metrics.otel_prefix': 'airflow',
      'metrics.otel_service': 'Airflow',
      'metrics.otel_interval_milliseconds': '60000',
      ...extra,
    });
  });

  test('https turns on TLS; service name and interval are passed on', () => {
    const { manifests } = synthDeployment({
      executor: AirflowExecutor.celery(),
      metrics: AirflowMetrics.openTelemetry({ endpoint: 'https://otel.example.com:4318/', serviceName: 'airflow-prod', interval: Duration.seconds(15) }),
    });
    expectValidManifests(manifests);
    expect(metricsSettings(manifests)).toMatchObject({
      'metrics.otel_host': 'otel.example.com',
      'metrics.otel_ssl_active': 'True',
      'metrics.otel_service': 'airflow-prod',
      'metrics.otel_interval_milliseconds': '15000',
    });
  });

  test('the settings are owned', () => {
    expect(() => synthDeployment({ metrics: AirflowMetrics.openTelemetry({ endpoint: 'http://otel:4318' }), settings: { 'metrics.otel_port': '4317' } }))
      .toThrow("Airflow setting 'metrics.otel_port' is managed by this library: set 'metrics (AirflowMetrics.openTelemetry)' instead of overriding it in 'settings'");
  });
});
