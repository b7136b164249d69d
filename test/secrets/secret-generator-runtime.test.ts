/**
 * The secret generator Job's script, taken from the synthesized Job, run as the pod runs it (uid 50000, gid 0,
 * `python3` = Debian's, the env of the container plus what the kubelet adds: KUBERNETES_SERVICE_HOST/PORT and the
 * service-account token, CA and namespace files) against a small fake Kubernetes API server over HTTPS that
 * answers like the real one for `GET/POST /api/v1/namespaces/<ns>/secrets[/<name>]` (status codes and Status
 * bodies of k8s.io/apimachinery: 404 NotFound, 409 AlreadyExists, 403 Forbidden).
 *
 * A slim image has neither the `kubernetes` client nor `cryptography`: the script runs with both made unimportable.
 */
import { readFileSync, writeFileSync } from 'fs';
import { createServer, Server } from 'https';
import { join } from 'path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { containerEnv, containerOf, objectsOf, pythonShimDir, runAsOf, runContainer } from '../support/pod-scripts';
import { describeWith } from '../support/real-components';
import { runOk, tempDir } from '../support/real-services';
import { synthDeployment } from '../support/synth';

const NAMESPACE = 'airflow';
const TOKEN = 'stand-in-token';

interface Request {
  method: string;
  url: string;
  authorization?: string;
  body?: any;
}

