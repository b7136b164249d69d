import { ChildProcess, spawn } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { request as httpsRequest } from 'https';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { CACHE_DIR } from './real-components';

/**
 * A real etcd + kube-apiserver on 127.0.0.1, built from the Go module proxy by scripts/setup/kube-apiserver.sh
 * (k8s.io/kubernetes v1.33.13, etcd v3.5.21). One instance serves a whole vitest run: test/support/real-apiserver-setup.ts
 * (vitest `globalSetup`) starts it the first time a test file asks for it and stops it when the run ends; test
 * files reach it with `realApiserver()` below.
 *
 * No kubelet and no controller manager run: nothing is scheduled, Jobs never start, namespaces never finish
 * deleting. Everything the API server itself decides does run: defaulting, validation (create and update),
 * field validation, server-side apply, admission (PodSecurity, ServiceAccount, NamespaceLifecycle, ...), CRD
 * schemas.
 *
 * Version note: the library claims Kubernetes 1.28 and 1.33; this server is 1.33.13 (the closest published release
 * to 1.33; one server keeps the suite fast). What a 1.28 server may judge differently, by feature (feature gate
 * stages from kubernetes/website's feature-gates pages):
 *   - fields 1.28 does not have are refused there under strict field validation, accepted here: Job `managedBy`
 *     (1.30+), `successPolicy` (1.30+); Pod `appArmorProfile` (1.30+); Service `trafficDistribution` (1.30+);
 *   - fields alpha (gate off) in 1.28 are silently dropped there, kept here: Job `podReplacementPolicy` and
 *     `backoffLimitPerIndex` (alpha 1.28), native sidecars = init containers with `restartPolicy: Always`
 *     (SidecarContainers alpha 1.28, beta and on from 1.29: on 1.28 such a container blocks the pod's start);
 *   - update rules (test/support/update-rules.ts): the same in both for what the library renders; StatefulSet
 *     `ordinals` and `persistentVolumeClaimRetentionPolicy` are beta and on in 1.28, so mutable in both;
 *   - Pod Security `restricted` (version `latest`): the checks newer than 1.28 in k8s.io/pod-security-admission
 *     v0.33.13 policy/ are sysctls (1.29, 1.32: more sysctls allowed) and seLinuxOptions (1.31: more types allowed),
 *     both only loosen `baseline` for fields the library does not set; so a pod admitted here is admitted by 1.28.
 * test/support/manifests.ts still checks every output against the 1.28 and the 1.33 OpenAPI schemas.
 */
export const APISERVER_VERSION = 'v1.33.13';

/** Where a running API server answers, and how to authenticate. Plain data: it crosses process boundaries. */
export interface ApiserverEndpoint {
  readonly url: string;
  readonly token: string;
  readonly ca: string;
}

/** A started etcd + kube-apiserver pair. */
export interface RunningApiserver extends ApiserverEndpoint {
  stop(): Promise<void>;
}

