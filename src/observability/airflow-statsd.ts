import { ApiObject, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowAlertRule, airflowAlertRules, AirflowAlertThresholds, promDuration, resolveAlertThresholds } from './airflow-alerts';
import { configureTimerUnits } from './open-telemetry-metrics';
import { checkStatsdMappings, executorClassNames, renderStatsdMappings, StatsdMappingRule } from './statsd-mappings';
import { AirflowConfig } from '../config/airflow-config';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../imports/prometheusrule-monitoring.coreos.com';
import { ServiceMonitor } from '../imports/servicemonitor-monitoring.coreos.com';
import { AirflowNames } from '../naming/airflow-names';
import { cpuAndMemory, restrictedContainerSecurityContext } from '../pod/security';
import { shortHash } from '../utils/hash';
import { checkPinnedImage } from '../utils/image';

/** The StatsD exporter image the library pins (the official chart's). */
const DEFAULT_IMAGE = 'quay.io/prometheus/statsd-exporter:v0.28.0';
/** uid and gid of `nobody`, the user of the Prometheus exporter images. */
const NOBODY = 65534;
/** Where the exporter sees its mappings. */
const MAPPINGS_DIR = '/etc/statsd-exporter';
const MAPPINGS_FILE = 'mappings.yml';
/** The component of the exporter's objects: `<release>-statsd`. */
const COMPONENT = 'statsd';

/**
 * Options of the StatsD exporter (`AirflowMetrics.statsd`).
 */
export interface StatsdMetricsOptions {
  /**
   * The StatsD exporter image, pinned to a version tag or digest.
   *
   * @default 'quay.io/prometheus/statsd-exporter:v0.28.0'
   */
  readonly image?: string;
  /**
   * Resources of the exporter container.
   *
   * @default - 50m CPU, 64Mi memory request, 256Mi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Mapping rules appended after the library's own (the first matching rule wins), e.g. for metrics your DAGs
   * or plugins send. A metric that no rule maps is dropped (a last catch-all rule): add a rule for each one you
   * want, so that no name becomes a metric of its own per DAG or task.
   *
   * @default - none.
   */
  readonly extraMappings?: StatsdMappingRule[];
  /**
   * Create a Prometheus operator `ServiceMonitor` that scrapes the exporter (needs the `monitoring.coreos.com` CRDs).
   *
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /**
   * How often Prometheus scrapes the exporter (the ServiceMonitor's `interval`).
   *
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * Labels of the ServiceMonitor and the PrometheusRule, for your Prometheus's `serviceMonitorSelector` and
   * `ruleSelector`, e.g. `{ release: 'kube-prometheus-stack' }`.
   *
   * @default - none.
   */
  readonly prometheusLabels?: { [key: string]: string };
  /**
   * Create a Prometheus operator `PrometheusRule` with alerts operators need: scheduler heartbeat missing, tasks
   * queued too long, DAG processing too slow, DAG import errors, plus Celery workers absent while tasks are
   * queued (with the CeleryExecutor; reads kube-state-metrics) and task pod launch failures (with the
   * KubernetesExecutor). Needs `serviceMonitor`, whose `job` label the rules select.
   *
   * @default false
   */
  readonly alerts?: boolean;
  /**
   * Labels added to every alert, e.g. `{ team: 'data' }`; a `severity` here replaces the rules' own
   * (`critical` for a missing scheduler or absent workers, `warning` for the others).
   *
   * @default - each rule's own `severity`.
   */
  readonly alertLabels?: { [name: string]: string };
  /**
   * When the alerts fire.
   *
   * @default - see `AirflowAlertThresholds`.
   */
  readonly alertThresholds?: AirflowAlertThresholds;
}

/**
 * Props for `AirflowStatsd`.
 */
export interface AirflowStatsdProps extends StatsdMetricsOptions {
  /** The Airflow configuration whose `[metrics]` settings point at the exporter. */
  readonly config: AirflowConfig;
  /**
   * The Celery worker workloads; with `alerts`, `AirflowCeleryWorkersAbsent` watches them.
   *
   * @default - none: no Celery alert.
   */
  readonly celeryWorkers?: kplus.Workload[];
}

/**
 * A StatsD exporter that turns Airflow's StatsD metrics into Prometheus metrics, and the Airflow settings
 * that send them there.
 *
 * One exporter pod (`quay.io/prometheus/statsd-exporter`, non-root, restricted security context) receives
 * StatsD over UDP on port 9125 (`statsd-ingest`) and serves `/metrics` on port 9102 (`metrics`); a ConfigMap
 * of mapping rules turns dotted names such as `airflow.pool.open_slots.default_pool` into labelled metrics
 * such as `airflow_pool_open_slots{pool="default_pool"}`; task ids of TaskGroups (`group.task`) and dotted DAG
 * ids or file names stay whole in their label; metrics no rule maps are dropped. Airflow gets `[metrics] statsd_on`, `statsd_host`,
 * `statsd_port` and `statsd_prefix`. Optionally a ServiceMonitor and a PrometheusRule for the Prometheus operator.
 *
 * There is always exactly one exporter: StatsD counters are summed inside it, so two would split them.
 */
