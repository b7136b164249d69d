import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowApp, AirflowDeployment, AirflowExecutor, AirflowVersion, CeleryBroker, MetadataDatabase } from '../../src';
import { preflightItems } from '../../src/report/preflight';
import { reportObjects } from '../../src/report/report-objects';
import { checkReferences, GENERATES_SECRETS_ANNOTATION } from '../support/manifests';
import { mermaidBlock, REPORT_EXAMPLES, synthExample } from '../support/report-examples';

const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io',
  'storage.k8s.io', 'scheduling.k8s.io']);

/** Every kind/name the YAML creates. */
function created(manifests: any[]): Set<string> {
  return new Set(manifests.map(m => `${m.kind}/${m.metadata.name}`));
}

/** Secrets the YAML's Jobs generate at run time. */
function generated(manifests: any[]): Set<string> {
  const names = new Set<string>();
  const annotations = manifests.flatMap(m => [m.metadata?.annotations, m.spec?.template?.metadata?.annotations]);
  for (const a of annotations) for (const n of String(a?.[GENERATES_SECRETS_ANNOTATION] ?? '').split(',')) if (n) names.add(n);
  return names;
}

describe.each(REPORT_EXAMPLES.map(([name]) => name))('the report of examples/%s.ts', name => {
  const example = synthExample(name);
  const items = preflightItems(reportObjects(example.deployment));
  const listed = (kind: string) => [...new Set(items.filter(i => i.ref.startsWith(`${kind}/`)).map(i => i.ref.slice(kind.length + 1)))];

  test('is written next to the YAML by AirflowApp.synth(), and equals deployment.report()', () => {
    expect(example.files).toEqual([`${name}.airflow.md`, `${name}.k8s.yaml`]);
    expect(example.report).toBe(example.deployment.report());
    expect(example.report).toContain('## What runs');
    expect(example.report).toContain('## Before you apply: preflight');
  });

  test('is byte-identical run to run', () => {
    expect(synthExample(name).report).toBe(example.report);
  });

  test('lists every workload of the YAML with its name and image', () => {
    const workloads = example.manifests.filter(m => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(m.kind));
    for (const w of workloads) {
      expect(example.report).toContain(`| \`${w.metadata.name}\` |`);
      const spec = w.spec.template?.spec ?? w.spec.jobTemplate.spec.template.spec;
      for (const c of spec.containers) expect(example.report).toContain(`\`${c.name}\`: \`${c.image}\``);
    }
  });

  test('preflight: with what it lists provided, the YAML references nothing missing (the reference checker agrees)', () => {
    const errors = checkReferences(example.manifests, {
      external: {
        secrets: listed('Secret'),
        configMaps: listed('ConfigMap'),
        serviceAccounts: listed('ServiceAccount'),
        persistentVolumeClaims: listed('PersistentVolumeClaim'),
        storageClasses: listed('StorageClass'),
        priorityClasses: listed('PriorityClass'),
      },
    });
    expect(errors).toEqual([]);
    // the checker fails when a listed Secret is left out (it judges the list).
    for (const secret of listed('Secret').slice(0, 1)) {
      const without = checkReferences(example.manifests, { external: { secrets: listed('Secret').filter(s => s !== secret), configMaps: listed('ConfigMap') } });
      expect(without.join('\n')).toContain(`"${secret}"`);
    }
    // and each Secret key it lists is one the YAML reads.
    const yaml = JSON.stringify(example.manifests);
    for (const item of items.filter(i => i.key !== undefined && i.ref.startsWith('Secret/') && i.key !== '.dockerconfigjson' && !i.key.startsWith('tls.'))) {
      expect(yaml, item.what).toContain(`"key":"${item.key}"`);
    }
  });

  test('preflight: lists nothing the YAML creates or generates', () => {
    const objects = created(example.manifests);
    const secrets = generated(example.manifests);
    for (const item of items) {
      expect(objects.has(item.ref), item.ref).toBe(false);
      if (item.ref.startsWith('Secret/')) expect(secrets.has(item.ref.slice('Secret/'.length)), item.ref).toBe(false);
    }
  });

  test('preflight: lists the CRD of every custom resource kind in the YAML, the namespace and every IngressClass', () => {
    const crds = new Set<string>();
    for (const m of example.manifests) {
      const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
      if (!BUILTIN_GROUPS.has(group)) crds.add(`${m.kind.toLowerCase()}s.${group}`);
    }
    expect(listed('CustomResourceDefinition').sort()).toEqual([...crds].sort());
    expect(listed('IngressClass').sort()).toEqual([...new Set(example.manifests.filter(m => m.kind === 'Ingress').map(m => m.spec.ingressClassName))].sort());
    const namespaces = [...new Set(example.manifests.map(m => m.metadata.namespace).filter(n => n !== undefined))];
    expect(listed('Namespace')).toEqual(namespaces);
    for (const item of items) expect(example.report).toContain(`- [ ] ${item.what}`);
  });
});