const ADMIN_TOKEN = 'cdk8s-airflow-test-admin-token';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function binary(name: string): string {
  const file = join(CACHE_DIR, 'bin', name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run bash scripts/setup/kube-apiserver.sh`);
  return file;
}

function startProcess(file: string, args: string[], log: string): ChildProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  const keep = (b: Buffer) => {
    chunks.push(b.toString());
    if (chunks.length > 400) chunks.splice(0, chunks.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('exit', () => {
    try {
      writeFileSync(log, chunks.join(''));
    } catch {
      // the temp dir may be gone already
    }
  });
  (child as any).recentOutput = () => chunks.join('').slice(-4000);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>(resolve => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts etcd and kube-apiserver (both on free loopback ports, data in a temp dir), waits for /readyz, installs the CRDs. */
export async function startRealApiserver(options: { crdDir?: string } = {}): Promise<RunningApiserver> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cdk8s-airflow-apiserver-'));
  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];

  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  // static token file: token,user,uid,"group,..." (k8s.io/apiserver/plugin/pkg/authenticator/token/tokenfile)
  writeFileSync(join(dir, 'tokens.csv'), `${ADMIN_TOKEN},admin,admin-uid,"system:masters"\n`);

  const etcd = startProcess(binary('etcd'), [
    '--name=default',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
    '--unsafe-no-fsync', // a throw-away store: no fsync makes every write cheap
    '--log-level=warn',
  ], join(dir, 'etcd.log'));

  const apiserver = startProcess(binary('kube-apiserver'), [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${securePort}`,
    `--cert-dir=${join(dir, 'certs')}`, // self-signed serving certificate
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-cluster-ip-range=10.96.0.0/16',
    // PodSecurity, ServiceAccount, NamespaceLifecycle, LimitRanger, ResourceQuota, ... are on by default.
    '--allow-privileged=true', // as clusters run it (kubeadm, EKS, GKE): Pod Security, not this flag, refuses privileged pods
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--v=0',
  ], join(dir, 'apiserver.log'));

  // if vitest dies without its teardown, do not leave the servers running
  const killOnExit = () => {
    apiserver.kill('SIGKILL');
    etcd.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const ca = () => readFileSync(join(dir, 'certs', 'apiserver.crt'), 'utf-8');
  const running: RunningApiserver = {
    url: `https://127.0.0.1:${securePort}`,
    token: ADMIN_TOKEN,
    ca: '',
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await stopProcess(apiserver);
      await stopProcess(etcd);
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 180_000;
  let last = '';
  for (;;) {
    for (const [name, child] of [['etcd', etcd], ['kube-apiserver', apiserver]] as const) {
      if (child.exitCode !== null) {
        const output = (child as any).recentOutput();
        await running.stop();
        throw new Error(`${name} exited with ${child.exitCode} before the API server was ready:\n${output}`);
      }
    }
    if (existsSync(join(dir, 'certs', 'apiserver.crt'))) {
      try {
        const res = await kubeRequest({ ...running, ca: ca() }, 'GET', '/readyz');
        if (res.status === 200) break;
        last = res.body;
      } catch (e) {
        last = (e as Error).message;
      }
    }
    if (Date.now() > deadline) {
      const output = (apiserver as any).recentOutput();
      await running.stop();
      throw new Error(`kube-apiserver was not ready within 180 s (last: ${last}):\n${output}`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
  const endpoint = { ...running, ca: ca() };
  if (options.crdDir) await installCrds(endpoint, options.crdDir);
  return endpoint;
}

/** One response of the API server: status, parsed body (or text), and every `Warning` header value. */
export interface KubeResponse {
  readonly status: number;
  readonly body: any;
  readonly warnings: string[];
}

/** One HTTPS request to the API server with the admin token. */
export async function kubeRequest(endpoint: ApiserverEndpoint, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const url = new URL(path, endpoint.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, {
      method,
      ca: endpoint.ca || undefined,
      rejectUnauthorized: Boolean(endpoint.ca),
      headers: {
        Authorization: `Bearer ${endpoint.token}`,
        Accept: 'application/json',
        ...(payload === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }),
      },
      timeout: 60_000,
    }, res => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf-8');
        let parsed: any = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // /readyz answers plain text
        }
        const warnings: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i].toLowerCase() === 'warning') warnings.push(parseWarning(res.rawHeaders[i + 1]));
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** `299 - "message"` (RFC 7234 warn-code, agent, quoted text) → `message`. */
function parseWarning(header: string): string {
  const m = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(header);
  return m ? m[1].replace(/\\(.)/g, '$1') : header;
}

interface Mapping {
  readonly resource: string;
  readonly namespaced: boolean;
}

/** A client for one API server: discovery (kind → resource), server-side apply, namespaces. */
export class KubeClient {
  private readonly discovery = new Map<string, Promise<Map<string, Mapping>>>();

  constructor(public readonly endpoint: ApiserverEndpoint) {}

  request(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeResponse> {
    return kubeRequest(this.endpoint, method, path, body, contentType);
  }

  /** Resource name and scope of `apiVersion`/`kind`, from the server's discovery (CRDs included once installed). */
  async mapping(apiVersion: string, kind: string): Promise<Mapping> {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let resources = this.discovery.get(base);
    if (!resources) {
      resources = this.request('GET', base).then(res => {
        const out = new Map<string, Mapping>();
        if (res.status !== 200) return out;
        for (const r of res.body.resources ?? []) {
          if (!r.name.includes('/')) out.set(r.kind, { resource: r.name, namespaced: r.namespaced });
        }
        return out;
      });
      this.discovery.set(base, resources);
    }
    const found = (await resources).get(kind);
    if (!found) {
      this.discovery.delete(base);
      throw new Error(`the API server does not serve ${apiVersion} ${kind} (is its CRD installed?)`);
    }
    return found;
  }

  /** The URL path of an object (of its collection when `name` is omitted). */
  async pathOf(obj: any, namespace: string | undefined, withName = true): Promise<{ path: string; namespaced: boolean }> {
    const m = await this.mapping(obj.apiVersion, obj.kind);
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const ns = m.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? obj.metadata?.namespace ?? 'default')}` : '';
    const name = withName ? `/${encodeURIComponent(obj.metadata.name)}` : '';
    return { path: `${base}${ns}/${m.resource}${name}`, namespaced: m.namespaced };
  }

  /**
   * Server-side apply of `obj` (strict field validation, forced ownership), into `namespace` when the kind is
   * namespaced (the object's own namespace is replaced). `dryRun` runs every admission and validation step without
   * storing.
   */
  async apply(obj: any, options: { namespace?: string; dryRun?: boolean; fieldManager?: string } = {}): Promise<KubeResponse> {
    const { path, namespaced } = await this.pathOf(obj, options.namespace);
    const body = { ...obj, metadata: { ...obj.metadata } };
    if (namespaced && options.namespace) body.metadata.namespace = options.namespace;
    const query = new URLSearchParams({ fieldManager: options.fieldManager ?? 'cdk8s-airflow-test', force: 'true', fieldValidation: 'Strict' });
    if (options.dryRun) query.set('dryRun', 'All');
    return this.request('PATCH', `${path}?${query}`, body, 'application/apply-patch+yaml');
  }

  /** Create (POST) `obj`, e.g. a Pod from a pod template, optionally as a dry run. */
  async create(obj: any, options: { namespace?: string; dryRun?: boolean } = {}): Promise<KubeResponse> {
    const { path, namespaced } = await this.pathOf(obj, options.namespace, false);
    const body = { ...obj, metadata: { ...obj.metadata } };
    if (namespaced && options.namespace) body.metadata.namespace = options.namespace;
    const query = new URLSearchParams({ fieldValidation: 'Strict' });
    if (options.dryRun) query.set('dryRun', 'All');
    return this.request('POST', `${path}?${query}`, body);
  }

  /** Creates a namespace for real; `restricted` labels it for Pod Security `restricted` (enforce, warn, audit). */
  async createNamespace(name: string, options: { restricted?: boolean } = {}): Promise<void> {
    const labels: Record<string, string> = {};
    if (options.restricted ?? true) {
      for (const mode of ['enforce', 'warn', 'audit']) {
        labels[`pod-security.kubernetes.io/${mode}`] = 'restricted';
        labels[`pod-security.kubernetes.io/${mode}-version`] = 'latest';
      }
    }
    const res = await this.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    if (res.status !== 200 && res.status !== 201) throw new Error(`creating namespace ${name}: ${describeFailure(res)}`);
  }
}

/** The API server's message for a failed response (`201 OK: Kind name` for a success). */
export function describeFailure(res: KubeResponse): string {
  if (res.status >= 200 && res.status < 300) return `${res.status} OK: ${res.body?.kind ?? ''} ${res.body?.metadata?.name ?? ''}`.trim();
  if (typeof res.body === 'object' && res.body?.message) return `${res.status} ${res.body.reason ?? ''}: ${res.body.message}`;
  return `${res.status}: ${String(res.body).slice(0, 500)}`;
}

/** Installs every CRD in `dir` (YAML files) and waits until each is Established and served. */
export async function installCrds(endpoint: ApiserverEndpoint, dir: string): Promise<void> {
  const client = new KubeClient(endpoint);
  const crds: any[] = [];
  for (const file of readdirSync(dir).filter(f => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf-8'))) {
      const obj = doc.toJSON();
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  for (const crd of crds) {
    const res = await client.apply(crd);
    if (res.status !== 200 && res.status !== 201) throw new Error(`installing CRD ${crd.metadata.name}: ${describeFailure(res)}`);
  }
  const deadline = Date.now() + 60_000;
  for (const crd of crds) {
    const version = crd.spec.versions.find((v: any) => v.served && v.storage)?.name ?? crd.spec.versions[0].name;
    for (;;) {
      const res = await client.request('GET', `/apis/${crd.spec.group}/${version}`);
      if (res.status === 200 && (res.body.resources ?? []).some((r: any) => r.kind === crd.spec.names.kind)) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} was not served within 60 s`);
      await new Promise(r => setTimeout(r, 100));
    }
  }
}

let shared: Promise<KubeClient> | undefined;

/**
 * The run's real API server (started on first use by the vitest globalSetup, shared by every test file). Call it in
 * `beforeAll` with a generous timeout: the first call may wait for the server to start.
 */
export async function realApiserver(): Promise<KubeClient> {
  shared ??= (async () => {
    const { inject } = await import('vitest');
    const launcher = inject('realApiserverLauncher');
    if (!launcher) throw new Error('no realApiserverLauncher: vitest.config.mts must list test/support/real-apiserver-setup.ts in globalSetup');
    const res = await fetch(`${launcher}/ensure`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`the real API server could not start: ${text}`);
    return new KubeClient(JSON.parse(text));
  })();
  return shared;
}
