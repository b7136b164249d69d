import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import {
  AirflowAuth, AirflowDeployment, AirflowDeploymentProps, AirflowExecutor, AirflowMetrics, AirflowNetworkPolicies, AirflowVersion, CeleryBroker,
  EfsDagVolume, GitSyncSidecar, MetadataDatabase, NetworkPeer, NetworkPolicyOptions, WorkerAutoscaling,
} from '../../src';
import { expectValidManifests, podSpecsOf } from '../support/manifests';
import { synthDeployment, testChart } from '../support/synth';

const INSTANCE = 'app.kubernetes.io/instance';
const COMPONENT = 'app.kubernetes.io/component';
const API = ['10.0.0.1/32'];
const DNS = 'kube-dns UDP/53,TCP/53';
const DB = 'postgresql TCP/5432';
const KUBE_API = '10.0.0.1/32 TCP/443,TCP/6443';

const policies = (manifests: any[]) => manifests.filter(m => m.kind === 'NetworkPolicy');

/** The policy of one component (by the component label of its pod selector). */
function policyOf(manifests: any[], component: string): any {
  const byLabel = policies(manifests).filter(p => p.spec.podSelector.matchLabels?.[COMPONENT] === component);
  // pods without a component label (the secret generator) have a policy named after them.
  const found = byLabel.length > 0 ? byLabel : policies(manifests).filter(p => p.metadata.name.includes(`-networkpolicies-${component.replace(/-/g, '')}-`));
  if (found.length !== 1) throw new Error(`expected one policy for '${component}', found ${found.length}`);
  return found[0];
}

/** A readable name for a peer. */
function peerName(peer: any): string {
  if (peer.ipBlock) return peer.ipBlock.cidr;
  const pods = peer.podSelector?.matchLabels ?? {};
  const namespaces = peer.namespaceSelector?.matchLabels;
  if (namespaces?.['kubernetes.io/metadata.name']) {
    const ns = `ns:${namespaces['kubernetes.io/metadata.name']}`;
    return Object.keys(pods).length === 0 ? ns : `${ns}/${JSON.stringify(pods)}`;
  }
  if (peer.namespaceSelector && !peer.podSelector && Object.keys(peer.namespaceSelector).length === 0) return 'cluster';
  if (peer.namespaceSelector) return pods['k8s-app'] ?? pods.app ?? JSON.stringify(peer);
  if (pods[COMPONENT]) return pods[COMPONENT];
  if (pods[INSTANCE]) return 'airflow';
  return Object.keys(pods).length === 0 ? 'namespace' : JSON.stringify(pods);
}

const rule = (peers: any[], ports: any[]) => `${peers.map(peerName).join('|')} ${ports.map(p => `${p.protocol}/${p.port}`).join(',')}`;

/** `{ ingress, egress }` of a component's policy as `peer PROTOCOL/port` strings. */
function flows(manifests: any[], component: string): { ingress: string[]; egress: string[] } {
  const spec = policyOf(manifests, component).spec;
  expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
  return {
    ingress: (spec.ingress ?? []).map((r: any) => rule(r.from, r.ports)),
    egress: (spec.egress ?? []).map((r: any) => rule(r.to, r.ports)),
  };
}

