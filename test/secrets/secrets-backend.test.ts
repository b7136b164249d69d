import { spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeploymentProps, AirflowExecutor, AirflowVersion, SecretsBackend } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { CACHE_DIR, describeWith } from '../support/real-components';
import { container, env, one, podSpec, synthDeployment, testChart } from '../support/synth';

const secret = (key: string) => ({ secret: kplus.Secret.fromSecretName(testChart(), 'Vault', 'vault'), key });
const AWS_CLASS = 'airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend';
const vaultToken = () => SecretsBackend.hashicorpVault({ url: 'https://vault.example.com:8200', mountPoint: 'airflow', token: secret('token') });

/** Every Airflow container (those mounting airflow.cfg), main and init, of every workload and the task pod template. */
function airflowContainers(manifests: any[]): Array<{ where: string; c: any }> {
  const found: Array<{ where: string; c: any }> = [];
  for (const m of manifests) {
    const spec = m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template.spec : m.spec?.template?.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      if ((c.volumeMounts ?? []).some((v: any) => v.mountPath === '/opt/airflow/airflow.cfg')) found.push({ where: `${m.metadata.name}/${c.name}`, c });
    }
  }
  return found;
}

describe('secretsBackend (issue #15)', () => {
  test('AWS Secrets Manager: [secrets] backend in airflow.cfg, the kwargs command and the plain kwargs in every Airflow container', () => {
    const { airflow, manifests } = synthDeployment({
      executor: AirflowExecutor.celeryAndKubernetes(),
      secretsBackend: SecretsBackend.awsSecretsManager({ connectionsPrefix: 'prod/conn', regionName: 'eu-west-1' }),
    });
    expectValidManifests(manifests);
    expect(airflow.config.render()).toContain('[secrets]\nbackend = airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend\n');
    expect(airflow.config.render()).not.toContain('backend_kwargs');
    const all = airflowContainers(manifests);
    expect(all.length).toBeGreaterThan(8);
    for (const { where, c } of all) {
      expect(env(c, 'AIRFLOW__SECRETS__BACKEND_KWARGS_CMD')?.value, where).toMatch(/^python3 -c "import json, os;/);
      expect(env(c, 'AIRFLOW_SECRETS_BACKEND_PLAIN_KWARGS')?.value, where).toBe('{"connections_prefix":"prod/conn","region_name":"eu-west-1"}');
    }
  });

  test('Vault: the token from its Secret, never a literal; the kwargs are not in airflow.cfg', () => {
    const { airflow, manifests } = synthDeployment({ secretsBackend: vaultToken() });
    expectValidManifests(manifests, { external: { secrets: ['vault'] } });
    expect(airflow.config.render()).toContain('backend = airflow.providers.hashicorp.secrets.vault.VaultBackend');
    const scheduler = container(podSpec(one(manifests, 'Deployment', 'scheduler')), 'scheduler');
    expect(env(scheduler, 'AIRFLOW_SECRETS_BACKEND_KWARG_TOKEN')).toEqual({ name: 'AIRFLOW_SECRETS_BACKEND_KWARG_TOKEN', valueFrom: { secretKeyRef: { name: 'vault', key: 'token' } } });
    expect(JSON.parse(env(scheduler, 'AIRFLOW_SECRETS_BACKEND_PLAIN_KWARGS').value)).toEqual({
      auth_type: 'token', kv_engine_version: 2, mount_point: 'airflow', url: 'https://vault.example.com:8200',
    });
    const approle = synthDeployment({ secretsBackend: SecretsBackend.hashicorpVault({ url: 'http://vault:8200', approleRoleId: 'airflow-role', approleSecretId: secret('secret-id') }) });
    const s = container(podSpec(one(approle.manifests, 'Deployment', 'scheduler')), 'scheduler');
    expect(JSON.parse(env(s, 'AIRFLOW_SECRETS_BACKEND_PLAIN_KWARGS').value)).toMatchObject({ auth_type: 'approle', role_id: 'airflow-role' });
    expect(env(s, 'AIRFLOW_SECRETS_BACKEND_KWARG_SECRET_ID').valueFrom.secretKeyRef).toEqual({ name: 'vault', key: 'secret-id' });
  });

  test('GCP: a service account key from its Secret as gcp_keyfile_dict (parsed JSON); without one, no kwargs env at all', () => {
    const { manifests } = synthDeployment({ secretsBackend: SecretsBackend.gcpSecretManager({ projectId: 'p1', keyfileJson: secret('key.json') }) });
    const s = container(podSpec(one(manifests, 'Deployment', 'scheduler')), 'scheduler');
    expect(env(s, 'AIRFLOW_SECRETS_BACKEND_JSON_KWARG_GCP_KEYFILE_DICT').valueFrom.secretKeyRef).toEqual({ name: 'vault', key: 'key.json' });
    const bare = synthDeployment({ secretsBackend: SecretsBackend.gcpSecretManager() });
    const b = container(podSpec(one(bare.manifests, 'Deployment', 'scheduler')), 'scheduler');
    expect((b.env as any[]).map(e => e.name).filter(n => n.includes('SECRETS_BACKEND'))).toEqual([]);
    expect(bare.airflow.config.render()).toContain('backend = airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend');
  });

  test('custom: the kwargs JSON from a Secret as AIRFLOW__SECRETS__BACKEND_KWARGS', () => {
    const { manifests } = synthDeployment({ secretsBackend: SecretsBackend.custom('my_company.secrets.Backend', secret('kwargs')) });
    const s = container(podSpec(one(manifests, 'Deployment', 'scheduler')), 'scheduler');
    expect(env(s, 'AIRFLOW__SECRETS__BACKEND_KWARGS').valueFrom.secretKeyRef).toEqual({ name: 'vault', key: 'kwargs' });
    expect(env(s, 'AIRFLOW__SECRETS__BACKEND_KWARGS_CMD')).toBeUndefined();
  });

  test.each<[string, () => unknown, string]>([
    ['Vault without a URL scheme', () => SecretsBackend.hashicorpVault({ url: 'vault:8200', token: secret('t') }),
      "SecretsBackend.hashicorpVault: 'url' must be the Vault server's http:// or https:// URL, e.g. 'https://vault.example.com:8200', got 'vault:8200'"],
    ['Vault with two auth methods', () => SecretsBackend.hashicorpVault({ url: 'http://v:8200', token: secret('t'), approleRoleId: 'r', approleSecretId: secret('s') }),
      "SecretsBackend.hashicorpVault: give either 'token' or 'approleRoleId' with 'approleSecretId', not both"],
    ['Vault without auth', () => SecretsBackend.hashicorpVault({ url: 'http://v:8200', approleRoleId: 'r' }),
      "SecretsBackend.hashicorpVault: give 'token' (a Secret holding a Vault token) or both 'approleRoleId' and 'approleSecretId'"],
    ['Vault KV engine 3', () => SecretsBackend.hashicorpVault({ url: 'http://v:8200', token: secret('t'), kvEngineVersion: 3 }),
      "SecretsBackend.hashicorpVault: 'kvEngineVersion' must be 1 or 2, got 3"],
    ['an empty prefix', () => SecretsBackend.awsSecretsManager({ connectionsPrefix: '' }),
      "SecretsBackend.awsSecretsManager: 'connectionsPrefix' must be a non-empty string on one line, got \"\""],
    ['a custom class that is not a class path', () => SecretsBackend.custom('MyBackend'),
      "SecretsBackend.custom: 'backendClass' must be a dotted Python class path like 'my_package.secrets.MyBackend', got 'MyBackend'"],
    ['the kwargs in secretSettings too', () => synthDeployment({ secretsBackend: vaultToken(), secretSettings: { 'secrets.backend_kwargs': secret('k') } }),
      "Airflow setting 'secrets.backend_kwargs' is managed by this library: set 'secretsBackend' instead of overriding it in 'secretSettings'"],
    ['the backend in settings too', () => synthDeployment({ secretsBackend: vaultToken(), settings: { 'secrets.backend': 'x.Y' } }),
      "Airflow setting 'secrets.backend' is managed by this library: set 'secretsBackend' instead of overriding it in 'settings'"],
  ])('%s is refused', (_, build, message) => {
    expect(build).toThrow(message);
  });
});

/**
 * Real Airflow reads the kwargs the way the containers give them: `[secrets] backend_kwargs` through the `_CMD` variable
 * (Airflow runs it), with the secret kwargs from their (stand-in) Secrets, and instantiates the AWS backend with them.
 */
describeWith(['airflow'], 'Airflow reads the secrets backend kwargs from the containers\' env (real Airflow)', () => {
  const run = (version: string, props: AirflowDeploymentProps, script: string, tamper: (env: Record<string, string>) => void = () => {}) => {
    const { airflow, manifests } = synthDeployment({ airflowVersion: AirflowVersion.of(version), ...props });
    const scheduler = container(podSpec(one(manifests, 'Deployment', 'scheduler')), 'scheduler');
    const environment: Record<string, string> = {};
    for (const e of scheduler.env as any[]) {
      if (!/SECRETS/.test(e.name)) continue;
      environment[e.name] = e.value ?? `stand-in-${e.valueFrom.secretKeyRef.key}`;
    }
    tamper(environment);
    const home = mkdtempSync(join(tmpdir(), 'secrets-backend-'));
    // Airflow builds the backend when it is imported; the test venvs have the amazon provider only (not hashicorp or
    // google), so those cases run with the AWS class, which takes any kwargs: what is judged is the kwargs Airflow reads.
    writeFileSync(join(home, 'airflow.cfg'), airflow.config.render().replace(/^backend = airflow\.providers\.(hashicorp|google)\..*$/m, `backend = ${AWS_CLASS}`));
    const bin = join(CACHE_DIR, 'venvs', `airflow-${version}`, 'bin');
    const r = spawnSync(join(bin, 'python'), ['-c', script], {
      encoding: 'utf-8', timeout: 120_000, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: home, AIRFLOW_HOME: home, ...environment },
    });
    return { ...r, last: r.stdout.trim().split('\n').pop() };
  };
  const kwargs = 'import json; from airflow.configuration import conf; print(json.dumps(conf.getjson("secrets", "backend_kwargs"), sort_keys=True))';
  test.each(['3.2.2', '2.11.0'])('Airflow %s: Vault kwargs with the token from its Secret', (version) => {
    const r = run(version, { secretsBackend: vaultToken() }, kwargs);
    expect(r.stderr).not.toMatch(/Traceback/);
    expect(JSON.parse(r.last!)).toEqual({ auth_type: 'token', kv_engine_version: 2, mount_point: 'airflow', token: 'stand-in-token', url: 'https://vault.example.com:8200' });
  }, 120_000);
  test('Airflow 3.2.2: a GCP key file from its Secret arrives as a dict', () => {
    const r = run('3.2.2', { secretsBackend: SecretsBackend.gcpSecretManager({ projectId: 'p1', keyfileJson: secret('key.json') }) }, kwargs,
      e => { e.AIRFLOW_SECRETS_BACKEND_JSON_KWARG_GCP_KEYFILE_DICT = '{"type": "service_account", "private_key": "k"}'; });
    expect(JSON.parse(r.last!)).toEqual({ gcp_keyfile_dict: { private_key: 'k', type: 'service_account' }, project_id: 'p1' });
  }, 120_000);
  test.each(['3.2.2', '2.11.0'])('Airflow %s: the AWS backend is built with the prefixes and region given', (version) => {
    const script = 'from airflow.configuration import ensure_secrets_loaded\nb = ensure_secrets_loaded()[0]\nprint(type(b).__name__, b.connections_prefix, b.variables_prefix, b.kwargs.get("region_name"))';
    const r = run(version, { secretsBackend: SecretsBackend.awsSecretsManager({ connectionsPrefix: 'prod/conn', regionName: 'eu-west-1' }) }, script);
    expect(r.stderr).not.toMatch(/Traceback/);
    expect(r.last).toBe('SecretsManagerBackend prod/conn airflow/variables eu-west-1');
  }, 120_000);
  test('the oracle fails: a command that cannot build the kwargs makes Airflow refuse the configuration', () => {
    const r = run('3.2.2', { secretsBackend: vaultToken() }, kwargs, e => { delete e.AIRFLOW_SECRETS_BACKEND_PLAIN_KWARGS; });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Cannot execute');
  }, 120_000);
});