describeWith(['apt'], 'secret generator runtime: the Job\'s script against a fake Kubernetes API server', () => {
  const { manifests } = synthDeployment({});
  const job = objectsOf(manifests, 'Job', '').find(j => j.spec.template.spec.containers.some((c: any) => c.name === 'generate-secrets'));
  const c = containerOf(job, 'generate-secrets');
  const spec: Array<{ name: string; keys: Array<{ key: string; kind: string; argument?: string }> }> = JSON.parse(c.env.find((e: any) => e.name === 'SECRETS_SPEC').value);

  let server: Server;
  let port: number;
  let saDir: string;
  let blockers: string;
  const python = pythonShimDir();
  /** Secrets in the fake API server: name → data (base64 values, as the API returns them). */
  const secrets = new Map<string, Record<string, string>>();
  const requests: Request[] = [];
  let onCreate: 'create' | 'conflict' | 'quota' = 'create';
  let onGet: 'serve' | 'forbidden' = 'serve';

  beforeAll(async () => {
    const certs = tempDir('apiserver-certs');
    const ssl = (...args: string[]) => runOk('openssl', args, { cwd: certs });
    await ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kubernetes-ca');
    await ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
    writeFileSync(join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc\n');
    await ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
    // the kubelet's projected service-account volume
    saDir = tempDir('serviceaccount');
    writeFileSync(join(saDir, 'token'), TOKEN);
    writeFileSync(join(saDir, 'namespace'), NAMESPACE);
    writeFileSync(join(saDir, 'ca.crt'), readFileSync(join(certs, 'ca.crt')));
    // a slim image: no kubernetes client, no cryptography
    blockers = tempDir('blockers');
    for (const module of ['kubernetes', 'cryptography']) {
      writeFileSync(join(blockers, `${module}.py`), `raise ModuleNotFoundError("No module named '${module}'")\n`);
    }
    const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
    server = createServer({ key: readFileSync(join(certs, 'server.key')), cert: readFileSync(join(certs, 'server.crt')) }, (req, res) => {
      let text = '';
      req.on('data', d => { text += d; });
      req.on('end', () => {
        const body = text ? JSON.parse(text) : undefined;
        requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
        const answer = (code: number, json: any) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(json)); };
        const base = `/api/v1/namespaces/${NAMESPACE}/secrets`;
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return answer(401, status(401, 'Unauthorized', 'Unauthorized'));
        if (req.method === 'GET' && req.url!.startsWith(`${base}/`)) {
          const name = req.url!.slice(base.length + 1);
          if (onGet === 'forbidden') return answer(403, status(403, 'Forbidden', `secrets "${name}" is forbidden: User "system:serviceaccount:airflow:gen" cannot get resource "secrets"`));
          const data = secrets.get(name);
          return data ? answer(200, { kind: 'Secret', apiVersion: 'v1', metadata: { name, namespace: NAMESPACE }, data })
            : answer(404, status(404, 'NotFound', `secrets "${name}" not found`));
        }
        if (req.method === 'POST' && req.url === base) {
          const name = body.metadata.name;
          if (onCreate === 'conflict' || secrets.has(name)) return answer(409, status(409, 'AlreadyExists', `secrets "${name}" already exists`));
          if (onCreate === 'quota') return answer(403, status(403, 'Forbidden', `secrets "${name}" is forbidden: exceeded quota: compute, requested: count/secrets=1`));
          const data = Object.fromEntries(Object.entries(body.stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
          secrets.set(name, data);
          return answer(201, { ...body, stringData: undefined, data });
        }
        return answer(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  }, 60_000);
  afterAll(async () => { await new Promise(resolve => server?.close(resolve)); });
  beforeEach(() => {
    secrets.clear();
    requests.length = 0;
    onCreate = 'create';
    onGet = 'serve';
  });

  function runJob() {
    const { uid, gid } = runAsOf(job, c);
    expect([uid, gid]).toEqual([50000, 0]);
    expect(c.command[0]).toBe('python3');
    const env = containerEnv(c, {}, {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(port),
      KUBERNETES_SERVICEACCOUNT_DIR: saDir,
      PYTHONPATH: blockers,
      // a proxy injected into every pod must not catch the in-cluster API calls (port 9 refuses connections)
      HTTPS_PROXY: 'http://127.0.0.1:9',
      https_proxy: 'http://127.0.0.1:9',
    });
    return runContainer(c, { env, uid, gid, path: [python], timeoutMs: 30_000 });
  }
  const decoded = (name: string) => Object.fromEntries(Object.entries(secrets.get(name)!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));

  it('the Python in the test cannot import kubernetes or cryptography (as in a slim image)', async () => {
    for (const module of ['kubernetes', 'cryptography']) {
      const r = await runContainer({ command: ['python3', '-c', `import ${module}`] }, { env: { PYTHONPATH: blockers }, path: [python] });
      expect(r.stderr).toContain(`No module named '${module}'`);
    }
  });

  it('creates every Secret once with the service-account token: Fernet key, random strings, templates', async () => {
    const r = await runJob();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(spec.length).toBeGreaterThanOrEqual(2);
    for (const s of spec) {
      expect(r.stdout).toContain(`Secret ${s.name} created\n`);
      const values = decoded(s.name);
      expect(Object.keys(values).sort()).toEqual(s.keys.map(k => k.key).sort());
      for (const k of s.keys) {
        if (k.kind === 'fernet') expect(Buffer.from(values[k.key], 'base64url')).toHaveLength(32);
        if (k.kind === 'fernet') expect(values[k.key]).toMatch(/^[A-Za-z0-9_-]{43}=$/);
        if (k.kind === 'random') expect(values[k.key]).toMatch(new RegExp(`^[A-Za-z0-9]{${k.argument}}$`));
        if (k.kind === 'template') {
          const expected = Object.entries(values).reduce((t, [key, v]) => t.replace(`{${key}}`, v), k.argument!);
          expect(values[k.key]).toBe(expected);
          expect(values[k.key]).not.toMatch(/\{[a-z-]+\}/);
        }
      }
    }
    const posts = requests.filter(q => q.method === 'POST');
    expect(posts.map(q => q.body.metadata.labels)).toEqual(spec.map(() => ({ 'app.kubernetes.io/managed-by': 'cdk8s-airflow' })));
    expect(requests.every(q => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // two runs generate different values
    const first = Object.fromEntries(spec.map(s => [s.name, decoded(s.name)]));
    secrets.clear();
    expect((await runJob()).code).toBe(0);
    expect(decoded(spec[0].name)).not.toEqual(first[spec[0].name]);
  });

  it('leaves existing Secrets alone (no POST, nothing overwritten)', async () => {
    for (const s of spec) secrets.set(s.name, Object.fromEntries(s.keys.map(k => [k.key, Buffer.from('kept').toString('base64')])));
    const r = await runJob();
    expect(r.code).toBe(0);
    for (const s of spec) expect(r.stdout).toContain(`Secret ${s.name} exists, left as it is\n`);
    expect(requests.filter(q => q.method !== 'GET')).toEqual([]);
    expect(decoded(spec[0].name)[spec[0].keys[0].key]).toBe('kept');
  });

  it('a 409 on create (another run was first) is not an error', async () => {
    onCreate = 'conflict';
    const r = await runJob();
    expect(r.code).toBe(0);
    for (const s of spec) expect(r.stdout).toContain(`Secret ${s.name} was created concurrently, left as it is\n`);
  });

  it('an existing Secret without a needed key fails the Job with a message, and is not changed', async () => {
    const [target, ...others] = spec;
    secrets.set(target.name, { unrelated: Buffer.from('x').toString('base64') });
    for (const s of others) secrets.set(s.name, Object.fromEntries(s.keys.map(k => [k.key, 'a2VwdA=='])));
    const r = await runJob();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Secret ${target.name} exists but lacks keys ${target.keys.map(k => k.key).join(', ')}: add them or delete the Secret to have it generated`);
    expect(secrets.get(target.name)).toEqual({ unrelated: Buffer.from('x').toString('base64') });
    expect(requests.filter(q => q.method !== 'GET')).toEqual([]);
  });

  it('a refused read (403) fails the Job with the API server\'s message', async () => {
    onGet = 'forbidden';
    const r = await runJob();
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`secret-generator: GET secret ${spec[0].name} answered 403: secrets "${spec[0].name}" is forbidden: `
      + 'User "system:serviceaccount:airflow:gen" cannot get resource "secrets"');
  });

  it('a refused create (not 409) fails the Job with the API server\'s message', async () => {
    onCreate = 'quota';
    const r = await runJob();
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`secret-generator: POST secret ${spec[0].name} answered 403: secrets "${spec[0].name}" is forbidden: `
      + 'exceeded quota: compute, requested: count/secrets=1');
  });

  it('outside a pod (no KUBERNETES_SERVICE_HOST) it says so', async () => {
    const { uid, gid } = runAsOf(job, c);
    const r = await runContainer(c, { env: containerEnv(c, {}, { KUBERNETES_SERVICEACCOUNT_DIR: saDir }), uid, gid, path: [python] });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('secret-generator: KUBERNETES_SERVICE_HOST is not set: this script runs in a pod, where the kubelet sets it');
    expect(requests).toEqual([]);
  });

  it('an API server whose certificate the service-account CA did not sign is refused', async () => {
    const otherSa = tempDir('serviceaccount-other');
    writeFileSync(join(otherSa, 'token'), TOKEN);
    writeFileSync(join(otherSa, 'namespace'), NAMESPACE);
    await runOk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(otherSa, 'k'), '-out', join(otherSa, 'ca.crt'), '-days', '1', '-subj', '/CN=other']);
    const { uid, gid } = runAsOf(job, c);
    const env = containerEnv(c, {}, { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port), KUBERNETES_SERVICEACCOUNT_DIR: otherSa });
    const r = await runContainer(c, { env, uid, gid, path: [python] });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CERTIFICATE_VERIFY_FAILED');
    expect(requests).toEqual([]);
  });
});
