import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { expectValidManifests } from '../support/manifests';

// scripts/install-check.js does what a user does: npm pack, a scratch cdk8s app with its own package.json, npm install of
// the tarball, main.ts = examples/cdk8s-app.ts, `cdk8s synth`. It runs on the peer floors package.json declares (the
// lowest releases the library works with) and on the current dev versions; only the npm registry (through its cache).
const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'install-check.js');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { floorOf } = require('../../scripts/install-check.js');

interface InstallCheck { dir: string; outdir: string; tarball: string; installed: Record<string, string> }

function installCheck(...args: string[]): InstallCheck {
  const out = execFileSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function manifestsOf(run: InstallCheck): any[] {
  return parseAllDocuments(fs.readFileSync(path.join(run.outdir, 'airflow.k8s.yaml'), 'utf8')).map(d => d.toJSON());
}

describe('the packed library in a fresh cdk8s app', () => {
  const PEERS = ['cdk8s', 'constructs', 'cdk8s-plus-28'];
  let floors: InstallCheck;
  let current: InstallCheck;
  const dirs: string[] = [];

  beforeAll(() => {
    floors = installCheck();
    dirs.push(floors.dir);
    current = installCheck('--current', '--plus-33', '--tarball', floors.tarball);
    dirs.push(current.dir);
  }, 900_000);
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  test('installs on the lowest peer versions package.json declares, without ERESOLVE', () => {
    const expected = Object.fromEntries(PEERS.map(name => [name, floorOf(pkg.peerDependencies[name])]));
    expect(Object.fromEntries(PEERS.map(name => [name, floors.installed[name]]))).toEqual(expected);
    expect(floors.installed['cdk8s-airflow']).toBe(pkg.version);
  });

  test('npx cdk8s-airflow from-helm works from the tarball: every test/helm fixture converts, compiles and synthesizes', () => {
    // scripts/check-from-helm-tarball.sh (issue #14) in the app the tarball is installed in, on the current versions.
    const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'check-from-helm-tarball.sh'), current.dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).not.toContain('FAIL');
    expect(fs.readdirSync(path.join(current.dir, 'from-helm', 'js')).length).toBeGreaterThanOrEqual(10);
  }, 600_000);

  test('cdk8s synth on the floors writes valid manifests: git-sync DAGs and a Celery pool', () => {
    const manifests = manifestsOf(floors);
    expectValidManifests(manifests);
    const component = (m: any) => m.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'];
    const workers = manifests.filter(m => m.kind === 'Deployment' && component(m) === 'worker');
    expect(workers.map(w => w.spec.replicas)).toEqual([2]);
    expect(JSON.stringify(workers[0].spec.template.spec.containers)).toContain('celery');
    const dagProcessor = manifests.find(m => m.kind === 'Deployment' && component(m) === 'dag-processor');
    expect(JSON.stringify(dagProcessor.spec.template.spec)).toMatch(/git-sync/);
  });

  test('the current dev versions synthesize the very same manifests', () => {
    expect(Object.fromEntries(PEERS.map(name => [name, current.installed[name]]))).toEqual(
      Object.fromEntries(PEERS.map(name => [name, pkg.devDependencies[name]])));
    expect(fs.readFileSync(path.join(current.outdir, 'airflow.k8s.yaml'), 'utf8'))
      .toBe(fs.readFileSync(path.join(floors.outdir, 'airflow.k8s.yaml'), 'utf8'));
  });

  // AirflowApp writes YAML with its own emitter (src/app/fast-yaml.ts, modelled on the yaml that cdk8s 2.70 bundles):
  // on the peer floors (cdk8s 2.68.12 with the yaml it bundles) and on the current versions, it writes the very bytes
  // `App.synth()` writes for the same app.
  test.each(['floors', 'current'])('AirflowApp on the %s writes what App.synth() writes, byte for byte', which => {
    const run = which === 'floors' ? floors : current;
    const main = fs.readFileSync(path.join(run.dir, 'main.ts'), 'utf8');
    const source = main.replace('const app = new App();', 'const app = new AirflowApp({ quiet: true });')
      .replace(/import \{ ([^}]*) \} from 'cdk8s-airflow';/, "import { $1, AirflowApp } from 'cdk8s-airflow';");
    expect(source).toContain('new AirflowApp(');
    fs.writeFileSync(path.join(run.dir, 'airflow-app.ts'), source);
    const outdir = path.join(run.dir, 'airflow-app-out');
    execFileSync(path.join(run.dir, 'node_modules', '.bin', 'ts-node'), ['--compilerOptions', '{"module":"node16"}', 'airflow-app.ts'], {
      cwd: run.dir, env: { ...process.env, CDK8S_OUTDIR: outdir }, stdio: 'pipe',
    });
    expect(fs.readFileSync(path.join(outdir, 'airflow.k8s.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(run.outdir, 'airflow.k8s.yaml'), 'utf8'));
    expect(fs.existsSync(path.join(outdir, 'airflow.airflow.md'))).toBe(true);
  }, 300_000);

  // The library writes and reads YAML with the copy of `yaml` cdk8s bundles and has already loaded
  // (src/utils/cdk8s-yaml.ts): an app that synthesizes through AirflowApp and converts a values file loads no other.
  const YAML_COPIES = String.raw`
const path = require('path');
const { Chart } = require('cdk8s');
const { AirflowApp, AirflowDeployment, HelmValues } = require('cdk8s-airflow');
const app = new AirflowApp({ outdir: process.argv[1], quiet: true });
new AirflowDeployment(new Chart(app, 'airflow', { namespace: 'airflow' }), 'Airflow', { loadExamples: true });
app.synth();
HelmValues.fromYaml(['executor: CeleryExecutor\n']);
const roots = Object.keys(require.cache).filter(f => /[\\/]node_modules[\\/]yaml[\\/]/.test(f)).map(f => f.replace(/([\\/]node_modules[\\/]yaml)[\\/].*$/, '$1'));
process.stdout.write(JSON.stringify({ roots: [...new Set(roots)], cdk8s: path.dirname(require.resolve('cdk8s/package.json')) }));
`;
  test.each(['floors', 'current'])('on the %s, the library loads no copy of yaml besides the one cdk8s bundles', which => {
    const run = which === 'floors' ? floors : current;
    const out = execFileSync(process.execPath, ['-e', YAML_COPIES, path.join(run.dir, 'yaml-copies-out')], { cwd: run.dir, encoding: 'utf8' });
    const { roots, cdk8s } = JSON.parse(out);
    expect(roots).toEqual([path.join(cdk8s, 'node_modules', 'yaml')]);
    expect(fs.existsSync(path.join(run.dir, 'node_modules', 'cdk8s-airflow', 'node_modules'))).toBe(false);
  }, 120_000);

  // An app from `cdk8s init typescript-app` imports cdk8s-plus-33. What it may pass in (README "Use it in your cdk8s app"):
  // Secrets and claims of cdk8s-plus-33 work; its Volumes do not (private members make them another type), and the
  // library's AirflowVolumes factories give the right ones.
  function tscIn(dir: string, file: string, source: string): { status: number; output: string } {
    fs.writeFileSync(path.join(dir, file), source);
    const args = ['--noEmit', '--strict', '--esModuleInterop', '--skipLibCheck', '--module', 'node16', '--target', 'es2022', '--types', 'node', '--ignoreConfig', file];
    try {
      execFileSync(path.join(dir, 'node_modules', '.bin', 'tsc'), args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      return { status: 0, output: '' };
    } catch (e: any) {
      return { status: e.status, output: `${e.stdout}${e.stderr}` };
    }
  }
  const PLUS_33_APP = [
    "import { App, Chart } from 'cdk8s';",
    "import * as kplus from 'cdk8s-plus-33';",
    "import { AirflowDeployment, AirflowExecutor, AirflowVolumes, MetadataDatabase, PvcDagSource } from 'cdk8s-airflow';",
    'const app = new App();',
    "const chart = new Chart(app, 'airflow', { namespace: 'airflow' });",
    "const db = kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db');",
    'new AirflowDeployment(chart, \'Airflow\', {',
    "  database: MetadataDatabase.external({ connection: { secret: db, key: 'url' } }),",
    "  dagSource: new PvcDagSource({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'Dags', 'airflow-dags') }),",
    "  scheduler: { extraVolumes: [AirflowVolumes.fromClaimName(chart, 'Data', 'shared-data')] },",
    "  imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'Pull', 'regcred')],",
    '  executor: AirflowExecutor.celery({ pools: [{',
    "    name: 'default', resources: { cpu: { request: kplus.Cpu.units(1) } }, envVariables: { TEAM: kplus.EnvValue.fromValue('data') },",
    "    serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'Workers', 'airflow-workers'),",
    '  }] }),',
    '});',
    'app.synth();',
    '',
  ].join('\n');

  test('an app on cdk8s-plus-33 passes its own Secrets, claims, ServiceAccounts, resources and env, and volumes from AirflowVolumes', () => {
    expect(current.installed['cdk8s-plus-33']).toMatch(/^2\./);
    expect(tscIn(current.dir, 'plus33.ts', PLUS_33_APP)).toEqual({ status: 0, output: '' });
    // and it synthesizes: the cdk8s-plus-33 objects end up in the manifests
    const outdir = path.join(current.dir, 'plus33-out');
    execFileSync(path.join(current.dir, 'node_modules', '.bin', 'ts-node'), ['--compilerOptions', '{"module":"node16"}', 'plus33.ts'], {
      cwd: current.dir, env: { ...process.env, CDK8S_OUTDIR: outdir }, stdio: 'pipe',
    });
    const manifests = parseAllDocuments(fs.readFileSync(path.join(outdir, 'airflow.k8s.yaml'), 'utf8')).map(d => d.toJSON());
    const text = JSON.stringify(manifests);
    for (const name of ['"airflow-db"', '"airflow-dags"', '"shared-data"', '"regcred"', '"airflow-workers"', '"TEAM"']) expect(text).toContain(name);
    expectValidManifests(manifests, {
      external: { secrets: ['airflow-db', 'regcred'], persistentVolumeClaims: ['airflow-dags', 'shared-data'], serviceAccounts: ['airflow-workers'] },
    });
  }, 180_000);

  test('a cdk8s-plus-33 Volume is refused by the compiler (private members), as README says', () => {
    const source = PLUS_33_APP.replace("AirflowVolumes.fromClaimName(chart, 'Data', 'shared-data')",
      "kplus.Volume.fromPersistentVolumeClaim(chart, 'Data', kplus.PersistentVolumeClaim.fromClaimName(chart, 'DataClaim', 'shared-data'))");
    const result = tscIn(current.dir, 'plus33-volume.ts', source);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Types have separate declarations of a private property/);
  }, 120_000);

  test('a cdk8s below the floor is refused by npm (ERESOLVE): the check can fail', () => {
    let error = '';
    try {
      const run = installCheck('--cdk8s', '2.68.5', '--tarball', floors.tarball);
      dirs.push(run.dir);
    } catch (e: any) {
      error = `${e.stderr}`;
    }
    expect(error).toContain('ERESOLVE');
  }, 300_000);
});

test('floorOf takes the lowest version of a range', () => {
  expect(floorOf('^2.68.12')).toBe('2.68.12');
  expect(floorOf('~6.0.3')).toBe('6.0.3');
  expect(() => floorOf('latest')).toThrow(/cannot take the floor/);
});