describe('the examples\' preflight lists', () => {
  test('name the Secrets, keys and CRDs the examples document', () => {
    const refs = (name: string) => preflightItems(reportObjects(synthExample(name).deployment)).map(i => `${i.ref}${i.key ? `:${i.key}` : ''}`);
    expect(refs('quickstart')).toEqual(['Namespace/airflow']);
    // examples/production.ts's comment lists the Secrets it references.
    expect(refs('production')).toEqual(expect.arrayContaining([
      'Secret/airflow-db:url', 'Secret/airflow-db:keda', 'Secret/airflow-redis:url', 'Secret/airflow-core:fernet-key',
      'Secret/airflow-core:api-secret-key', 'Secret/airflow-core:jwt-secret', 'Secret/airflow-git:ssh', 'Secret/airflow-tls:tls.crt',
      'Secret/registry-credentials:.dockerconfigjson', 'Secret/flower-auth:auth', 'IngressClass/nginx',
      'CustomResourceDefinition/scaledobjects.keda.sh', 'CustomResourceDefinition/triggerauthentications.keda.sh',
      'CustomResourceDefinition/servicemonitors.monitoring.coreos.com', 'CustomResourceDefinition/prometheusrules.monitoring.coreos.com',
      'eks.amazonaws.com/role-arn/arn:aws:iam::123456789012:role/airflow-task-logs',
    ]));
    expect(refs('eks-efs-s3')).toContain('CSIDriver/efs.csi.aws.com');
  });

  test('say what a Secret key must contain', () => {
    const report = synthExample('production').report;
    expect(report).toContain('- [ ] Secret `airflow-db` key `url`: the SQLAlchemy URL of the metadata database');
    expect(report).toContain("`kubectl get secret -n airflow airflow-db -o 'jsonpath={.data.url}'`");
    expect(report).toContain("`kubectl get secret -n airflow airflow-tls -o 'jsonpath={.data.tls\\.crt}'`");
  });
});

describe('the login section', () => {
  test('quick start: the SimpleAuthManager, the password read from its Secret, and the port-forward', () => {
    const report = synthExample('quickstart').report;
    expect(report).toContain('- The auth manager: `SimpleAuthManager`, users (`username:role`) `admin:admin`');
    expect(report).toContain("`kubectl get secret -n airflow airflow-simple-auth -o 'jsonpath={.data.password-admin}' | base64 -d`");
    expect(report).toContain('`kubectl port-forward -n airflow svc/airflow-api-server 8080`');
  });

  test('production: Flower\'s credentials with a kubectl get secret line', () => {
    const report = synthExample('production').report;
    expect(report).toContain("Flower's `user:password`: `kubectl get secret -n airflow flower-auth -o 'jsonpath={.data.auth}' | base64 -d`");
  });

  test('Airflow 2: FAB, the admin password from its Secret', () => {
    const chart = new Chart(Testing.app(), 'af2', { namespace: 'airflow' });
    const d = new AirflowDeployment(chart, 'Airflow', { airflowVersion: AirflowVersion.V2_11_0 });
    expect(d.report()).toContain("`kubectl get secret -n airflow airflow-fab-admin -o 'jsonpath={.data.password}' | base64 -d`");
  });
});

