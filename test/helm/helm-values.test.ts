import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { beforeAll, describe, expect, test } from 'vitest';
import { HelmValues, HelmProgram } from '../../src';
import { runCli } from '../../src/helm/helm-cli';
import { mergeHelmValues } from '../../src/helm/helm-values-merge';
import { expectValidManifests, GENERATES_SECRETS_ANNOTATION } from '../support/manifests';
import { container, env, podSpec } from '../support/synth';

const FIXTURES = path.join(__dirname, 'fixtures');
const OUT = path.join(__dirname, '.generated');
const ROOT = path.join(__dirname, '..', '..');

/** name -> the values files (merged in order) */
const CASES: Record<string, string[]> = {
  'git-sync-ssh': ['git-sync-ssh.yaml'],
  'efs-existing-claim': ['efs-existing-claim.yaml'],
  'celery-keda-pgbouncer': ['celery-keda-pgbouncer.yaml'],
  'k8s-s3-irsa': ['k8s-s3-irsa.yaml'],
  'external-database': ['external-database.yaml'],
  'ingress-tls': ['ingress-tls.yaml'],
  'airflow-2-config': ['airflow-2-config.yaml', 'airflow-3-upgrade.yaml'],
  'extra-containers': ['extra-containers.yaml'],
  'every-key': ['every-key.yaml'],
  'unknown-keys': ['unknown-keys.yaml'],
  'defaults': [],
};

const programs: Record<string, HelmProgram> = {};
const manifests: Record<string, any[]> = {};

function kept(source: string, kind: 'Secret' | 'PersistentVolumeClaim' | 'ConfigMap'): string[] {
  const method = { Secret: 'fromSecretName', PersistentVolumeClaim: 'fromClaimName', ConfigMap: 'fromConfigMapName' }[kind];
  return [...source.matchAll(new RegExp(`${method}\\(this, '[^']*', '([^']+)'\\)`, 'g'))].map(m => m[1]);
}

function workload(objects: any[], name: string): any {
  const found = objects.find(o => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.name === name);
  if (!found) throw new Error(`no workload ${name}: ${objects.filter(o => ['Deployment', 'StatefulSet'].includes(o.kind)).map(o => o.metadata.name).join(', ')}`);
  return found;
}

beforeAll(async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  for (const [name, files] of Object.entries(CASES)) {
    const texts = files.map(f => fs.readFileSync(path.join(FIXTURES, f), 'utf8'));
    programs[name] = HelmValues.fromYaml(texts).toProgram({ releaseName: 'airflow', releaseNamespace: 'airflow', importFrom: '../../../src', sourceNames: files });
    fs.writeFileSync(path.join(OUT, `${name}.ts`), programs[name].source);
  }
  // one tsc run type-checks every generated program (strict, as the project compiles).
  fs.writeFileSync(path.join(OUT, 'tsconfig.json'), JSON.stringify({
    extends: '../../../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '../../..', noUnusedLocals: true }, include: ['*.ts'],
  }));
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(OUT, 'tsconfig.json')], { stdio: 'pipe' });
  for (const name of Object.keys(CASES)) {
    const module = await import(path.join(OUT, `${name}.ts`));
    manifests[name] = Testing.synth(new module.AirflowFromHelm(Testing.app(), name));
  }
}, 240_000);

describe('every generated program compiles, synthesizes and passes the manifest harness', () => {
  for (const name of Object.keys(CASES)) {
    test(name, () => {
      const source = programs[name].source;
      expectValidManifests(manifests[name], {
        external: {
          secrets: kept(source, 'Secret'),
          persistentVolumeClaims: kept(source, 'PersistentVolumeClaim'),
          configMaps: kept(source, 'ConfigMap'),
        },
      });
    });
  }
});

describe('the harness judges the generated output', () => {
  test('fails when the kept Secrets and claims are not declared external (so the references are really checked)', () => {
    expect(() => expectValidManifests(manifests['efs-existing-claim'])).toThrow(/airflow-fernet-key|my-volume-claim/);
  });
});

