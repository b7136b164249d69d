import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { checkCidr, checkPort, NetworkPeer } from './network-peer';
import { NetworkPolicyEgressRule, NetworkPolicyOptions } from './network-policy-options';
import { TRIGGERER_LOG_PORT } from '../components/triggerer';
import { WEB_PORT } from '../components/web-ui';
import type { AirflowDeployment } from '../deployment';
import { REDIS_PORT } from '../executors/celery-broker';
import { FLOWER_PORT } from '../executors/celery-flower';
import { WORKER_LOG_PORT } from '../executors/celery-worker-pool';
import { EDGE_WORKER_COMPONENT } from '../executors/edge-worker-pool';
import { codePointOrder, COMPONENT_LABEL, INSTANCE_LABEL, kebabCase } from '../naming/airflow-names';
import { AirflowWarnings } from '../warnings';

/** The components that talk to the Celery broker. */
const BROKER_USERS = ['scheduler', 'worker', 'flower'];

/**
 * The pods one policy selects: every Airflow pod of one component, or one other workload's pods.
 * @internal
 */
export interface PodGroup {
  readonly name: string;
  readonly selector: { [key: string]: string };
  readonly airflow: boolean;
  readonly pods: kplus.AbstractPod[];
  readonly ingress: kplus.k8s.NetworkPolicyIngressRule[];
  readonly egress: kplus.k8s.NetworkPolicyEgressRule[];
}

/**
 * Something outside the deployment's pods that a flow starts or ends at.
 * @internal
 */
export enum FlowPeer {
  /** the external metadata database (`databaseEgress`) */
  DATABASE = 'external database',
  /** the external Celery broker (`brokerEgress`) */
  BROKER = 'external broker',
  /** the Kubernetes API server */
  KUBERNETES_API = 'Kubernetes API',
  /** who opens the UI and Flower (`uiIngressFrom`) */
  USERS = 'users',
  /** who scrapes metrics (`metricsScrapeFrom`) */
  SCRAPERS = 'Prometheus',
  /** KEDA's operator, querying the database */
  KEDA = 'KEDA operator',
  /** `extraEgress`: git hosts, object stores, what tasks call */
  EXTRA = 'extra egress',
  /** `dagSourceEgress`: where the writer of a populated DAG volume fetches DAGs (git host, S3) */
  DAG_SOURCE = 'DAG source',
}

/**
 * One connection the policies allow: from a component (the name of its policy) or a `FlowPeer`, to another.
 * @internal
 */
export interface NetworkFlow {
  readonly from: string;
  readonly to: string;
  /** the destination ports, e.g. `5432/TCP` */
  readonly ports: string[];
  /** true when both ends are pods of the deployment (the policies then carry a pod selector on both sides) */
  readonly podToPod: boolean;
}

/**
 * The pods of a deployment grouped the way the policies select them, their rules, and the flows those rules allow:
 * the one computation behind both the NetworkPolicies and the report's diagram.
 * @internal
 */
