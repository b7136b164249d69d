import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Testing } from 'cdk8s';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CeleryKedaChart } from '../../examples/celery-keda';
import { CompactChart } from '../../examples/compact';
import { EksEfsS3Chart } from '../../examples/eks-efs-s3';
import { OnPremGitChart } from '../../examples/onprem-git';
import { ProductionChart } from '../../examples/production';
import { QuickstartChart } from '../../examples/quickstart';
import { expectValidManifests } from '../support/manifests';
import { installedWheel, PYTHON, pythonEnv, ROOT, run, Run, Wheel } from '../support/python';
import { describeWith } from '../support/real-components';

/**
 * Python users: the wheel jsii-pacmak builds (the package task's command), installed with cdk8s, cdk8s-plus-28 and
 * constructs from PyPI (the npm versions) in a clean venv, runs the Python examples of examples/python/; their YAML
 * must be the TypeScript examples' YAML byte for byte. Both sides are synthesized live, so the comparison follows
 * any change of the library's output.
 */

const PY_EXAMPLES = join(ROOT, 'examples', 'python');

/** Each Python example, the TypeScript chart it mirrors and the chart id both `__main__`s use. */
const EXAMPLES: Array<{ py: string; id: string; chart: (app: App, id: string) => unknown }> = [
  { py: 'quickstart.py', id: 'quickstart', chart: (app, id) => new QuickstartChart(app, id) },
  { py: 'production.py', id: 'production', chart: (app, id) => new ProductionChart(app, id) },
  { py: 'celery_keda.py', id: 'celery-keda', chart: (app, id) => new CeleryKedaChart(app, id) },
  { py: 'eks_efs_s3.py', id: 'eks-efs-s3', chart: (app, id) => new EksEfsS3Chart(app, id) },
  { py: 'onprem_git.py', id: 'onprem-git', chart: (app, id) => new OnPremGitChart(app, id) },
  { py: 'compact.py', id: 'compact', chart: (app, id) => new CompactChart(app, id) },
];

/** Runs a Python file (or `-c` code) with the venv, writing YAML into a fresh folder. */
async function python(args: string[], cwd: string = ROOT): Promise<Run & { outdir: string }> {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-py-'));
  const result = await run(PYTHON, args, { cwd, env: pythonEnv({ CDK8S_OUTDIR: outdir }) });
  return { ...result, outdir };
}

function expectOk(result: Run): void {
  expect(result.code, `python exited ${result.code}:\n${result.stderr.slice(-4000)}`).toBe(0);
}

/** What `app.synth()` of the TypeScript chart writes (as quickstart.test.ts checks, the same bytes users get). */
function tsYaml(build: (app: App) => void, file: string): string {
  const app = new App({ outdir: Testing.app().outdir });
  build(app);
  app.synth();
  return readFileSync(join(app.outdir, file), 'utf-8');
}