describe('the props that matter', () => {
  test('default values keep the chart\'s Fernet key, never a new one', () => {
    const scheduler = workload(manifests.defaults, 'airflow-scheduler');
    const fernet = env(container(podSpec(scheduler), 'scheduler'), 'AIRFLOW__CORE__FERNET_KEY');
    expect(fernet.valueFrom.secretKeyRef).toEqual({ name: 'airflow-fernet-key', key: 'fernet-key' });
    // the secret generator creates only the login Secret of the auth manager (the chart's default has none we could keep),
    // never a Fernet key.
    const generated = manifests.defaults.filter(o => o.metadata.annotations?.[GENERATES_SECRETS_ANNOTATION])
      .map(o => o.metadata.annotations[GENERATES_SECRETS_ANNOTATION]);
    expect(generated).toEqual(['airflow-simple-auth']);
    // chart default: Celery with Redis, the embedded PostgreSQL's connection kept.
    expect(programs.defaults.source).toContain("kplus.Secret.fromSecretName(this, 'Secret-airflow-metadata', 'airflow-metadata')");
    expect(programs.defaults.source).toContain('airflow.AirflowExecutor.celery(');
    expect(programs.defaults.source).toContain("'airflow-redis-password'");
  });

  test('git-sync over SSH with known hosts, KubernetesExecutor', () => {
    const source = programs['git-sync-ssh'].source;
    expect(source).toContain('airflow.AirflowExecutor.kubernetes(');
    expect(source).toContain("repo: 'git@github.com:<username>/<private-repo-name>.git'");
    expect(source).toContain("{ secret: secretAirflowSshSecret, key: 'gitSshKey' }");
    expect(source).toContain('knownHosts: \'github.com ssh-rsa');
    expect(kept(source, 'Secret')).toContain('airflow-ssh-secret');
    // the chart made this Secret from extraSecrets: reported (keep it), its content never copied.
    expect(programs['git-sync-ssh'].reports.map(r => r.path)).toContain('extraSecrets.airflow-ssh-secret');
    expect(source).not.toContain('base64-converted');
  });

  test('EFS existing claim and the chart\'s logs claim are kept', () => {
    const source = programs['efs-existing-claim'].source;
    expect(kept(source, 'PersistentVolumeClaim').sort()).toEqual(['airflow-logs', 'my-volume-claim']);
    const claims = JSON.stringify(manifests['efs-existing-claim']);
    expect(claims).toContain('"claimName":"my-volume-claim"');
    expect(claims).toContain('"claimName":"airflow-logs"');
  });

  test('Celery with KEDA and PgBouncer', () => {
    const objects = manifests['celery-keda-pgbouncer'];
    expect(objects.some(o => o.kind === 'ScaledObject')).toBe(true);
    expect(objects.some(o => o.kind === 'Deployment' && o.metadata.name === 'airflow-pgbouncer')).toBe(true);
    const source = programs['celery-keda-pgbouncer'].source;
    expect(source).toContain('maxReplicas: 10');
    expect(source).toContain('airflow-metadata-direct');
    expect(programs['celery-keda-pgbouncer'].reports.some(r => r.path === 'data.metadataConnection')).toBe(true);
    expect(source).toContain('cpu: { request: kplus.Cpu.millis(500) }');
  });

  test('KubernetesExecutor with S3 logs through IRSA, Airflow 2.11', () => {
    const source = programs['k8s-s3-irsa'].source;
    expect(source).toContain("airflow.AirflowVersion.of('2.11.0')");
    expect(source).toContain("bucket: 'airflow-logs-example'");
    expect(source).toContain('airflow.S3Credentials.fromEnvironment()');
    const sa = manifests['k8s-s3-irsa'].find(o => o.kind === 'ServiceAccount' && o.metadata.name === 'airflow-scheduler');
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/airflow-scheduler');
    expect(kept(source, 'Secret')).toEqual(expect.arrayContaining(['airflow-webserver-secret', 'airflow-metadata-secret', 'airflow-fernet-key']));
    expect(workload(manifests['k8s-s3-irsa'], 'airflow-scheduler').spec.replicas).toBe(2);
    expect(workload(manifests['k8s-s3-irsa'], 'airflow-webserver').spec.replicas).toBe(2);
  });

  test('external database and named Secrets', () => {
    const source = programs['external-database'].source;
    expect(kept(source, 'Secret').sort()).toEqual(['airflow-redis-password', 'my-api-secret', 'my-fernet-secret', 'my-jwt-secret', 'mydatabase']);
    const scheduler = container(podSpec(workload(manifests['external-database'], 'airflow-scheduler')), 'scheduler');
    expect(env(scheduler, 'AIRFLOW__CORE__FERNET_KEY').valueFrom.secretKeyRef).toEqual({ name: 'my-fernet-secret', key: 'fernet-key' });
    expect(workload(manifests['external-database'], 'airflow-scheduler').spec.replicas).toBe(2);
  });

  test('ingress with TLS', () => {
    const ingress = manifests['ingress-tls'].find(o => o.kind === 'Ingress');
    expect(ingress.spec.tls).toEqual([{ hosts: ['airflow.example.com'], secretName: 'airflow-tls' }]);
    expect(ingress.spec.ingressClassName).toBe('nginx');
  });

  test('Airflow 2 keys on Airflow 3 are reported with their new names and written under them', () => {
    const { reports, source } = programs['airflow-2-config'];
    expect(source).toContain("airflow.AirflowVersion.of('3.0.6')");
    const renamed = reports.filter(r => /renamed to/.test(r.what)).map(r => r.path);
    expect(renamed).toEqual(expect.arrayContaining(['config.scheduler.min_file_process_interval', 'config.webserver.expose_config']));
    expect(source).toContain("'dag_processor.min_file_process_interval': '30'");
  });

  test('extra containers and volumes', () => {
    const spec = podSpec(workload(manifests['extra-containers'], 'airflow-scheduler'));
    expect(spec.containers.map((c: any) => c.name)).toContain('sidecar');
    expect(spec.initContainers.map((c: any) => c.name)).toContain('init-container');
    expect(container(spec, 'scheduler').volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ mountPath: '/etc/ssl/internal', readOnly: true })]));
  });

  test('every supported key at once', () => {
    const { source, reports } = programs['every-key'];
    expect(source).toContain("releaseName: 'airflow'");
    expect(source).toContain('airflow.AirflowExecutor.celeryAndKubernetes(');
    expect(source).toContain("'core.default_timezone': 'Europe/Paris'");
    expect(source).toContain("'core.parallelism': '64'");
    expect(source).toContain("'my_plugin.enabled': 'True'");
    expect(source).toContain('workerConcurrency: 8');
    expect(reports.some(r => r.path === 'dags.gitSync.credentialsSecret')).toBe(true);
    expect(workload(manifests['every-key'], 'airflow-scheduler').spec.replicas).toBe(2);
    expect(kept(source, 'Secret')).toEqual(expect.arrayContaining(['acme-fernet', 'acme-db', 'acme-redis', 'acme-result', 'acme-registry', 'acme-tls', 'warehouse-conn', 'acme-env']));
    expect(kept(source, 'PersistentVolumeClaim').sort()).toEqual(['acme-dags', 'acme-logs']);
  });

  test('useStandardNaming names the workloads after the chart\'s fullname, the hook Secrets after the release', () => {
    const { source } = HelmValues.fromYaml(['useStandardNaming: true\nexecutor: KubernetesExecutor\n']).toProgram({ releaseName: 'prod', releaseNamespace: 'data' });
    expect(source).toContain("releaseName: 'prod-airflow'");
    expect(kept(source, 'Secret').sort()).toEqual(['prod-airflow-api-secret-key', 'prod-airflow-metadata', 'prod-fernet-key', 'prod-jwt-secret']);
  });

  test('CeleryKubernetesExecutor: both executors on Airflow 3 (reported), the combined one on Airflow 2', () => {
    const af3 = HelmValues.fromYaml(['executor: CeleryKubernetesExecutor\nairflowVersion: 3.0.6\n']).toProgram({ releaseName: 'a', releaseNamespace: 'n' });
    expect(af3.source).toContain('airflow.AirflowExecutor.celeryAndKubernetes(');
    expect(af3.reports.map(r => r.path)).toContain('executor');
    const af2 = HelmValues.fromYaml(['executor: CeleryKubernetesExecutor\nairflowVersion: 2.11.0\n']).toProgram({ releaseName: 'a', releaseNamespace: 'n' });
    expect(af2.source).toContain('airflow.AirflowExecutor.celeryKubernetes(');
    expect(af2.source).toContain("{ secret: secretAWebserverSecretKey, key: 'webserver-secret-key' }");
  });

  test('settings the library manages are reported, not written', () => {
    const { source, reports } = HelmValues.fromYaml(['config:\n  core:\n    executor: LocalExecutor\n    fernet_key: abc\n']).toProgram({ releaseName: 'a', releaseNamespace: 'n' });
    expect(reports.filter(r => r.path.startsWith('config.core.')).map(r => r.path).sort()).toEqual(['config.core.executor', 'config.core.fernet_key']);
    expect(source).not.toContain('abc');
    const smtp = HelmValues.fromYaml(['config:\n  smtp:\n    smtp_password: hunter2\n  database:\n    sql_alchemy_conn: postgresql://u:hunter2@db/a\n']).toProgram({ releaseName: 'a', releaseNamespace: 'n' });
    expect(smtp.source).not.toContain('hunter2');
    expect(smtp.reports.map(r => r.path).filter(p => p.startsWith('config.')).sort()).toEqual(['config.database.sql_alchemy_conn', 'config.smtp.smtp_password']);
  });

  test('unknown keys are reported, not fatal', () => {
    const paths = programs['unknown-keys'].reports.map(r => r.path);
    expect(paths).toEqual(expect.arrayContaining(['executer', 'schedular.replicas', 'podTemplate', 'multiNamespaceMode', 'config.core.paralelism']));
    expect(programs['unknown-keys'].source).toMatch(/\/\/ - podTemplate: .*Instead: /);
  });
});