export class AirflowStatsd extends Construct {
  /** The port Airflow sends StatsD to (UDP). */
  public readonly ingestPort: number = 9125;
  /** The port Prometheus scrapes (TCP, `/metrics`). */
  public readonly metricsPort: number = 9102;
  /** The exporter Deployment (one replica); its pods are the ones Airflow pods send to and Prometheus scrapes. */
  public readonly deployment: kplus.Deployment;
  /** The exporter container. */
  public readonly container: kplus.Container;
  /** The Service: `statsd-ingest` 9125/UDP and `metrics` 9102/TCP. Its name is Airflow's `statsd_host`. */
  public readonly service: kplus.Service;
  /** The ServiceAccount of the exporter (no API token). */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The ConfigMap holding `mappings.yml`. */
  public readonly mappings: kplus.ConfigMap;
  /** The `mappings.yml` text. */
  public readonly mappingConfig: string;
  /** The `monitoring.coreos.com/v1` ServiceMonitor, with `serviceMonitor`. */
  public readonly serviceMonitor?: ApiObject;
  /** The `monitoring.coreos.com/v1` PrometheusRule, with `alerts`. */
  public readonly prometheusRule?: ApiObject;
  /** The names of the alerts in the PrometheusRule, with `alerts`. */
  public readonly alertNames: string[];
  /**
   * The ServiceMonitor's interval and extra labels, for other ServiceMonitors of the deployment (PgBouncer's).
   *
   * @internal
   */
  public readonly _scrapeInterval: Duration;
  /** @internal */
  public readonly _prometheusLabels: { [key: string]: string };