describeWith(['python-packaging'], 'Python cdk8s apps with the built wheel (examples/python/)', () => {
  let wheel: Wheel;
  const runs: Record<string, Run & { outdir: string }> = {};
  let variant: Run & { outdir: string };

  beforeAll(async () => {
    wheel = await installedWheel();
    // the Python apps run at once: each one starts its own jsii kernel (a node process).
    const results = await Promise.all([
      ...EXAMPLES.map(e => python([join(PY_EXAMPLES, e.py)])),
      // the quick start with one prop changed: proves the byte comparison sees a difference.
      python(['-c', [
        'from cdk8s import App, Chart',
        'from cdk8s_airflow import AirflowDeployment',
        'app = App()',
        'chart = Chart(app, "quickstart", namespace="airflow")',
        'AirflowDeployment(chart, "Airflow", load_examples=False)',
        'app.synth()',
      ].join('\n')]),
    ]);
    EXAMPLES.forEach((e, i) => { runs[e.py] = results[i]; });
    variant = results[EXAMPLES.length];
  }, 900_000);

  test('the wheel is the package task\'s (jsii-pacmak --target python), named cdk8s_airflow', () => {
    expect(wheel.path).toMatch(/\/python\/cdk8s_airflow-[0-9][^/]*-py3-none-any\.whl$/);
    // for the report: 0 s means it came from the cache.
    console.log(`python wheel: build ${wheel.buildSeconds.toFixed(1)} s, install ${wheel.installSeconds.toFixed(1)} s (${wheel.path})`);
  });

  test('the venv runs cdk8s, cdk8s-plus-28 and constructs at the npm versions, the jsii runtime at jsii-pacmak\'s; pip check passes', async () => {
    const npmVersion = (pkg: string) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf-8')).version;
    const result = await python(['-c', [
      'import importlib.metadata as m, json',
      'print(json.dumps({p: m.version(p) for p in ["cdk8s", "cdk8s-plus-28", "constructs", "jsii", "cdk8s-airflow"]}))',
    ].join('\n')]);
    expectOk(result);
    expect(JSON.parse(result.stdout)).toEqual({
      'cdk8s': npmVersion('cdk8s'),
      'cdk8s-plus-28': npmVersion('cdk8s-plus-28'),
      'constructs': npmVersion('constructs'),
      'jsii': npmVersion('jsii-pacmak'),
      'cdk8s-airflow': JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf-8')).version,
    });
    const check = await python(['-m', 'pip', 'check']);
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/^No broken requirements/);
  });

  test('docstrings show the code samples in Python (jsii-rosetta translates them when packaging)', async () => {
    const result = await python(['-c', 'import cdk8s_airflow; print(cdk8s_airflow.AirflowDeployment.__doc__)']);
    expectOk(result);
    expect(result.stdout).toContain('AirflowDeployment(chart, "Airflow", load_examples=True)');
    expect(result.stdout).not.toContain('loadExamples');
  });

  test.each(EXAMPLES)('examples/python/$py writes the YAML of the TypeScript example, byte for byte', ({ py, id, chart }) => {
    const result = runs[py];
    expectOk(result);
    const pyYaml = readFileSync(join(result.outdir, `${id}.k8s.yaml`), 'utf-8');
    const tsYamlText = tsYaml(app => chart(app, id), `${id}.k8s.yaml`);
    expect(pyYaml.length).toBeGreaterThan(10_000);
    expect(pyYaml).toBe(tsYamlText);
  });

  test('podTemplates (a map of structs): a dict value loses its snake_case keys, the KubernetesPodTemplate class keeps them (docs/errors.md)', async () => {
    const program = (template: string) => python(['-c', [
      'import cdk8s_plus_28 as kplus',
      'from cdk8s import App, Chart',
      'from cdk8s_airflow import AirflowDeployment, AirflowExecutor, KubernetesPodTemplate',
      'chart = Chart(App(), "t", namespace="airflow")',
      `AirflowDeployment(chart, "Airflow", executor=AirflowExecutor.kubernetes(pod_templates={"spark": ${template}}))`,
      'cm = [o for o in chart.to_json() if o["kind"] == "ConfigMap" and "spark.yaml" in o["data"]][0]',
      'print("nodeSelector" in cm["data"]["spark.yaml"], "imagePullPolicy: Always" in cm["data"]["spark.yaml"])',
    ].join('\n')]);
    const [dict, struct] = await Promise.all([
      program('{"node_selector": {"pool": "spark"}, "image_pull_policy": kplus.ImagePullPolicy.ALWAYS}'),
      program('KubernetesPodTemplate(node_selector={"pool": "spark"}, image_pull_policy=kplus.ImagePullPolicy.ALWAYS)'),
    ]);
    expectOk(dict);
    expectOk(struct);
    expect(dict.stdout.trim().split('\n').pop()).toBe('False False');
    expect(struct.stdout.trim().split('\n').pop()).toBe('True True');
  });

  test('production.py (strict mode) prints no warning', () => {
    expect(runs['production.py'].stderr).not.toContain('[cdk8s-airflow] warning');
  });

  test('the comparison sees one changed prop: load_examples=False differs from the quick start in that setting only', () => {
    expectOk(variant);
    const py = readFileSync(join(variant.outdir, 'quickstart.k8s.yaml'), 'utf-8');
    const ts = tsYaml(app => new QuickstartChart(app, 'quickstart'), 'quickstart.k8s.yaml');
    expect(py).not.toBe(ts);
    const changed = (a: string, b: string) => a.split('\n').filter(line => !b.split('\n').includes(line));
    expect(changed(ts, py).join('\n')).toContain('load_examples = True');
    expect(changed(py, ts).join('\n')).toContain('load_examples = False');
  });

  test('README\'s Python example is examples/python/main.py, word for word', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf-8');
    const block = /```python\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README.md has no ```python block').not.toBeNull();
    expect(block![1]).toBe(readFileSync(join(PY_EXAMPLES, 'main.py'), 'utf-8'));
  });

  test('main.py through `cdk8s synth` (cdk8s.yaml `app: python main.py`) writes the YAML of examples/readme.ts', async () => {
    const project = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-pyapp-'));
    copyFileSync(join(PY_EXAMPLES, 'main.py'), join(project, 'main.py'));
    writeFileSync(join(project, 'cdk8s.yaml'), 'language: python\napp: python main.py\n');
    const result = await run(join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth'], { cwd: project, env: pythonEnv() });
    expectOk(result);
    const py = readFileSync(join(project, 'dist', 'airflow.k8s.yaml'), 'utf-8');
    // examples/readme.ts runs at import (it is a script, like main.py): run it as a process too (transpile only:
    // `npm test` type-checks the examples).
    const ts = await run(join(ROOT, 'node_modules', '.bin', 'ts-node'), ['-T', '-P', 'examples/tsconfig.json', 'examples/readme.ts'], {
      env: { ...process.env, CDK8S_OUTDIR: join(project, 'ts') },
    });
    expectOk(ts);
    expect(py).toBe(readFileSync(join(project, 'ts', 'airflow.k8s.yaml'), 'utf-8'));
    expectValidManifests(parseAllDocuments(py).map(d => d.toJSON()), { external: { secrets: ['airflow-db'] } });
  });
});