function selects(selector: any, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Every pod (task pod template included) is selected by policies, all of which isolate ingress and egress. */
function expectEveryPodIsolated(manifests: any[]): void {
  const all = policies(manifests);
  for (const pod of podSpecsOf(manifests)) {
    const selecting = all.filter(p => selects(p.spec.podSelector, pod.metadata.labels));
    expect(selecting.length, `${pod.where} is selected by no NetworkPolicy`).toBeGreaterThan(0);
    for (const p of selecting) expect(p.spec.policyTypes, p.metadata.name).toEqual(['Ingress', 'Egress']);
  }
}

function synth(props: AirflowDeploymentProps, networkPolicies: NetworkPolicyOptions = { kubernetesApiCidrs: API }) {
  return synthDeployment({ ...props, networkPolicies });
}

describe('NetworkPolicies on Airflow 3 with the KubernetesExecutor', () => {
  const { manifests, airflow } = synth({});

  test('every object validates (schemas, references incl. policy selectors, restricted pods)', () => {
    expectValidManifests(manifests);
  });

  test('DefaultDeny isolates every Airflow pod by its instance label, and every pod has a policy', () => {
    const deny = policies(manifests).find(p => p.metadata.name === airflow.networkPolicies!.defaultDeny.name);
    expect(deny.spec).toEqual({ podSelector: { matchLabels: { [INSTANCE]: expect.any(String) } }, policyTypes: ['Ingress', 'Egress'] });
    expectEveryPodIsolated(manifests);
    expect(airflow.networkPolicies!.components).toEqual([
      'postgresql', 'migrate', 'api-server', 'scheduler', 'triggerer', 'dag-processor', 'secret-generator', 'task',
    ]);
  });

  test('exactly the flows Airflow needs', () => {
    expect(flows(manifests, 'api-server')).toEqual({
      ingress: ['namespace TCP/8080', 'task TCP/8080'],
      egress: [DNS, DB, KUBE_API, 'task TCP/8793', 'triggerer TCP/8794'],
    });
    expect(flows(manifests, 'scheduler')).toEqual({ ingress: [], egress: [DNS, DB, KUBE_API] });
    expect(flows(manifests, 'triggerer')).toEqual({ ingress: ['api-server TCP/8794'], egress: [DNS, DB] });
    expect(flows(manifests, 'dag-processor')).toEqual({ ingress: [], egress: [DNS, DB] });
    expect(flows(manifests, 'migrate')).toEqual({ ingress: [], egress: [DNS, DB] });
    // task pods: the Execution API, the database; the UI reads their logs.
    expect(flows(manifests, 'task')).toEqual({ ingress: ['api-server TCP/8793'], egress: [DNS, DB, 'api-server TCP/8080'] });
    expect(flows(manifests, 'postgresql')).toEqual({ ingress: ['airflow TCP/5432'], egress: [DNS] });
    expect(flows(manifests, 'secret-generator')).toEqual({ ingress: [], egress: [DNS, KUBE_API] });
  });

  test('the triggerer and the dag-processor cannot reach the API server (both sides would have to allow it)', () => {
    for (const component of ['triggerer', 'dag-processor', 'scheduler']) {
      expect(flows(manifests, component).egress.some(e => e.startsWith('api-server'))).toBe(false);
    }
    expect(flows(manifests, 'api-server').ingress.filter(i => !i.startsWith('namespace'))).toEqual(['task TCP/8080']);
  });

  test('the task pod policy selects the pod template the scheduler launches pods from', () => {
    const task = policyOf(manifests, 'task');
    const template = podSpecsOf(manifests).find(p => p.where.includes('pod_template_file.yaml'))!;
    expect(selects(task.spec.podSelector, template.metadata.labels)).toBe(true);
    expect(task.spec.podSelector.matchLabels).toEqual({ [INSTANCE]: template.metadata.labels[INSTANCE], [COMPONENT]: 'task' });
  });

  test('byte-identical run to run', () => {
    expect(JSON.stringify(synth({}).manifests)).toBe(JSON.stringify(manifests));
  });
});

describe('NetworkPolicies on Airflow 2 with the KubernetesExecutor', () => {
  const { manifests } = synth({ airflowVersion: AirflowVersion.V2_11_0 });

  test('validates, isolates every pod', () => {
    expectValidManifests(manifests);
    expectEveryPodIsolated(manifests);
  });

  test('the webserver reads logs and the Kubernetes API; task pods have no Execution API to call', () => {
    expect(flows(manifests, 'webserver')).toEqual({
      ingress: ['namespace TCP/8080'],
      egress: [DNS, DB, KUBE_API, 'task TCP/8793', 'triggerer TCP/8794'],
    });
    expect(flows(manifests, 'task')).toEqual({ ingress: ['webserver TCP/8793'], egress: [DNS, DB] });
    expect(policies(manifests).some(p => p.spec.podSelector.matchLabels?.[COMPONENT] === 'dag-processor')).toBe(false);
  });
});

describe.each([AirflowVersion.V3_2_2, AirflowVersion.V2_11_0])('NetworkPolicies with Celery on Airflow %s', (airflowVersion) => {
  const { manifests } = synth({ airflowVersion, executor: AirflowExecutor.celery({ flower: {} }) });
  const web = airflowVersion.isAirflow3 ? 'api-server' : 'webserver';

  test('validates, isolates every pod', () => {
    expectValidManifests(manifests);
    expectEveryPodIsolated(manifests);
  });

  test('the scheduler, workers and Flower reach the embedded Redis, nobody else', () => {
    expect(flows(manifests, 'redis')).toEqual({ ingress: ['scheduler|worker|flower TCP/6379'], egress: [DNS] });
    expect(flows(manifests, 'scheduler').egress).toEqual([DNS, DB, 'redis TCP/6379']);
    expect(flows(manifests, 'flower')).toEqual({ ingress: ['namespace TCP/5555'], egress: [DNS, DB, 'redis TCP/6379'] });
    expect(flows(manifests, 'worker')).toEqual({
      ingress: [`${web} TCP/8793`],
      egress: [DNS, DB, 'redis TCP/6379', ...(airflowVersion.isAirflow3 ? [`${web} TCP/8080`] : [])],
    });
    for (const component of [web, 'triggerer']) {
      expect(flows(manifests, component).egress.some(e => e.startsWith('redis'))).toBe(false);
    }
  });

  test('without the KubernetesExecutor the scheduler and the UI get no API access; the secret generator does', () => {
    expect(flows(manifests, 'scheduler').egress).not.toContain(KUBE_API);
    expect(flows(manifests, web).egress).toEqual([DNS, DB, 'worker TCP/8793', 'triggerer TCP/8794']);
    expect(flows(manifests, 'secret-generator').egress).toEqual([DNS, KUBE_API]);
  });
});

describe('NetworkPolicies with external services and user rules', () => {
  test('an external database and broker through the declared CIDRs, validated', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'S', 'airflow-conns');
    const airflow = new AirflowDeployment(chart, 'Airflow', {
      database: MetadataDatabase.external({ connection: { secret, key: 'db' } }),
      executor: AirflowExecutor.celery({ broker: CeleryBroker.external({ url: { secret, key: 'broker' } }) }),
      secrets: { fernetKey: { secret, key: 'fernet' }, apiSecretKey: { secret, key: 'api' }, jwtSecret: { secret, key: 'jwt' } },
      auth: AirflowAuth.simple({ passwords: { secret, key: 'passwords.json' } }),
      networkPolicies: {
        databaseEgress: [{ cidrs: ['10.0.5.0/24', '2001:db8::/64'], ports: [5432] }],
        brokerEgress: [{ cidrs: ['10.0.6.10/32'], ports: [6380] }],
      },
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['airflow-conns'] } });
    expectEveryPodIsolated(manifests);
    // nothing uses the Kubernetes API: no secret generator, no KubernetesExecutor, so no kubernetesApiCidrs needed.
    expect(airflow.networkPolicies!.components).toEqual(['worker', 'migrate', 'api-server', 'scheduler', 'triggerer', 'dag-processor']);
    const externalDb = '10.0.5.0/24|2001:db8::/64 TCP/5432';
    expect(flows(manifests, 'scheduler').egress).toEqual([DNS, externalDb, '10.0.6.10/32 TCP/6380']);
    expect(flows(manifests, 'worker').egress).toEqual([DNS, externalDb, '10.0.6.10/32 TCP/6380', 'api-server TCP/8080']);
    expect(flows(manifests, 'triggerer').egress).toEqual([DNS, externalDb]);
    expect(flows(manifests, 'api-server').egress).toEqual([DNS, externalDb, 'worker TCP/8793', 'triggerer TCP/8794']);
  });

  test('extra egress: every Airflow pod by default, or the components named; UDP; the DAG writer by name', () => {
    const chart = testChart();
    const dags = new EfsDagVolume(chart, 'Dags', {
      fileSystemId: 'fs-0123456789abcdef0',
      populatedBy: new GitSyncSidecar({ repo: 'https://github.com/example/dags.git' }),
    });
    new AirflowDeployment(chart, 'Airflow', {
      dagSource: dags,
      networkPolicies: {
        kubernetesApiCidrs: API,
        extraEgress: [
          { cidrs: ['169.254.20.10/32'], ports: [53], protocol: kplus.NetworkProtocol.UDP },
          { cidrs: ['0.0.0.0/0'], ports: [443], components: ['task', 'triggerer'] },
        ],
        dagSourceEgress: [{ cidrs: ['140.82.112.0/20'], ports: [443, 22] }],
      },
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests);
    expectEveryPodIsolated(manifests);
    const nodeLocalDns = '169.254.20.10/32 UDP/53';
    expect(flows(manifests, 'dag-writer')).toEqual({ ingress: [], egress: [DNS, '140.82.112.0/20 TCP/443,TCP/22'] });
    expect(flows(manifests, 'task').egress).toEqual([DNS, DB, 'api-server TCP/8080', nodeLocalDns, '0.0.0.0/0 TCP/443']);
    expect(flows(manifests, 'triggerer').egress).toEqual([DNS, DB, nodeLocalDns, '0.0.0.0/0 TCP/443']);
    expect(flows(manifests, 'scheduler').egress).toEqual([DNS, DB, KUBE_API, nodeLocalDns]);
    // not Airflow pods: only when named.
    expect(flows(manifests, 'postgresql').egress).toEqual([DNS]);
    expect(flows(manifests, 'secret-generator').egress).toEqual([DNS, KUBE_API]);
  });

  test('UI ingress from the peers given (the namespace default replaced), or from nobody', () => {
    const { manifests } = synth({ executor: AirflowExecutor.celery({ flower: {} }) }, {
      kubernetesApiCidrs: API,
      uiIngressFrom: [
        NetworkPeer.inNamespace('ingress-nginx'),
        NetworkPeer.podsInNamespace('gateway', { app: 'envoy' }),
        NetworkPeer.pods({ app: 'oauth2-proxy' }),
        NetworkPeer.cidr('192.0.2.0/24'),
      ],
    });
    expectValidManifests(manifests);
    const peers = 'ns:ingress-nginx|ns:gateway/{"app":"envoy"}|{"app":"oauth2-proxy"}|192.0.2.0/24';
    expect(flows(manifests, 'api-server').ingress).toEqual([`${peers} TCP/8080`, 'worker TCP/8080']);
    expect(flows(manifests, 'flower').ingress).toEqual([`${peers} TCP/5555`]);

    const closed = synth({}, { kubernetesApiCidrs: API, uiIngressFrom: [] }).manifests;
    expect(flows(closed, 'api-server').ingress).toEqual(['task TCP/8080']);
  });

  test.each([AirflowVersion.V3_2_2, AirflowVersion.V2_11_0])('StatsD metrics on Airflow %s: every Airflow pod sends, Prometheus scrapes', (airflowVersion) => {
    const { manifests } = synth({ airflowVersion, metrics: AirflowMetrics.statsd() });
    expectValidManifests(manifests);
    expectEveryPodIsolated(manifests);
    expect(flows(manifests, 'statsd')).toEqual({ ingress: ['airflow UDP/9125', 'cluster TCP/9102'], egress: [DNS] });
    const exporter = policyOf(manifests, 'statsd').spec.ingress[1].from;
    expect(exporter).toEqual([{ namespaceSelector: {} }]);
    const web = airflowVersion.isAirflow3 ? 'api-server' : 'webserver';
    for (const component of ['scheduler', 'triggerer', 'task', 'migrate', web]) {
      expect(flows(manifests, component).egress).toContain('statsd UDP/9125');
    }
    expect(flows(manifests, 'secret-generator').egress).not.toContain('statsd UDP/9125');

    const scrapedByPrometheus = synth({ airflowVersion, metrics: AirflowMetrics.statsd() }, {
      kubernetesApiCidrs: API, metricsScrapeFrom: [NetworkPeer.podsInNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' })],
    }).manifests;
    expect(flows(scrapedByPrometheus, 'statsd').ingress).toEqual(['airflow UDP/9125', 'ns:monitoring/{"app.kubernetes.io/name":"prometheus"} TCP/9102']);
    const notScraped = synth({ airflowVersion, metrics: AirflowMetrics.statsd() }, { kubernetesApiCidrs: API, metricsScrapeFrom: [] }).manifests;
    expect(flows(notScraped, 'statsd').ingress).toEqual(['airflow UDP/9125']);
  });

  test('egress to pods in other namespaces, e.g. an OpenTelemetry collector', () => {
    const { manifests } = synth({ metrics: AirflowMetrics.openTelemetry({ endpoint: 'http://otel-collector.monitoring:4318' }) }, {
      kubernetesApiCidrs: API,
      extraEgress: [{ peers: [NetworkPeer.podsInNamespace('monitoring', { app: 'otel-collector' })], ports: [4318] }],
    });
    expectValidManifests(manifests);
    expect(flows(manifests, 'scheduler').egress).toEqual([DNS, DB, KUBE_API, 'ns:monitoring/{"app":"otel-collector"} TCP/4318']);
  });

  test('KEDA reaches the embedded database from its own namespace', () => {
    const { manifests } = synth({ executor: AirflowExecutor.celery({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.keda() }] }) });
    expectValidManifests(manifests);
    expect(flows(manifests, 'postgresql').ingress).toEqual(['airflow TCP/5432', 'keda-operator TCP/5432']);
  });

  test('maintenance jobs: the database cleanup reaches the database, the pod cleanup also the Kubernetes API', () => {
    const { manifests } = synth({ maintenance: { databaseCleanup: {}, podCleanup: {} } });
    expectValidManifests(manifests);
    expectEveryPodIsolated(manifests);
    expect(flows(manifests, 'db-cleanup')).toEqual({ ingress: [], egress: [DNS, DB] });
    expect(flows(manifests, 'pod-cleanup')).toEqual({ ingress: [], egress: [DNS, DB, KUBE_API] });
  });

  test('task pods with an API token get the Kubernetes API too', () => {
    const { manifests } = synth({ executor: AirflowExecutor.kubernetes({ automountServiceAccountToken: true }) });
    expect(flows(manifests, 'task').egress).toEqual([DNS, DB, KUBE_API, 'api-server TCP/8080']);
  });

  test('off by default', () => {
    expect(policies(synthDeployment().manifests)).toEqual([]);
  });

  test('standalone, after the deployment: covers pods added to it since', () => {
    const chart = testChart();
    const airflow = new AirflowDeployment(chart, 'Airflow');
    new kplus.Deployment(airflow, 'Extra', {
      containers: [{ image: 'nginx', securityContext: { ensureNonRoot: true, user: 1000 } }],
    });
    const net = new AirflowNetworkPolicies(chart, 'Network', { deployment: airflow, kubernetesApiCidrs: API });
    expect(net.components).toContain('extra');
    expect(net.policyFor('extra')).toBeDefined();
    expect(net.policyFor('flower')).toBeUndefined();
    const manifests = Testing.synth(chart);
    expect(flows(manifests, 'scheduler').egress).toEqual([DNS, DB, KUBE_API]);
    const extra = policies(manifests).find(p => p.metadata.name === 'airflow-extra');
    expect(extra.spec.egress).toHaveLength(1);
    expect(extra.spec.ingress).toBeUndefined();
  });
});