export function planNetwork(deployment: AirflowDeployment, props: NetworkPolicyOptions): { groups: PodGroup[]; flows: NetworkFlow[] } {
  // every pod of the deployment carries the release as its instance label.
  const instance = deployment.releaseName;
  const flows: NetworkFlow[] = [];
  const flow = (from: string, to: string, ports: string[], podToPod: boolean) => flows.push({ from, to, ports, podToPod });
  const allowEgress = (from: PodGroup, to: PodGroup, toPort: number, protocol: string = 'TCP') => {
    flow(from.name, to.name, [`${toPort}/${protocol}`], true);
    egressTo(from, to, toPort, protocol);
  };
  const allow = (from: PodGroup, to: PodGroup, toPort: number) => {
    allowEgress(from, to, toPort);
    to.ingress.push({ from: [{ podSelector: { matchLabels: { ...from.selector } } }], ports: [port(toPort)] });
  };
  const ingressFrom = (peer: FlowPeer, to: PodGroup, rule: kplus.k8s.NetworkPolicyIngressRule) => {
    flow(peer, to.name, (rule.ports ?? []).map(p => `${p.port!.value}/${p.protocol ?? 'TCP'}`), false);
    to.ingress.push(rule);
  };
  const egressRules = (rules: NetworkPolicyEgressRule[], prop: string, defaults: PodGroup[], peer: FlowPeer) => {
    for (const added of addEgressRules(groups, rules, prop, defaults)) flow(added.group.name, peer, added.ports, false);
  };
  const groups = discoverGroups(deployment, instance);
  const groupOf = (pod: kplus.AbstractPod) => groups.find(g => g.pods.includes(pod))!;
  const component = (name: string) => groups.find(g => g.airflow && g.name === name);
  const airflowGroups = groups.filter(g => g.airflow);
  // edge workers reach Airflow only over HTTP (Edge API, Execution API): no database, no PgBouncer.
  const databaseUsers = airflowGroups.filter(g => g.name !== EDGE_WORKER_COMPONENT);
  // every pod of the release, as the peer of an ingress rule (pods added later included). Pods that run no Airflow
  // code match it too, but their own policies allow them no egress to these ports, so no connection is opened.
  const airflowPeers = [{ podSelector: { matchLabels: { [INSTANCE_LABEL]: instance } } }];

  for (const group of groups) {
    group.egress.push({
      to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [port(53, 'UDP'), port(53, 'TCP')],
    });
  }

  // the metadata database: every Airflow pod, or with PgBouncer only PgBouncer and the migrations Job (the others
  // reach PgBouncer).
  const pgbouncer = deployment.pgbouncer ? groupOf(deployment.pgbouncer.deployment) : undefined;
  const migrations = groupOf(deployment.migrations.job);
  const databaseClients = pgbouncer ? [pgbouncer, migrations] : databaseUsers;
  if (pgbouncer) {
    const poolPort = deployment.pgbouncer!.port;
    for (const group of databaseUsers.filter(g => g !== migrations)) allowEgress(group, pgbouncer, poolPort);
    pgbouncer.ingress.push({ from: airflowPeers, ports: [port(poolPort)] });
  }
  const database = deployment.embeddedDatabase;
  if (database) {
    if (props.databaseEgress !== undefined) {
      throw new Error("'networkPolicies.databaseEgress' is for an external database, but the database is the embedded PostgreSQL "
        + '(allowed by its labels): remove databaseEgress');
    }
    const db = groupOf(database.statefulSet);
    const dbPort = database.service.port;
    for (const group of databaseClients) allowEgress(group, db, dbPort);
    const clients = pgbouncer
      ? databaseClients.map(g => ({ podSelector: { matchLabels: { ...g.selector } } }))
      : airflowPeers;
    db.ingress.push({ from: clients, ports: [port(dbPort)] });
    if (deployment.kedaAuthentication) {
      ingressFrom(FlowPeer.KEDA, db, { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'keda-operator' } } }], ports: [port(dbPort)] });
    }
  } else {
    if (props.databaseEgress === undefined || props.databaseEgress.length === 0) {
      throw new Error("'networkPolicies.databaseEgress' is required with an external database (MetadataDatabase.external), "
        + "which Airflow pods could not reach otherwise: give its addresses and port, e.g. [{ cidrs: ['10.0.5.0/24'], ports: [5432] }]");
    }
    egressRules(props.databaseEgress, 'networkPolicies.databaseEgress', databaseClients, FlowPeer.DATABASE);
  }

  // the Celery broker
  const celery = deployment.celeryExecutor;
  const brokerUsers = BROKER_USERS.map(component).filter((g): g is PodGroup => g !== undefined);
  const redis = celery?.broker.embedded;
  if (redis) {
    const broker = groupOf(redis.statefulSet);
    for (const user of brokerUsers) allowEgress(user, broker, REDIS_PORT);
    broker.ingress.push({ from: brokerUsers.map(u => ({ podSelector: { matchLabels: { ...u.selector } } })), ports: [port(REDIS_PORT)] });
  }
  if (celery && !redis) {
    if (props.brokerEgress === undefined || props.brokerEgress.length === 0) {
      throw new Error("'networkPolicies.brokerEgress' is required with an external Celery broker (CeleryBroker.external), "
        + "which the scheduler and workers could not reach otherwise: give its addresses and port, e.g. [{ cidrs: ['10.0.6.0/24'], ports: [6379] }]");
    }
    egressRules(props.brokerEgress, 'networkPolicies.brokerEgress', brokerUsers, FlowPeer.BROKER);
  } else if (props.brokerEgress !== undefined) {
    throw new Error(`'networkPolicies.brokerEgress' is for an external Celery broker, but ${celery ? 'the broker is the embedded Redis (allowed by its labels)' : "'executor' does not use Celery"}: `
      + 'remove brokerEgress');
  }

  // the Kubernetes API
  const apiUsers = groups.filter(g => g.pods.some(p => p.automountServiceAccountToken));
  if (apiUsers.length > 0) {
    const cidrs = props.kubernetesApiCidrs ?? [];
    if (cidrs.length === 0) {
      throw new Error(`'networkPolicies.kubernetesApiCidrs' is required: ${apiUsers.map(g => g.name).join(', ')} use the Kubernetes API, `
        + 'whose address differs per cluster: give the API server endpoints (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes), '
        + "e.g. ['172.18.0.2/32'], or ['0.0.0.0/0'] for any address on ports 443 and 6443");
    }
    cidrs.forEach(cidr => checkCidr(cidr, 'networkPolicies.kubernetesApiCidrs'));
    const clusterIps = cidrs.filter(cidr => KUBERNETES_SERVICE_IPS.includes(cidr.replace(/\/32$/, '')));
    if (clusterIps.length === cidrs.length) {
      AirflowWarnings.of(deployment).add(`'networkPolicies.kubernetesApiCidrs' holds only ${clusterIps.join(', ')}, the usual ClusterIP of the `
        + "'kubernetes' Service, but NetworkPolicies see the API server's endpoint addresses after the Service is translated: "
        + `${apiUsers.map(g => g.name).join(', ')} could not reach the API. Give the endpoints (kubectl get endpointslices -n default `
        + "-l kubernetes.io/service-name=kubernetes), or the control plane's subnet");
    }
    for (const group of apiUsers) {
      group.egress.push({ to: cidrs.map(cidr => ({ ipBlock: { cidr } })), ports: [port(443), port(6443)] });
      flow(group.name, FlowPeer.KUBERNETES_API, ['443/TCP', '6443/TCP'], false);
    }
  } else {
    (props.kubernetesApiCidrs ?? []).forEach(cidr => checkCidr(cidr, 'networkPolicies.kubernetesApiCidrs'));
  }

  // the UI and Flower, from users
  const uiPeers = (props.uiIngressFrom ?? [NetworkPeer.sameNamespace()]).map(p => p._toKube());
  const web = groupOf(deployment.webUi.deployment);
  const flower = celery?.flower ? groupOf(celery.flower.deployment) : undefined;
  if (uiPeers.length > 0) {
    ingressFrom(FlowPeer.USERS, web, { from: uiPeers, ports: [port(WEB_PORT)] });
    if (flower) ingressFrom(FlowPeer.USERS, flower, { from: uiPeers, ports: [port(FLOWER_PORT)] });
  }

  // the Execution API (Airflow 3) and log fetching
  // Celery workers and KubernetesExecutor task pods run tasks: they call the Execution API and serve running logs.
  // with `executionApiServer`, they call the Execution API server instead of the UI's.
  const executionApi = deployment.executionApiServer ? groupOf(deployment.executionApiServer.deployment) : web;
  for (const workers of ['worker', 'task'].map(component).filter((g): g is PodGroup => g !== undefined)) {
    if (deployment.version.isAirflow3) allow(workers, executionApi, WEB_PORT);
    allow(web, workers, WORKER_LOG_PORT);
  }
  if (deployment.triggerer) allow(web, groupOf(deployment.triggerer.deployment), TRIGGERER_LOG_PORT);
  // edge workers call the Edge API (a plugin of the UI's API server) and run tasks against the Execution API; they push
  // task logs to the Edge API and serve none.
  const edgeWorkers = component(EDGE_WORKER_COMPONENT);
  if (edgeWorkers) {
    allow(edgeWorkers, web, WEB_PORT);
    if (executionApi !== web) allow(edgeWorkers, executionApi, WEB_PORT);
  }

  // the StatsD exporter: every Airflow pod sends, Prometheus scrapes.
  const statsd = deployment.metrics;
  if (statsd) {
    const exporter = groupOf(statsd.deployment);
    for (const group of airflowGroups) allowEgress(group, exporter, statsd.ingestPort, 'UDP');
    exporter.ingress.push({ from: airflowPeers, ports: [port(statsd.ingestPort, 'UDP')] });
    const scrapers = (props.metricsScrapeFrom ?? [NetworkPeer.allNamespaces()]).map(p => p._toKube());
    if (scrapers.length > 0) ingressFrom(FlowPeer.SCRAPERS, exporter, { from: scrapers, ports: [port(statsd.metricsPort)] });
  }
  if (pgbouncer && deployment.pgbouncer!.exporterContainer) {
    const scrapers = (props.metricsScrapeFrom ?? [NetworkPeer.allNamespaces()]).map(p => p._toKube());
    if (scrapers.length > 0) ingressFrom(FlowPeer.SCRAPERS, pgbouncer, { from: scrapers, ports: [port(deployment.pgbouncer!.metricsPort)] });
  }

  egressRules(props.extraEgress ?? [], 'networkPolicies.extraEgress', airflowGroups, FlowPeer.EXTRA);

  // the writer of a populated DAG volume reaches its source (git host, S3), which only the user knows.
  const writer = groups.find(g => g.name === DAG_WRITER);
  if (writer) {
    if (props.dagSourceEgress === undefined || props.dagSourceEgress.length === 0) {
      throw new Error(`'networkPolicies.dagSourceEgress' is required: the ${DAG_WRITER} pod fills the DAG volume from its source (git host, S3), `
        + "which it could not reach otherwise: give its addresses and port, e.g. [{ cidrs: ['140.82.112.0/20'], ports: [443] }]");
    }
    egressRules(props.dagSourceEgress, 'networkPolicies.dagSourceEgress', [writer], FlowPeer.DAG_SOURCE);
  } else if (props.dagSourceEgress !== undefined) {
    throw new Error("'networkPolicies.dagSourceEgress' is for the writer of a populated DAG volume (EfsDagVolume or PvcDagSource with "
      + "'populatedBy'), which this deployment has not: remove dagSourceEgress, or use extraEgress for sync sidecars");
  }
  return { groups, flows };
}