describeWith(['python-packaging'], 'Python users\' wrong input gets an error naming the prop', () => {
  // one Python process runs every case (each would otherwise start its own jsii kernel) and prints one JSON line
  // per case: the exception's type and message, or null when nothing was raised.
  const cases: Record<string, string> = {
    'wrong type of a prop': 'AirflowDeployment(chart(), "Airflow", parallelism="64")',
    'wrong type inside a struct': 'AirflowSchedulerOptions(replicas="2")',
    'wrong type of an enum-like prop': 'AirflowDeployment(chart(), "Airflow", airflow_version="3.2.2")',
    'missing required prop of a factory': 'MetadataDatabase.external()',
    'missing required prop of a struct': 'CeleryWorkerPoolOptions(worker_concurrency=4)',
    'misspelled prop in a dict': 'AirflowDeployment(chart(), "Airflow", scheduler={"replica": 2})',
    'camelCase prop (the TypeScript name)': 'AirflowDeployment(chart(), "Airflow", loadExamples=True)',
    'bad value, checked by the library': 'AirflowDeployment(chart(), "Airflow", parallelism=0)',
    'missing prop, checked by the library': 'AirflowDeployment(chart(), "Airflow", network_policies=NetworkPolicyOptions())',
  };
  let errors: Record<string, { type: string; message: string } | null>;

  beforeAll(async () => {
    await installedWheel();
    const script = [
      'import json',
      'from cdk8s import App, Chart',
      'from cdk8s_airflow import *',
      'def chart():',
      '    return Chart(App(), "test", namespace="airflow")',
      `cases = json.loads(${JSON.stringify(JSON.stringify(cases))})`,
      'for name, code in cases.items():',
      '    try:',
      '        eval(code)',
      '        print(json.dumps([name, None]))',
      '    except Exception as e:',
      '        print(json.dumps([name, {"type": type(e).__name__, "message": str(e)}]))',
    ].join('\n');
    const result = await python(['-c', script]);
    expectOk(result);
    errors = Object.fromEntries(result.stdout.trim().split('\n').map(line => JSON.parse(line)));
  }, 900_000);

  test('a wrong type names the argument and the expected type (typeguard in the generated bindings)', () => {
    expect(errors['wrong type of a prop']).toEqual({
      type: 'TypeError', message: 'type of argument parallelism must be one of (int, float, NoneType); got str instead',
    });
    expect(errors['wrong type inside a struct']?.type).toBe('TypeError');
    expect(errors['wrong type inside a struct']?.message).toMatch(/argument replicas must be .*int.*; got str instead/);
    expect(errors['wrong type of an enum-like prop']?.type).toBe('TypeError');
    expect(errors['wrong type of an enum-like prop']?.message).toMatch(/argument airflow_version must be .*AirflowVersion.*; got str instead/);
  });

  test('a missing required prop is named the Python way (snake_case)', () => {
    expect(errors['missing required prop of a factory']).toEqual({
      type: 'TypeError', message: 'MetadataDatabase.external() missing 1 required keyword-only argument: \'connection\'',
    });
    expect(errors['missing required prop of a struct']).toEqual({
      type: 'TypeError', message: 'CeleryWorkerPoolOptions.__init__() missing 1 required keyword-only argument: \'name\'',
    });
  });

  test('a misspelled or camelCase prop is an error, not silently ignored', () => {
    expect(errors['misspelled prop in a dict']).toEqual({
      type: 'TypeError', message: 'AirflowSchedulerOptions.__init__() got an unexpected keyword argument \'replica\'',
    });
    expect(errors['camelCase prop (the TypeScript name)']).toEqual({
      type: 'TypeError', message: 'AirflowDeployment.__init__() got an unexpected keyword argument \'loadExamples\'',
    });
  });

  test('the library\'s own checks reach Python with their message (props in their TypeScript spelling)', () => {
    expect(errors['bad value, checked by the library']).toEqual({
      type: 'RuntimeError', message: '\'parallelism\' must be a whole number >= 1, got 0',
    });
    expect(errors['missing prop, checked by the library']?.type).toBe('RuntimeError');
    expect(errors['missing prop, checked by the library']?.message).toContain('\'networkPolicies.kubernetesApiCidrs\' is required');
  });
});

describe('scripts/setup/python-packaging.sh', () => {
  test('says SKIP with the reason when no usable Python is there, and exits non-zero', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-cache-'));
    const result = await run('bash', ['scripts/setup/python-packaging.sh'], {
      env: { ...process.env, CDK8S_AIRFLOW_CACHE: cache, CDK8S_AIRFLOW_PYTHON: '/bin/false' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^SKIP: \/bin\/false is not Python >= 3\.10 with venv and ensurepip/m);
  });
});
