import { Chart, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowExecutor, AirflowMetrics, CeleryBroker, NetworkPeer, WorkerAutoscaling } from '../../src';
import { mermaidBlock, synthExample } from '../support/report-examples';

const INSTANCE = 'app.kubernetes.io/instance';

function nodeId(name: string): string {
  return `n_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** The solid (network) edges of a diagram, one `from>to:port/protocol` per port. */
function diagramEdges(diagram: string): string[] {
  const edges: string[] = [];
  for (const line of diagram.split('\n')) {
    const m = /^ {2}(n_\w+) -->(?:\|"([^"]*)"\|)? (n_\w+)$/.exec(line);
    if (!m) continue;
    for (const port of (m[2] ?? '').split(', ').filter(p => p !== '')) edges.push(`${m[1]}>${m[3]}:${port}`);
  }
  return edges.sort();
}

const portsOf = (rule: any) => (rule.ports ?? []).map((p: any) => `${p.port}/${p.protocol}`);
const equalSelectors = (a: any, b: any) => JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

/**
 * The edges the NetworkPolicies of `manifests` allow, read from the policies alone: pod-to-pod egress to another
 * policy's pods; egress to IP blocks as edges to whatever external node the diagram draws from that component (the
 * ports must agree); ingress from peers outside the release likewise.
 */
function policyEdges(manifests: any[], release: string): { podToPod: string[]; egressOut: string[]; ingressIn: string[] } {
  const policies = manifests.filter(m => m.kind === 'NetworkPolicy' && m.metadata.name !== `${release}-default-deny`)
    .map(p => ({ name: p.metadata.name.slice(release.length + 1), policy: p }));
  const groupOf = (selector: any) => policies.find(p => equalSelectors(p.policy.spec.podSelector.matchLabels, selector));
  const podToPod: string[] = [];
  const egressOut: string[] = [];
  const ingressIn: string[] = [];
  for (const { name, policy } of policies) {
    for (const rule of policy.spec.egress ?? []) {
      for (const peer of rule.to ?? []) {
        if (peer.podSelector && !peer.namespaceSelector && !peer.ipBlock) {
          const target = groupOf(peer.podSelector.matchLabels);
          expect(target, `${name} egress to ${JSON.stringify(peer)}`).toBeDefined();
          for (const port of portsOf(rule)) podToPod.push(`${nodeId(name)}>${nodeId(target!.name)}:${port}`);
        }
      }
      if ((rule.to ?? []).some((peer: any) => peer.ipBlock)) for (const port of portsOf(rule)) egressOut.push(`${nodeId(name)}:${port}`);
    }
    for (const rule of policy.spec.ingress ?? []) {
      const outside = (rule.from ?? []).some((peer: any) => peer.namespaceSelector || peer.ipBlock
        || !(peer.podSelector?.matchLabels?.[INSTANCE] === release));
      if (outside) for (const port of portsOf(rule)) ingressIn.push(`${nodeId(name)}:${port}`);
    }
  }
  return { podToPod: [...new Set(podToPod)].sort(), egressOut: [...new Set(egressOut)].sort(), ingressIn: [...new Set(ingressIn)].sort() };
}

/** Compares the diagram's solid edges with the policies; returns the differences (empty when they agree). */
function compare(manifests: any[], release: string, diagram: string): string[] {
  const edges = diagramEdges(diagram);
  const boxes = new Set(manifests.filter(m => m.kind === 'NetworkPolicy').map(p => nodeId(p.metadata.name.slice(release.length + 1))));
  const expected = policyEdges(manifests, release);
  const [podToPod, egressOut, ingressIn] = [[], [], []] as string[][];
  for (const e of edges) {
    const [from, rest] = e.split('>');
    const [to, port] = rest.split(':');
    if (boxes.has(from) && boxes.has(to)) podToPod.push(e);
    else if (boxes.has(from)) egressOut.push(`${from}:${port}`);
    else ingressIn.push(`${to}:${port}`);
  }
  const diff = (name: string, want: string[], got: string[]) => [
    ...want.filter(w => !got.includes(w)).map(w => `${name}: the policies allow ${w}, the diagram lacks it`),
    ...got.filter(g => !want.includes(g)).map(g => `${name}: the diagram draws ${g}, no policy allows it`),
  ];
  return [
    ...diff('pod to pod', expected.podToPod, [...new Set(podToPod)].sort()),
    ...diff('egress out of the release', expected.egressOut, [...new Set(egressOut)].sort()),
    ...diff('ingress from outside the release', expected.ingressIn, [...new Set(ingressIn)].sort()),
  ];
}

describe('the diagram\'s edges are the NetworkPolicy flows', () => {
  test('examples/production.ts (external database and broker, PgBouncer, StatsD, Celery and task pods)', () => {
    const example = synthExample('production');
    const diagram = mermaidBlock(example.report);
    expect(diagramEdges(diagram).length).toBeGreaterThan(30);
    expect(compare(example.manifests, 'airflow', diagram)).toEqual([]);
  });

  test('embedded PostgreSQL, Redis and StatsD, with KEDA scaling on the database', () => {
    const chart = new Chart(Testing.app(), 'policies', { namespace: 'airflow' });
    const deployment = new AirflowDeployment(chart, 'Airflow', {
      executor: AirflowExecutor.celery({ broker: CeleryBroker.embeddedRedis(), flower: {} }),
      metrics: AirflowMetrics.statsd(),
      triggerer: { autoscaling: WorkerAutoscaling.keda({ maxReplicas: 3 }) },
      networkPolicies: { uiIngressFrom: [NetworkPeer.inNamespace('ingress-nginx')], kubernetesApiCidrs: ['10.0.0.1/32'] },
    });
    const manifests = Testing.synth(chart);
    const diagram = mermaidBlock(deployment.report());
    expect(diagram).toContain('n_redis');
    expect(diagram).toContain('n_KEDA_operator');
    expect(compare(manifests, 'airflow', diagram)).toEqual([]);
  });

  test('edge workers (issue #15) with the split API server and PgBouncer: edges to both API servers, none to the database', () => {
    const chart = new Chart(Testing.app(), 'policies', { namespace: 'airflow' });
    const deployment = new AirflowDeployment(chart, 'Airflow', {
      executor: AirflowExecutor.kubernetes().withEdge(),
      executionApiServer: {},
      pgbouncer: {},
      networkPolicies: { kubernetesApiCidrs: ['10.0.0.1/32'] },
    });
    const manifests = Testing.synth(chart);
    const diagram = mermaidBlock(deployment.report());
    expect(diagram).toContain('n_edge_worker -->|"8080/TCP"| n_api_server');
    expect(diagram).toContain('n_edge_worker -->|"8080/TCP"| n_execution_api_server');
    expect(diagramEdges(diagram).filter(e => e.startsWith('n_edge_worker>')).map(e => e.split('>')[1].split(':')[0]).sort())
      .toEqual(['n_api_server', 'n_execution_api_server']);
    expect(compare(manifests, 'airflow', diagram)).toEqual([]);
  });

  test('the comparison can fail: a diagram missing an edge, or drawing one too many, differs', () => {
    const example = synthExample('production');
    const diagram = mermaidBlock(example.report);
    const lines = diagram.split('\n');
    const edge = lines.findIndex(l => / -->/.test(l) && l.startsWith('  n_scheduler') && l.endsWith('n_pgbouncer'));
    expect(edge).toBeGreaterThan(0);
    const fewer = lines.filter((_, i) => i !== edge).join('\n');
    expect(compare(example.manifests, 'airflow', fewer).join('\n')).toContain('the diagram lacks it');
    const more = diagram.replace('```\n', '').replace(/\n```$/, '\n  n_flower -->|"5432/TCP"| n_scheduler\n```');
    expect(compare(example.manifests, 'airflow', more).join('\n')).toContain('no policy allows it');
  });
});

test('without NetworkPolicies the diagram draws the flows they would allow, ports to external stores unlabelled', () => {
  const example = synthExample('celery-keda');
  const diagram = mermaidBlock(example.report);
  expect(example.manifests.some(m => m.kind === 'NetworkPolicy')).toBe(false);
  expect(diagram).toContain('n_scheduler -->|"5432/TCP"| n_postgresql');
  expect(diagram).toContain('n_worker -->|"6379/TCP"| n_redis');
  expect(diagram).toContain('-.->|"git-sync pulls"| n_dag_processor');
  const eks = mermaidBlock(synthExample('eks-efs-s3').report);
  expect(eks).toContain('n_dag_writer -.->|"writes"| n_store_pvc_airflow_dags');
  expect(eks).toMatch(/n_scheduler --> n_external_database/);
});