/** The component of a populated DAG volume's writer (src/dags/pvc-dag-source.ts). */
const DAG_WRITER = 'dag-writer';

/**
 * The usual ClusterIP of the `kubernetes` Service (the first address of the Service range): kubeadm and kind
 * (10.96.0.0/12), EKS (10.100.0.0/16, 172.20.0.0/16), AKS (10.0.0.0/16), k3s (10.43.0.0/16), MicroK8s
 * (10.152.183.0/24), OpenShift (172.30.0.0/16), Kubespray (10.233.0.0/18), GKE Autopilot (34.118.224.0/20).
 */
const KUBERNETES_SERVICE_IPS = ['10.96.0.1', '10.100.0.1', '172.20.0.1', '10.0.0.1', '10.43.0.1', '10.152.183.1', '172.30.0.1', '10.233.0.1', '34.118.224.1'];

/** Every pod under the deployment (and the task pod template), grouped the way policies select them. */
function discoverGroups(deployment: AirflowDeployment, instance: string): PodGroup[] {
  const pods = deployment.node.findAll().filter((c): c is kplus.AbstractPod => c instanceof kplus.AbstractPod);
  if (deployment.kubernetesExecutor) pods.push(...deployment.kubernetesExecutor.allPodTemplates);
  const groups: PodGroup[] = [];
  for (const pod of pods) {
    const labels: { [key: string]: string } = pod.podMetadata.toJson().labels ?? {};
    const ours = labels[INSTANCE_LABEL] === instance && labels[COMPONENT_LABEL] !== undefined;
    // pods of the release by component; pods users added by all their labels (cdk8s-plus gives every pod a unique
    // `cdk8s.io/metadata.addr`).
    const selector = ours ? { [INSTANCE_LABEL]: instance, [COMPONENT_LABEL]: labels[COMPONENT_LABEL] } : { ...labels };
    const airflow = ours && deployment.recipe._isAirflowPod(pod);
    const key = JSON.stringify(Object.entries(selector).sort(([a], [b]) => codePointOrder(a, b)));
    const existing = groups.find(g => JSON.stringify(Object.entries(g.selector).sort(([a], [b]) => codePointOrder(a, b))) === key);
    if (existing) {
      existing.pods.push(pod);
      continue;
    }
    const base = labels[COMPONENT_LABEL] ?? kebabCase(ownerId(pod));
    let name = base;
    for (let n = 2; groups.some(g => g.name === name); n++) name = `${base}-${n}`;
    groups.push({ name, selector, airflow, pods: [pod], ingress: [], egress: [] });
  }
  return groups;
}