describe('AirflowApp', () => {
  test('prints one summary line per deployment, silenced by quiet and by CDK8S_AIRFLOW_QUIET', () => {
    const script = [
      "const { Chart } = require('cdk8s');",
      "const { AirflowApp, AirflowDeployment } = require('./src');",
      'const app = new AirflowApp();',
      "new AirflowDeployment(new Chart(app, 'one', { namespace: 'airflow' }), 'Airflow', { loadExamples: true });",
      'app.synth();',
    ].join('\n');
    const root = join(__dirname, '..', '..');
    const run = (env: { [k: string]: string }) => {
      const outdir = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-summary-'));
      const result = spawnSync(join(root, 'node_modules', '.bin', 'ts-node'), ['-T', '-P', 'examples/tsconfig.json', '-e', script], {
        cwd: root, env: { ...process.env, CDK8S_OUTDIR: outdir, CDK8S_AIRFLOW_QUIET: '', ...env }, encoding: 'utf-8',
      });
      expect(result.status, result.stderr).toBe(0);
      return { stdout: result.stderr, outdir };
    };
    const loud = run({});
    expect(loud.stdout).toContain('[cdk8s-airflow] airflow (Airflow 3.2.2, KubernetesExecutor): ');
    expect(loud.stdout).toContain(`report: ${join(loud.outdir, 'one.airflow.md')}`);
    expect(loud.stdout.split('\n').filter(l => l.startsWith('[cdk8s-airflow] airflow '))).toHaveLength(1);
    const quiet = run({ CDK8S_AIRFLOW_QUIET: '1' });
    expect(quiet.stdout).not.toContain('[cdk8s-airflow] airflow ');
    expect(existsSync(join(quiet.outdir, 'one.airflow.md'))).toBe(true);
  }, 120_000);

  test('two deployments in one chart get one report each, named after the release', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-two-'));
    const app = new AirflowApp({ outdir, quiet: true });
    const chart = new Chart(app, 'team', { namespace: 'airflow' });
    new AirflowDeployment(chart, 'Alpha');
    new AirflowDeployment(chart, 'Beta');
    app.synth();
    expect(readdirSync(outdir).sort()).toEqual(['team.alpha.airflow.md', 'team.beta.airflow.md', 'team.k8s.yaml']);
  });

  test('writes no report when the synth fails', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-fail-'));
    const app = new AirflowApp({ outdir, quiet: true });
    const chart = new Chart(app, 'broken', { namespace: 'airflow' });
    new AirflowDeployment(chart, 'Airflow');
    chart.node.addValidation({ validate: () => ['deliberately broken'] });
    expect(() => app.synth()).toThrow(/deliberately broken/);
    expect(readdirSync(outdir)).toEqual([]);
  });

  test('writeReports serves a plain App', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-plain-'));
    const app = new App({ outdir });
    const chart = new Chart(app, 'plain', { namespace: 'airflow' });
    const db = kplus.Secret.fromSecretName(chart, 'Db', 'my-db');
    new AirflowDeployment(chart, 'Airflow', {
      database: MetadataDatabase.external({ connection: { secret: db, key: 'uri' } }),
      executor: AirflowExecutor.celery({ broker: CeleryBroker.embeddedRedis() }),
    });
    app.synth();
    expect(AirflowApp.writeReports(app)).toEqual([join(outdir, 'plain.airflow.md')]);
    expect(readdirSync(outdir).sort()).toEqual(['plain.airflow.md', 'plain.k8s.yaml']);
  });
});

test('the diagram is in every report', () => {
  for (const [name] of REPORT_EXAMPLES) expect(mermaidBlock(synthExample(name).report)).toMatch(/^```mermaid\nflowchart LR\n/);
});
