import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NetworkFlow, planNetwork } from './network-plan';
import { NetworkPolicyOptions } from './network-policy-options';
import type { AirflowDeployment } from '../deployment';
import { AirflowNames, INSTANCE_LABEL } from '../naming/airflow-names';

/**
 * Props for `AirflowNetworkPolicies`.
 */
export interface AirflowNetworkPoliciesProps extends NetworkPolicyOptions {
  /**
   * The deployment whose pods to isolate. Create the policies once everything is in it (`AirflowDeployment` does, with
   * `networkPolicies`): they cover the pods that exist then, plus any pod built later from the pod recipe.
   */
  readonly deployment: AirflowDeployment;
}

/**
 * NetworkPolicies isolating every pod of an `AirflowDeployment`, then allowing only the connections Airflow needs.
 *
 * `DefaultDeny` selects every Airflow pod by its `app.kubernetes.io/instance` label (task pods created later from the
 * pod template included) and denies all ingress and egress. Then one policy per component (selected by the
 * `app.kubernetes.io/instance` and `app.kubernetes.io/component` labels the pod recipe sets; other pods, such as the
 * embedded database, by their own labels) denies everything but:
 *
 * - DNS to kube-dns (pods labelled `k8s-app: kube-dns` in any namespace, UDP and TCP 53), for every pod;
 * - every Airflow pod to the metadata database (the embedded PostgreSQL's pod on 5432, or `databaseEgress`); the
 *   database accepts every Airflow pod, and KEDA's operator (`app: keda-operator`, any namespace) when KEDA scales on it;
 *   with `pgbouncer`, Airflow pods reach PgBouncer (6543) instead, and only PgBouncer and the migrations Job the database
 *   (`databaseEgress` then applies to those two by default); `metricsScrapeFrom` may scrape PgBouncer's exporter (9127);
 * - with Celery, the scheduler, the workers and Flower to the broker (the embedded Redis on 6379, or `brokerEgress`);
 * - pods with a Kubernetes API token (the scheduler and the UI with the KubernetesExecutor, the secret generator,
 *   the pod cleanup) to `kubernetesApiCidrs` on TCP 443 and 6443;
 * - the UI (8080) and Flower (5555) from `uiIngressFrom`;
 * - on Airflow 3, workers and task pods (component `worker`) to the API server's Execution API (8080);
 * - the UI to the workers and task pods (8793) and the triggerer (8794), to read logs;
 * - with `metrics: AirflowMetrics.statsd()`, every Airflow pod to the StatsD exporter (UDP 9125), and
 *   `metricsScrapeFrom` to its metrics port (9102);
 * - `extraEgress` (e.g. the git host, S3, an OpenTelemetry collector, what tasks call).
 *
 * Kubelet probes are not affected (traffic from the pod's node is always allowed). NetworkPolicies need a network
 * plugin that enforces them (Calico, Cilium, the AWS VPC CNI with network policies on, GKE Dataplane V2, ...). A DNS
 * service whose pods are not labelled `k8s-app: kube-dns` (OpenShift) or a node-local DNS cache needs an
 * `extraEgress` rule.
 */
export class AirflowNetworkPolicies extends Construct {
  /** The policy denying all ingress and egress of every Airflow pod (the other policies then allow flows). */
  public readonly defaultDeny: kplus.k8s.KubeNetworkPolicy;
  private readonly policies = new Map<string, kplus.k8s.KubeNetworkPolicy>();

  /**
   * Who talks to whom, as these policies allow it (the report's diagram draws the same list).
   * @internal
   */
  public readonly _flows: NetworkFlow[];

  constructor(scope: Construct, id: string, props: AirflowNetworkPoliciesProps) {
    super(scope, id);
    const deployment = props.deployment;
    const instance = deployment.releaseName;
    const { groups, flows } = planNetwork(deployment, props);
    this._flows = flows;

    const names = AirflowNames.of(this);
    this.defaultDeny = new kplus.k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: names.metadata(this, 'NetworkPolicy', 'default-deny'),
      spec: { podSelector: { matchLabels: { [INSTANCE_LABEL]: instance } }, policyTypes: ['Ingress', 'Egress'] },
    });
    for (const group of groups) {
      this.policies.set(group.name, new kplus.k8s.KubeNetworkPolicy(this, pascalCase(group.name), {
        metadata: names.metadata(this, 'NetworkPolicy', group.name),
        spec: {
          podSelector: { matchLabels: { ...group.selector } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: group.ingress.length > 0 ? group.ingress : undefined,
          egress: group.egress,
        },
      }));
    }
  }

  /**
   * The policy of the pods of one component (`scheduler`, `worker`, `metadata-database`, `secret-generator`, ...),
   * or undefined when the deployment has no such pods.
   */
  public policyFor(component: string): kplus.k8s.KubeNetworkPolicy | undefined {
    return this.policies.get(component);
  }

  /** The components with a policy, in the order the policies were created. */
  public get components(): string[] {
    return [...this.policies.keys()];
  }
}

function pascalCase(name: string): string {
  return name.split(/[^A-Za-z0-9]+/).filter(p => p !== '').map(p => p[0].toUpperCase() + p.slice(1)).join('');
}
