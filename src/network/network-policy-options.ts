import * as kplus from 'cdk8s-plus-28';
import { NetworkPeer } from './network-peer';

/**
 * Outgoing connections some pods of the deployment may open: to addresses in CIDR blocks or to pods, on some ports.
 */
export interface NetworkPolicyEgressRule {
  /**
   * Where to: CIDR blocks, e.g. `['10.20.0.0/16']`, `['203.0.113.7/32']` for one address, `['0.0.0.0/0']` for any IPv4
   * address. NetworkPolicies match addresses, not host names: give the addresses your git host, S3 endpoint or
   * database resolve to (or a range covering them).
   *
   * @default - none: give `cidrs`, `peers` or both.
   */
  readonly cidrs?: string[];
  /**
   * Where to, inside the cluster: pods by namespace and labels, e.g.
   * `[NetworkPeer.podsInNamespace('monitoring', { 'app.kubernetes.io/name': 'opentelemetry-collector' })]` for an
   * OpenTelemetry collector (`metrics: AirflowMetrics.openTelemetry(...)`).
   *
   * @default - none: give `cidrs`, `peers` or both.
   */
  readonly peers?: NetworkPeer[];
  /** The destination ports, e.g. `[443]`. */
  readonly ports: number[];
  /**
   * The protocol of the ports.
   *
   * @default kplus.NetworkProtocol.TCP
   */
  readonly protocol?: kplus.NetworkProtocol;
  /**
   * Which pods may open these connections, by their `app.kubernetes.io/component` label, e.g. `['worker']`
   * (Celery workers and KubernetesExecutor task pods), `['dag-processor', 'triggerer']`, `['dags-writer']` (the
   * writer of `EfsDagVolume` / `PvcDagSource` with `populatedBy`). An unknown name fails the synth with the list of
   * the deployment's components.
   *
   * @default - every Airflow pod (every pod built from the pod recipe, task pods included); for `brokerEgress`,
   * the pods that use the broker (scheduler, Celery workers, Flower); for `databaseEgress` with `pgbouncer`, PgBouncer
   * and the migrations Job.
   */
  readonly components?: string[];
}

/**
 * Kubernetes NetworkPolicies for an `AirflowDeployment`: every pod is isolated (no ingress, no egress), then only
 * the connections Airflow needs are allowed.
 */
export interface NetworkPolicyOptions {
  /**
   * The addresses of the Kubernetes API server, reached on TCP 443 and 6443 by the pods that use the API (those with
   * a ServiceAccount token: the scheduler and the UI with the KubernetesExecutor, the secret generator Job, the pod
   * cleanup CronJob). Required when any pod uses the API.
   *
   * The address differs per cluster and NetworkPolicies see it after the `kubernetes` Service is translated, so give
   * the endpoints: `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes` (e.g.
   * `['172.18.0.2/32']`, or the control plane's subnet on EKS, GKE and AKS). `['0.0.0.0/0']` allows any address on
   * those two ports.
   *
   * @default - none: an error when a pod of the deployment uses the Kubernetes API.
   */
  readonly kubernetesApiCidrs?: string[];
  /**
   * Where the external metadata database is (`MetadataDatabase.external`), e.g.
   * `[{ cidrs: ['10.0.5.0/24'], ports: [5432] }]`. Required with an external database, refused with the embedded one
   * (whose pod is allowed by label). With `pgbouncer`, rules without `components` apply to PgBouncer and the
   * migrations Job, the only pods that connect to the database then.
   *
   * @default - none: an error with an external database.
   */
  readonly databaseEgress?: NetworkPolicyEgressRule[];
  /**
   * Where the external Celery broker is (`CeleryBroker.external`), e.g. `[{ cidrs: ['10.0.6.0/24'], ports: [6379] }]`.
   * Required with an external broker, refused otherwise.
   *
   * @default - none: an error with an external Celery broker.
   */
  readonly brokerEgress?: NetworkPolicyEgressRule[];
  /**
   * Who may open the UI (API server or webserver, port 8080) and Flower (port 5555). Add the namespace of your
   * ingress controller or Gateway, e.g. `[NetworkPeer.sameNamespace(), NetworkPeer.inNamespace('ingress-nginx')]`, or a
   * load balancer's addresses with `NetworkPeer.cidr(...)`. `kubectl port-forward` works regardless: it does not go
   * through the pod network.
   *
   * @default [NetworkPeer.sameNamespace()]: every pod in the deployment's namespace.
   */
  readonly uiIngressFrom?: NetworkPeer[];
  /**
   * Who may scrape the StatsD exporter's metrics (port 9102), with `metrics: AirflowMetrics.statsd()`, and PgBouncer's
   * exporter (port 9127), with `pgbouncer`. Airflow pods send to the StatsD exporter on UDP 9125 in any case.
   *
   * @default [NetworkPeer.allNamespaces()]: any pod of the cluster (Prometheus usually runs in a namespace of its own).
   */
  readonly metricsScrapeFrom?: NetworkPeer[];
  /**
   * More outgoing connections: the git host of a git-sync source, S3 (or its VPC endpoint) for an S3 sync source,
   * an OpenTelemetry collector, the systems your tasks talk to, a node-local DNS cache (`169.254.20.10/32`, UDP and
   * TCP 53).
   *
   * @default - none.
   */
  readonly extraEgress?: NetworkPolicyEgressRule[];
  /**
   * Where the writer of a populated DAG volume (`EfsDagVolume` / `PvcDagSource` with `populatedBy`, the
   * `<release>-dag-writer` pod) fetches DAGs from: the git host, or S3 (or its VPC endpoint, or MinIO), e.g.
   * `[{ cidrs: ['140.82.112.0/20'], ports: [443] }]`. Required when the deployment has a DAG writer, which could reach
   * only DNS otherwise. Rules with `components` apply to those components instead.
   *
   * @default - none: an error when the deployment has a DAG writer.
   */
  readonly dagSourceEgress?: NetworkPolicyEgressRule[];
}
