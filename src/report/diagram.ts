import * as kplus from 'cdk8s-plus-28';
import { containersOf, podSpecs } from './report-objects';
import type { AirflowDeployment } from '../deployment';
import { codePointOrder, COMPONENT_LABEL } from '../naming/airflow-names';
import { FlowPeer, NetworkFlow, planNetwork } from '../network/network-plan';
import { NetworkPolicyOptions } from '../network/network-policy-options';

/**
 * The flows the deployment's NetworkPolicies allow, or, without policies, the flows they would allow (external
 * database and broker reached from anywhere, unlabelled ports).
 * @internal
 */
export function deploymentFlows(deployment: AirflowDeployment): NetworkFlow[] {
  if (deployment.networkPolicies) return deployment.networkPolicies._flows;
  const external = [{ cidrs: ['0.0.0.0/0'], ports: [1] }];
  const dagWriter = deployment.node.findAll().some(c => c instanceof kplus.AbstractPod && c.podMetadata.getLabel(COMPONENT_LABEL) === 'dag-writer');
  const options: NetworkPolicyOptions = {
    kubernetesApiCidrs: ['0.0.0.0/0'],
    databaseEgress: deployment.embeddedDatabase ? undefined : external,
    brokerEgress: deployment.celeryExecutor && !deployment.celeryExecutor.broker.embedded ? external : undefined,
    dagSourceEgress: dagWriter ? external : undefined,
  };
  const unlabelled = [FlowPeer.DATABASE, FlowPeer.BROKER, FlowPeer.DAG_SOURCE];
  return planNetwork(deployment, options).flows.map(f => (unlabelled.includes(f.to as FlowPeer) ? { ...f, ports: [] } : f));
}

/** One edge of the diagram. @internal */
export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  /** true for network connections (solid, from the policy flows), false for data movement (dotted) */
  readonly network: boolean;
}

/** A node of the diagram. @internal */
export interface DiagramNode {
  readonly id: string;
  readonly label: string;
  readonly shape: 'box' | 'store' | 'peer';
}

/**
 * The deployment as a Mermaid flowchart: one node per component (as the NetworkPolicies group pods), one solid edge per
 * allowed connection (merged ports), dotted edges for DAGs and logs moving between stores and pods.
 * @internal
 */
export function mermaidDiagram(deployment: AirflowDeployment, objects: any[], describe: (component: string) => string): string {
  const { nodes, edges } = diagramGraph(deployment, objects, describe);
  const lines = ['```mermaid', 'flowchart LR'];
  for (const n of nodes) {
    const label = n.label.replace(/"/g, '#quot;');
    lines.push(`  ${n.id}${n.shape === 'store' ? `[("${label}")]` : n.shape === 'peer' ? `(["${label}"])` : `["${label}"]`}`);
  }
  for (const e of edges) {
    const arrow = e.network ? '-->' : '-.->';
    lines.push(`  ${nodeId(e.from)} ${arrow}${e.label ? `|"${e.label}"|` : ''} ${nodeId(e.to)}`);
  }
  lines.push('```');
  return lines.join('\n');
}

/** The nodes and edges `mermaidDiagram` draws. @internal */
export function diagramGraph(deployment: AirflowDeployment, objects: any[],
  describe: (component: string) => string): { nodes: DiagramNode[]; edges: DiagramEdge[] } {
  const flows = deploymentFlows(deployment);
  const edges = new Map<string, { from: string; to: string; ports: Set<string>; network: boolean; label?: string }>();
  for (const f of flows) {
    const key = `${f.from}\u0000${f.to}`;
    const edge = edges.get(key) ?? { from: f.from, to: f.to, ports: new Set<string>(), network: true };
    f.ports.forEach(p => edge.ports.add(p));
    edges.set(key, edge);
  }
  const stores = new Map<string, string>();
  const data = (from: string, to: string, label: string) => edges.set(`${from}\u0000${to}\u0000data`, { from, to, ports: new Set(), network: false, label });

  // DAG sources: what the sidecars pull, and claims shared between a writer and readers.
  for (const pod of podSpecs(objects)) {
    const component = pod.metadata?.labels?.[COMPONENT_LABEL];
    if (!component) continue;
    for (const c of containersOf(pod.spec)) {
      const repo = (c.args ?? []).find((a: string) => a.startsWith('--repo='))?.slice('--repo='.length);
      if (c.name === 'git-sync' && repo) {
        const id = `store:git:${repo}`;
        stores.set(id, `git ${repo}`);
        data(id, component, 'git-sync pulls');
      }
      const env = new Map<string, string>((c.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
      if (c.name === 's3-sync' && env.has('S3_BUCKET')) {
        const id = `store:s3:${env.get('S3_BUCKET')}`;
        stores.set(id, `s3://${env.get('S3_BUCKET')}/${env.get('S3_PREFIX') ?? ''}`);
        data(id, component, 's3-sync pulls');
      }
    }
    for (const v of pod.spec.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const id = `store:pvc:${claim}`;
      stores.set(id, `PVC ${claim}`);
      const readOnly = v.persistentVolumeClaim.readOnly === true || containersOf(pod.spec)
        .flatMap(c => (c.volumeMounts ?? []).filter((m: any) => m.name === v.name)).every((m: any) => m.readOnly === true);
      if (readOnly) data(id, component, 'reads');
      else data(component, id, 'writes');
    }
  }
  // task logs: written by what runs tasks, read by the UI.
  const logs = deployment.recipe.logs;
  if (logs.remote && logs.remoteBaseLogFolder) {
    const id = 'store:logs';
    stores.set(id, `task logs ${logs.remoteBaseLogFolder}`);
    const groups = new Set([...edges.values()].flatMap(e => [e.from, e.to]));
    for (const writer of ['worker', 'task', 'triggerer'].filter(g => groups.has(g))) data(writer, id, 'uploads logs');
    const web = deployment.webUi.deployment.podMetadata.getLabel(COMPONENT_LABEL);
    if (web) data(id, web, 'reads logs');
  }

  const names = new Set<string>();
  const sorted = [...edges.values()].sort((a, b) => codePointOrder(`${a.network ? 0 : 1}${a.from}\u0000${a.to}`, `${b.network ? 0 : 1}${b.from}\u0000${b.to}`));
  sorted.forEach(e => { names.add(e.from); names.add(e.to); });
  const peers = new Set<string>(Object.values(FlowPeer));
  const nodes: DiagramNode[] = [...names].sort(codePointOrder).map(name => ({
    id: nodeId(name),
    label: stores.get(name) ?? (peers.has(name) ? name : describe(name)),
    shape: stores.has(name) || name === FlowPeer.DATABASE || name === FlowPeer.BROKER ? 'store' : peers.has(name) ? 'peer' : 'box',
  }));
  return {
    nodes,
    edges: sorted.map(e => ({ from: e.from, to: e.to, network: e.network, label: e.label ?? [...e.ports].sort(codePointOrder).join(', ') })),
  };
}

/** A Mermaid node id: letters, digits and underscores. */
function nodeId(name: string): string {
  return `n_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}