  constructor(scope: Construct, id: string, props: AirflowStatsdProps) {
    super(scope, id);
    const config = props.config;
    checkStatsdOptions(props, 'AirflowStatsd');
    const executors = executorClassNames(config.get('core', 'executor') ?? (config.version.isAirflow3 ? 'LocalExecutor' : 'SequentialExecutor'));
    this.mappingConfig = renderStatsdMappings(executors, props.extraMappings ?? []);

    const names = AirflowNames.of(config);
    const labels = names.labels(COMPONENT);
    this.mappings = new kplus.ConfigMap(this, 'Mappings', { metadata: names.metadata(this, 'ConfigMap', COMPONENT), data: { [MAPPINGS_FILE]: this.mappingConfig } });
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { automountToken: false, metadata: names.metadata(this, 'ServiceAccount', COMPONENT) });
    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: names.metadata(this, 'Deployment', COMPONENT),
      select: false,
      replicas: 1,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: { user: NOBODY, group: NOBODY, ensureNonRoot: true },
      terminationGracePeriod: Duration.seconds(30),
    });
    names.selectPods(this.deployment, COMPONENT);
    // the exporter reads its mappings at start: a change rolls the pod.
    this.deployment.podMetadata.addAnnotation('checksum/statsd-mappings', shortHash(this.mappingConfig, 16));

    const probe = (initialDelay: number) => kplus.Probe.fromHttpGet('/metrics', {
      port: this.metricsPort,
      initialDelaySeconds: Duration.seconds(initialDelay),
      timeoutSeconds: Duration.seconds(5),
      periodSeconds: Duration.seconds(10),
      failureThreshold: 3,
    });
    this.container = this.deployment.addContainer({
      name: 'statsd-exporter',
      image: props.image ?? DEFAULT_IMAGE,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: [
        `--statsd.mapping-config=${MAPPINGS_DIR}/${MAPPINGS_FILE}`,
        `--statsd.listen-udp=:${this.ingestPort}`,
        '--statsd.listen-tcp=',
        `--web.listen-address=:${this.metricsPort}`,
      ],
      ports: [
        { name: 'statsd-ingest', number: this.ingestPort, protocol: kplus.Protocol.UDP },
        { name: 'metrics', number: this.metricsPort, protocol: kplus.Protocol.TCP },
      ],
      resources: props.resources ?? cpuAndMemory(50, 64, 256),
      securityContext: restrictedContainerSecurityContext(NOBODY, NOBODY),
      liveness: probe(10),
      readiness: probe(5),
    });
    this.container.mount(MAPPINGS_DIR, kplus.Volume.fromConfigMap(this, 'MappingsVolume', this.mappings, { name: 'mappings' }), { readOnly: true });

    this.service = new kplus.Service(this, 'Service', {
      metadata: names.metadata(this, 'Service', COMPONENT),
      ports: [
        { name: 'statsd-ingest', port: this.ingestPort, targetPort: this.ingestPort, protocol: kplus.Protocol.UDP },
        { name: 'metrics', port: this.metricsPort, targetPort: this.metricsPort, protocol: kplus.Protocol.TCP },
      ],
    });
    names.selectService(this.service, COMPONENT);

    const prop = 'metrics (AirflowMetrics.statsd)';
    config.setOwned('metrics', 'statsd_on', 'True', prop);
    config.setOwned('metrics', 'statsd_host', this.service.name, prop);
    config.setOwned('metrics', 'statsd_port', String(this.ingestPort), prop);
    config.setOwned('metrics', 'statsd_prefix', 'airflow', prop);
    configureTimerUnits(config, prop);
    if (config.version.atLeast(3, 2)) {
      // the mappings read the dotted names, which carry the DAG, task and pool.
      config.setOwned('metrics', 'legacy_names_on', 'True', prop);
    }

    const scrapeInterval = this._scrapeInterval = props.scrapeInterval ?? Duration.seconds(30);
    this._prometheusLabels = { ...(props.prometheusLabels ?? {}) };
    const monitoringLabels = { ...labels, ...(props.prometheusLabels ?? {}) };
    if (props.serviceMonitor) {
      this.serviceMonitor = new ServiceMonitor(this, 'ServiceMonitor', {
        metadata: { name: names.name(this, 'ServiceMonitor', COMPONENT), labels: monitoringLabels },
        spec: {
          selector: { matchLabels: names.selector(COMPONENT) },
          endpoints: [{ port: 'metrics', path: '/metrics', interval: promDuration(scrapeInterval) }],
        },
      });
    }

    this.alertNames = [];
    if (props.alerts) {
      const rules = airflowAlertRules({
        job: this.service.name,
        namespace: Chart.of(this).namespace,
        scrapeInterval,
        thresholds: props.alertThresholds ?? {},
        celeryWorkers: (props.celeryWorkers ?? []).map(w => ({ kind: w.kind, name: w.name })),
        kubernetesExecutor: executors.some(e => e.includes('KubernetesExecutor')),
        labels: props.alertLabels ?? {},
      });
      this.alertNames.push(...rules.map(r => r.alert));
      this.prometheusRule = new PrometheusRule(this, 'PrometheusRule', {
        metadata: { name: names.name(this, 'PrometheusRule', COMPONENT), labels: monitoringLabels },
        spec: { groups: [{ name: 'airflow', rules: rules.map(toRuleSpec) }] },
      });
    }
  }
}

function toRuleSpec(rule: AirflowAlertRule) {
  return {
    alert: rule.alert,
    expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr),
    for: rule.for,
    labels: rule.labels,
    annotations: rule.annotations,
  };
}

const K8S_LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const K8S_LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Checks the StatsD options; `where` is the API the messages name.
 *
 * @internal
 */
export function checkStatsdOptions(options: StatsdMetricsOptions, where: string): void {
  if (options.image !== undefined) checkPinnedImage(options.image, `${where}: 'image'`, DEFAULT_IMAGE);
  if (options.alerts && !options.serviceMonitor) {
    throw new Error(`${where}: 'alerts' needs 'serviceMonitor: true': the alert rules select the exporter's metrics by the job label `
      + 'the ServiceMonitor gives them');
  }
  const interval = options.scrapeInterval?.toSeconds({ integral: false });
  if (interval !== undefined && (!Number.isInteger(interval) || interval < 1)) {
    throw new Error(`${where}: 'scrapeInterval' must be a whole number of seconds >= 1, got ${interval}s: use e.g. Duration.seconds(30)`);
  }
  for (const [key, value] of Object.entries(options.prometheusLabels ?? {})) {
    if (!K8S_LABEL_NAME.test(key) || !K8S_LABEL_VALUE.test(value)) {
      throw new Error(`${where}: 'prometheusLabels' has '${key}: ${value}', which is not a valid Kubernetes label: `
        + "names and values are up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
    }
  }
  for (const key of Object.keys(options.alertLabels ?? {})) {
    if (!PROM_LABEL_NAME.test(key) || key.startsWith('__')) {
      throw new Error(`${where}: 'alertLabels' has '${key}', which is not a Prometheus label name: use letters, digits and '_', `
        + "not starting with a digit or '__', e.g. 'severity' or 'team'");
    }
  }
  resolveAlertThresholds(options.alertThresholds ?? {}, where);
  checkStatsdMappings(options.extraMappings ?? [], where);
}
