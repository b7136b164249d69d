import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowStatsd, checkStatsdOptions, StatsdMetricsOptions } from './airflow-statsd';
import { configureOpenTelemetry, OpenTelemetryMetricsOptions, ResolvedOpenTelemetry, resolveOpenTelemetry } from './open-telemetry-metrics';
import { AirflowConfig } from '../config/airflow-config';

/**
 * Where Airflow sends its metrics.
 */
export enum AirflowMetricsBackend {
  /** StatsD, into a StatsD exporter that Prometheus scrapes. */
  STATSD = 'STATSD',
  /** OpenTelemetry (OTLP/HTTP), to your collector. */
  OPEN_TELEMETRY = 'OPEN_TELEMETRY',
}

/**
 * What `AirflowMetrics` needs from the deployment.
 *
 * @internal
 */
export interface AirflowMetricsContext {
  readonly config: AirflowConfig;
  readonly celeryWorkers?: kplus.Workload[];
}

/**
 * How Airflow's metrics (scheduler heartbeats, executor and pool slots, task and DAG run durations, DAG
 * processing) leave the cluster: a StatsD exporter for Prometheus, or your OpenTelemetry collector.
 *
 * All Airflow pods (components, Celery workers, task pods) send them, since they share `airflow.cfg`.
 */
export class AirflowMetrics {
  /**
   * A StatsD exporter inside the deployment (`AirflowStatsd`): Airflow sends StatsD over UDP, Prometheus scrapes
   * labelled metrics from it; optionally a ServiceMonitor and alert rules for the Prometheus operator.
   */
  public static statsd(options: StatsdMetricsOptions = {}): AirflowMetrics {
    checkStatsdOptions(options, 'AirflowMetrics.statsd');
    return new AirflowMetrics(AirflowMetricsBackend.STATSD, { ...options }, undefined);
  }

  /**
   * Airflow's OpenTelemetry metrics, sent over OTLP/HTTP to your collector (`[metrics] otel_on`); no pod is added.
   * The Airflow image must include the `otel` extra.
   */
  public static openTelemetry(options: OpenTelemetryMetricsOptions): AirflowMetrics {
    return new AirflowMetrics(AirflowMetricsBackend.OPEN_TELEMETRY, undefined, resolveOpenTelemetry(options));
  }

  private constructor(
    /** StatsD or OpenTelemetry. */
    public readonly backend: AirflowMetricsBackend,
    private readonly statsdOptions?: StatsdMetricsOptions,
    private readonly otel?: ResolvedOpenTelemetry) {
  }

  /**
   * Configures Airflow and creates the exporter, if any.
   *
   * @internal
   */
  public _bind(scope: Construct, id: string, context: AirflowMetricsContext): AirflowStatsd | undefined {
    if (this.otel) {
      configureOpenTelemetry(context.config, this.otel);
      return undefined;
    }
    return new AirflowStatsd(scope, id, { ...this.statsdOptions, config: context.config, celeryWorkers: context.celeryWorkers });
  }
}