describe.each([AirflowVersion.V3_2_2, AirflowVersion.V2_11_0])('NetworkPolicies with PgBouncer on Airflow %s', (airflowVersion) => {
  const PGB = 'pgbouncer TCP/6543';
  const web = airflowVersion.isAirflow3 ? 'api-server' : 'webserver';
  const { manifests, airflow } = synth({ airflowVersion, pgbouncer: {} });

  test('validates, isolates every pod, PgBouncer included', () => {
    expectValidManifests(manifests);
    expectEveryPodIsolated(manifests);
    expect(airflow.networkPolicies!.components.filter(c => c !== 'create-admin').slice(0, 3)).toEqual(['postgresql', 'pgbouncer', 'migrate']);
  });

  test('Airflow pods reach PgBouncer, only PgBouncer and the migrations Job reach the database', () => {
    expect(flows(manifests, 'pgbouncer')).toEqual({ ingress: ['airflow TCP/6543', 'cluster TCP/9127'], egress: [DNS, DB] });
    expect(flows(manifests, 'postgresql')).toEqual({ ingress: ['pgbouncer|migrate TCP/5432'], egress: [DNS] });
    expect(flows(manifests, 'migrate')).toEqual({ ingress: [], egress: [DNS, DB] });
    expect(flows(manifests, 'scheduler').egress).toEqual([DNS, PGB, KUBE_API]);
    expect(flows(manifests, 'triggerer').egress).toEqual([DNS, PGB]);
    expect(flows(manifests, web).egress).toEqual([DNS, PGB, KUBE_API, 'task TCP/8793', 'triggerer TCP/8794']);
    expect(flows(manifests, 'task').egress).toEqual([DNS, PGB, ...(airflowVersion.isAirflow3 ? ['api-server TCP/8080'] : [])]);
    for (const component of airflow.networkPolicies!.components.filter(c => !['pgbouncer', 'migrate'].includes(c))) {
      expect(flows(manifests, component).egress, component).not.toContain(DB);
    }
  });

  test('an external database: databaseEgress applies to PgBouncer and the migrations Job, or to the components named', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'S', 'airflow-db');
    const database = MetadataDatabase.external({ connection: { secret, key: 'url' } });
    new AirflowDeployment(chart, 'Airflow', {
      airflowVersion,
      database,
      pgbouncer: {},
      networkPolicies: { kubernetesApiCidrs: API, databaseEgress: [{ cidrs: ['10.0.5.0/24'], ports: [5432] }], metricsScrapeFrom: [] },
    });
    const external = Testing.synth(chart);
    expectValidManifests(external, { external: { secrets: ['airflow-db'] } });
    expectEveryPodIsolated(external);
    const externalDb = '10.0.5.0/24 TCP/5432';
    expect(flows(external, 'pgbouncer')).toEqual({ ingress: ['airflow TCP/6543'], egress: [DNS, externalDb] });
    expect(flows(external, 'migrate').egress).toEqual([DNS, externalDb]);
    expect(flows(external, 'scheduler').egress).toEqual([DNS, PGB, KUBE_API]);

    const named = synth({ airflowVersion, database, pgbouncer: { metricsExporter: false } }, {
      kubernetesApiCidrs: API, databaseEgress: [{ cidrs: ['10.0.5.0/24'], ports: [5432], components: ['pgbouncer'] }],
    }).manifests;
    expect(flows(named, 'pgbouncer')).toEqual({ ingress: ['airflow TCP/6543'], egress: [DNS, externalDb] });
    expect(flows(named, 'migrate').egress).toEqual([DNS]);
  });
});