describe('merging and the command', () => {
  test('later files win; maps merge deeply, lists are replaced, null removes', () => {
    expect(mergeHelmValues([{ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null }, { a: { e: 2 } }])).toEqual({ a: { b: 1, c: [3], e: 2 } });
  });

  test('prints the program, writes --out, fails only on unreadable input', () => {
    let out = '';
    let err = '';
    expect(runCli(['from-helm', path.join(FIXTURES, 'ingress-tls.yaml'), '--release', 'prod', '--namespace', 'data'], t => { out += t; }, t => { err += t; })).toBe(0);
    expect(out).toContain("new AirflowFromHelm(app, 'prod')");
    expect(out).toContain("'prod-fernet-key'");
    const file = path.join(OUT, 'cli-out.ts.txt');
    expect(runCli(['from-helm', path.join(FIXTURES, 'unknown-keys.yaml'), '-f', path.join(FIXTURES, 'ingress-tls.yaml'), '--out', file], () => {}, t => { err += t; })).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toContain('airflow.example.com');
    expect(runCli(['from-helm', path.join(FIXTURES, 'missing.yaml')], () => {}, t => { err += t; })).toBe(2);
    expect(err).toContain('cannot read');
    fs.writeFileSync(path.join(OUT, 'bad.yaml'), 'a: [1\n');
    expect(runCli(['from-helm', path.join(OUT, 'bad.yaml')], () => {}, () => {})).toBe(2);
    expect(runCli(['nope'], () => {}, () => {})).toBe(2);
  });
});