/** The id of the construct a pod belongs to: its own id, or its parent's when the pod is the `Resource` child. */
function ownerId(pod: IConstruct): string {
  return pod.node.id === 'Resource' && pod.node.scope ? pod.node.scope.node.id : pod.node.id;
}

function egressTo(from: PodGroup, to: PodGroup, toPort: number, protocol: string): void {
  from.egress.push({ to: [{ podSelector: { matchLabels: { ...to.selector } } }], ports: [port(toPort, protocol)] });
}

/** Checks user egress rules and adds them to the groups they name (or to `defaults`). */
function addEgressRules(groups: PodGroup[], rules: NetworkPolicyEgressRule[], prop: string,
  defaults: PodGroup[]): Array<{ group: PodGroup; ports: string[] }> {
  const added: Array<{ group: PodGroup; ports: string[] }> = [];
  rules.forEach((rule, i) => {
    const where = `${prop}[${i}]`;
    const cidrs = rule.cidrs ?? [];
    const peers = rule.peers ?? [];
    if (cidrs.length === 0 && peers.length === 0) {
      throw new Error(`'${where}' allows no destination: give 'cidrs' (e.g. ['10.0.0.0/16'], or ['0.0.0.0/0'] for any IPv4 address) `
        + "or 'peers' (e.g. [NetworkPeer.inNamespace('monitoring')])");
    }
    cidrs.forEach(cidr => checkCidr(cidr, `${where}.cidrs`));
    if (rule.ports.length === 0) {
      throw new Error(`'${where}.ports' is empty, which would allow every port: give the ports, e.g. [443]`);
    }
    rule.ports.forEach(p => checkPort(p, `${where}.ports`));
    const targets = rule.components === undefined ? defaults : rule.components.map(name => {
      const group = groups.find(g => g.name === name);
      if (!group) {
        throw new Error(`'${where}.components' names '${name}', which is no component of this deployment: use some of ${groups.map(g => g.name).join(', ')}`);
      }
      return group;
    });
    const protocol = rule.protocol ?? kplus.NetworkProtocol.TCP;
    for (const group of targets) {
      const to = [...cidrs.map(cidr => ({ ipBlock: { cidr } })), ...peers.map(p => p._toKube())];
      group.egress.push({ to, ports: rule.ports.map(p => port(p, protocol)) });
      added.push({ group, ports: rule.ports.map(p => `${p}/${protocol}`) });
    }
  });
  return added;
}

function port(number: number, protocol: string = 'TCP'): kplus.k8s.NetworkPolicyPort {
  return { port: kplus.k8s.IntOrString.fromNumber(number), protocol };
}