test('NetworkPolicies with PgBouncer and KEDA: KEDA still reaches the embedded database itself', () => {
  const { manifests } = synth({ pgbouncer: {}, executor: AirflowExecutor.celery({ pools: [{ name: 'default', autoscaling: WorkerAutoscaling.keda() }] }) });
  expectValidManifests(manifests);
  expect(flows(manifests, 'postgresql').ingress).toEqual(['pgbouncer|migrate TCP/5432', 'keda-operator TCP/5432']);
});

describe('NetworkPolicies errors', () => {
  const throws = (props: AirflowDeploymentProps, message: string) => expect(() => synthDeployment(props)).toThrow(message);

  test('the Kubernetes API address is required when a pod uses the API', () => {
    throws({ networkPolicies: {} },
      "'networkPolicies.kubernetesApiCidrs' is required: api-server, scheduler, secret-generator use the Kubernetes API, "
      + 'whose address differs per cluster: give the API server endpoints (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes), '
      + "e.g. ['172.18.0.2/32'], or ['0.0.0.0/0'] for any address on ports 443 and 6443");
    throws({ networkPolicies: { kubernetesApiCidrs: [] } }, "'networkPolicies.kubernetesApiCidrs' is required: api-server, scheduler, secret-generator use");
  });

  test.each([
    ['no prefix length', '10.0.0.1'],
    ['an octet over 255', '10.0.0.256/32'],
    ['a prefix over 32', '10.0.0.0/33'],
    ['a host name', 'kubernetes.default/32'],
    ['an IPv6 prefix over 128', '2001:db8::/129'],
    ['two ::', '2001::db8::1/128'],
  ])('a CIDR with %s', (_, cidr) => {
    throws({ networkPolicies: { kubernetesApiCidrs: [cidr] } },
      `'networkPolicies.kubernetesApiCidrs' must be a CIDR block (an address and a prefix length), got '${cidr}': `
      + "write e.g. '10.0.0.0/16', '203.0.113.7/32' for one address, or '2001:db8::/64'");
  });

  test('a bad CIDR in an egress rule, also when no pod uses the Kubernetes API', () => {
    throws({ networkPolicies: { kubernetesApiCidrs: API, extraEgress: [{ cidrs: ['10.0.0.0/8'], ports: [443] }, { cidrs: ['10.1.0.0/16', 'git.example.com'], ports: [443] }] } },
      "'networkPolicies.extraEgress[1].cidrs' must be a CIDR block (an address and a prefix length), got 'git.example.com'");
  });

  test('egress rules without CIDRs or ports, or with ports out of range', () => {
    for (const destination of [{ cidrs: [] }, {}, { cidrs: [], peers: [] }]) {
      throws({ networkPolicies: { kubernetesApiCidrs: API, extraEgress: [{ ...destination, ports: [443] }] } },
        "'networkPolicies.extraEgress[0]' allows no destination: give 'cidrs' (e.g. ['10.0.0.0/16'], or ['0.0.0.0/0'] for any IPv4 address) "
        + "or 'peers' (e.g. [NetworkPeer.inNamespace('monitoring')])");
    }
    throws({ networkPolicies: { kubernetesApiCidrs: API, extraEgress: [{ cidrs: ['10.0.0.0/8'], ports: [] }] } },
      "'networkPolicies.extraEgress[0].ports' is empty, which would allow every port: give the ports, e.g. [443]");
    for (const port of [0, 65536, 44.3]) {
      throws({ networkPolicies: { kubernetesApiCidrs: API, extraEgress: [{ cidrs: ['10.0.0.0/8'], ports: [443, port] }] } },
        `'networkPolicies.extraEgress[0].ports' must hold port numbers from 1 to 65535, got ${port}`);
    }
  });

  test('an egress rule naming a component the deployment does not have', () => {
    throws({ networkPolicies: { kubernetesApiCidrs: API, extraEgress: [{ cidrs: ['10.0.0.0/8'], ports: [443], components: ['workers'] }] } },
      "'networkPolicies.extraEgress[0].components' names 'workers', which is no component of this deployment: use some of "
      + 'postgresql, migrate, api-server, scheduler, triggerer, dag-processor, secret-generator, task');
  });

  test('databaseEgress: required with an external database, refused with the embedded one', () => {
    const secret = kplus.Secret.fromSecretName(testChart(), 'S', 's');
    throws({ database: MetadataDatabase.external({ connection: { secret, key: 'db' } }), networkPolicies: { kubernetesApiCidrs: API } },
      "'networkPolicies.databaseEgress' is required with an external database (MetadataDatabase.external), which Airflow pods could not reach otherwise: "
      + "give its addresses and port, e.g. [{ cidrs: ['10.0.5.0/24'], ports: [5432] }]");
    throws({ networkPolicies: { kubernetesApiCidrs: API, databaseEgress: [{ cidrs: ['10.0.5.0/24'], ports: [5432] }] } },
      "'networkPolicies.databaseEgress' is for an external database, but the database is the embedded PostgreSQL (allowed by its labels): remove databaseEgress");
  });

  test('brokerEgress: required with an external broker, refused otherwise', () => {
    const secret = kplus.Secret.fromSecretName(testChart(), 'S', 's');
    const brokerEgress = [{ cidrs: ['10.0.6.0/24'], ports: [6379] }];
    throws({ executor: AirflowExecutor.celery({ broker: CeleryBroker.external({ url: { secret, key: 'url' } }) }), networkPolicies: { kubernetesApiCidrs: API } },
      "'networkPolicies.brokerEgress' is required with an external Celery broker (CeleryBroker.external), which the scheduler and workers could not reach otherwise: "
      + "give its addresses and port, e.g. [{ cidrs: ['10.0.6.0/24'], ports: [6379] }]");
    throws({ executor: AirflowExecutor.celery(), networkPolicies: { kubernetesApiCidrs: API, brokerEgress } },
      "'networkPolicies.brokerEgress' is for an external Celery broker, but the broker is the embedded Redis (allowed by its labels): remove brokerEgress");
    throws({ networkPolicies: { kubernetesApiCidrs: API, brokerEgress } },
      "'networkPolicies.brokerEgress' is for an external Celery broker, but 'executor' does not use Celery: remove brokerEgress");
  });
});
