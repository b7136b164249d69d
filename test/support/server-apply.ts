import { embeddedPods } from './manifests';
import { describeFailure, KubeClient, KubeResponse } from './real-apiserver';

/**
 * Applying the library's output to the real API server (test/support/real-apiserver.ts): every object with
 * server-side apply (`dryRun=All` for the first-apply checks, for real for day-2 pairs), plus the pods the library
 * keeps as templates inside ConfigMaps (KubernetesExecutor's pod template) created as Pods.
 */

/** One refusal or warning of the API server for one object. */
export interface ServerProblem {
  /** `Deployment/airflow-scheduler`, `ConfigMap/x#pod_template_file.yaml` */
  readonly object: string;
  readonly message: string;
}

/** What the API server said about a set of manifests. */
export interface ServerVerdict {
  readonly errors: ServerProblem[];
  /** `Warning` headers (Pod Security `warn` mode, deprecations, ...). */
  readonly warnings: ServerProblem[];
  /** How many objects (and embedded pods) the server judged, by kind. */
  readonly judged: Record<string, number>;
}

let namespaces = 0;

/** A fresh namespace name (unique in the run: worker pid and a counter), at most 63 characters. */
export function uniqueNamespace(label: string): string {
  namespaces += 1;
  const clean = label.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return `${clean || 'ns'}-${process.pid}-${namespaces}`;
}

/** Runs `work` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

function idOf(obj: any): string {
  return `${obj.kind}/${obj.metadata?.name}`;
}

function ok(res: KubeResponse): boolean {
  return res.status === 200 || res.status === 201;
}

/**
 * Checks a first apply: every object is server-side applied with `dryRun=All` into `namespace` (which must exist;
 * see `KubeClient.createNamespace`), and every Pod kept inside a ConfigMap is created as a Pod (dry run) with its
 * ServiceAccount created for real first (the ServiceAccount admission plugin refuses a Pod whose account is missing).
 */
export async function dryRunManifests(client: KubeClient, namespace: string, manifests: any[]): Promise<ServerVerdict> {
  const errors: ServerProblem[] = [];
  const warnings: ServerProblem[] = [];
  const judged: Record<string, number> = {};
  const count = (kind: string) => {
    judged[kind] = (judged[kind] ?? 0) + 1;
  };
  await mapLimit(manifests, 6, async obj => {
    const res = await client.apply(obj, { namespace, dryRun: true });
    count(obj.kind);
    if (!ok(res)) errors.push({ object: idOf(obj), message: describeFailure(res) });
    for (const w of res.warnings) warnings.push({ object: idOf(obj), message: w });
  });
  const pods = embeddedPods(manifests);
  if (pods.length > 0) {
    for (const sa of manifests.filter(m => m.kind === 'ServiceAccount')) {
      const res = await client.apply(sa, { namespace });
      if (!ok(res)) errors.push({ object: idOf(sa), message: `creating it for the embedded pods: ${describeFailure(res)}` });
    }
  }
  for (const { where, pod } of pods) {
    const named = { ...pod, metadata: { ...(pod.metadata ?? {}), name: pod.metadata?.name || 'pod-template-check' } };
    const res = await client.create(named, { namespace, dryRun: true });
    count(`Pod (${where.split('#')[1] ?? 'embedded'})`);
    if (!ok(res)) errors.push({ object: where, message: describeFailure(res) });
    for (const w of res.warnings) warnings.push({ object: where, message: w });
  }
  return { errors, warnings, judged };
}

/** What the API server said to a real apply of `before` then `after`. */
export interface PairVerdict {
  /** Refusals of the first apply (a broken `before`: the pair proves nothing then). */
  readonly beforeErrors: ServerProblem[];
  /** Refusals of the second apply: the day-2 errors. */
  readonly errors: ServerProblem[];
  readonly namespace: string;
}

/** Cluster-scoped objects are suffixed with the namespace so pairs do not see each other's. */
function isolate(obj: any, namespaced: boolean, namespace: string): any {
  if (namespaced) return obj;
  return { ...obj, metadata: { ...obj.metadata, name: `${obj.metadata.name}-${namespace}`.slice(0, 253) } };
}

async function applyAll(client: KubeClient, namespace: string, manifests: any[]): Promise<ServerProblem[]> {
  const errors: ServerProblem[] = [];
  await mapLimit(manifests, 6, async obj => {
    const { namespaced } = await client.pathOf(obj, namespace);
    const res = await client.apply(isolate(obj, namespaced, namespace), { namespace });
    if (!ok(res)) errors.push({ object: idOf(obj), message: describeFailure(res) });
  });
  return errors;
}

/**
 * Day 2: applies `before` for real (server-side apply, into a fresh Pod Security `restricted` namespace), then
 * `after` on top of it, and returns what the server refused. Nothing runs the objects (no controllers), so a Job
 * stays as created: exactly what `kubectl apply` of the new manifests meets on a cluster where the old Job still
 * exists (finished Jobs stay until `ttlSecondsAfterFinished` removes them).
 */
export async function applyPair(client: KubeClient, before: any[], after: any[], label = 'pair'): Promise<PairVerdict> {
  const namespace = uniqueNamespace(label);
  await client.createNamespace(namespace);
  const beforeErrors = await applyAll(client, namespace, before);
  const errors = await applyAll(client, namespace, after);
  return { beforeErrors, errors, namespace };
}

/** One line per problem, for assertion messages. */
export function describeProblems(problems: ServerProblem[]): string {
  return problems.map(p => `${p.object}: ${p.message}`).join('\n');
}
