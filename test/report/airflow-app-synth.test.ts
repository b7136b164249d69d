import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch, YamlOutputType } from 'cdk8s';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { AirflowApp, AirflowAppProps, AirflowConfig, AirflowDeployment } from '../../src';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'airflow-app-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => path.join(tmp, String(dirs++));

/** Every file under `dir`, relative path -> content; without the reports (`*.airflow.md`) unless asked. */
function readTree(dir: string, reports = false): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && (reports || !entry.name.endsWith('.airflow.md'))) {
      const full = path.join(entry.parentPath, entry.name);
      files[path.relative(dir, full)] = fs.readFileSync(full, 'utf-8');
    }
  }
  return files;
}

function configMap(chart: Chart, id: string, data: Record<string, string> = { key: id }): ApiObject {
  return new ApiObject(chart, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id.toLowerCase() }, data } as any);
}

type Layout = (app: App) => void;

/** Two Airflow deployments in their own charts and a plain chart: no dependency between charts. */
const independent: Layout = app => {
  for (const team of ['team-a', 'team-b']) {
    const chart = new Chart(app, team, { namespace: team });
    new AirflowDeployment(chart, 'Airflow', { loadExamples: true });
  }
  configMap(new Chart(app, 'extra'), 'Extra');
};

/**
 * Charts that depend on each other: a chart-level dependency, a construct-level dependency across charts (cdk8s
 * turns it into ApiObject dependencies) and a nested chart; the charts are declared in an order the dependencies
 * reverse.
 */
const dependent: Layout = app => {
  const airflowChart = new Chart(app, 'airflow', { namespace: 'airflow' });
  const airflow = new AirflowDeployment(airflowChart, 'Airflow', {});
  const base = new Chart(app, 'base');
  const namespace = new ApiObject(base, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'airflow' } });
  airflowChart.addDependency(base);
  const after = new Chart(app, 'after');
  const report = configMap(after, 'Report');
  report.node.addDependency(airflow);
  report.node.addDependency(namespace);
  configMap(new Chart(after, 'nested'), 'Nested');
};

const MODES: Array<[string, YamlOutputType]> = [
  ['FILE_PER_CHART', YamlOutputType.FILE_PER_CHART],
  ['FILE_PER_APP', YamlOutputType.FILE_PER_APP],
  ['FILE_PER_RESOURCE', YamlOutputType.FILE_PER_RESOURCE],
  ['FOLDER_PER_CHART_FILE_PER_RESOURCE', YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE],
];

/** Synthesizes the layout once with cdk8s's `App` and once with `AirflowApp`; returns both trees. */
function both(layout: Layout, props: AirflowAppProps = {}): { cdk8s: Record<string, string>; airflow: Record<string, string> } {
  const plain = new App({ ...props, outdir: freshDir() });
  layout(plain);
  plain.synth();
  const linear = new AirflowApp({ ...props, quiet: true, outdir: freshDir() });
  layout(linear);
  linear.synth();
  return { cdk8s: readTree(plain.outdir), airflow: readTree(linear.outdir) };
}

describe('AirflowApp writes what App.synth() writes, byte for byte', () => {
  for (const [name, layout] of [['independent charts', independent], ['charts depending on each other', dependent]] as const) {
    for (const [mode, yamlOutputType] of MODES) {
      test(`${name}, ${mode}`, () => {
        const { cdk8s, airflow } = both(layout, { yamlOutputType });
        expect(Object.keys(cdk8s).length).toBeGreaterThan(0);
        expect(airflow).toEqual(cdk8s);
      });
    }
  }

  test('dependent charts are written with their index, in dependency order', () => {
    const { airflow } = both(dependent);
    expect(Object.keys(airflow).sort()).toEqual(['0000-after-nested-c8836b9c.k8s.yaml', '0001-base.k8s.yaml', '0002-airflow.k8s.yaml', '0003-after.k8s.yaml']);
  });

  test('construct metadata and a custom file extension', () => {
    const { cdk8s, airflow } = both(independent, { recordConstructMetadata: true, outputFileExtension: '.yml' });
    expect(Object.keys(airflow)).toContain('construct-metadata.json');
    expect(airflow).toEqual(cdk8s);
  });

  test('synthYaml() returns what App.synthYaml() returns', () => {
    const plain = new App({ outdir: freshDir() });
    dependent(plain);
    const linear = new AirflowApp({ quiet: true, outdir: freshDir() });
    dependent(linear);
    expect(linear.synthYaml()).toEqual(plain.synthYaml());
  });
});

describe('AirflowApp does each piece of work once', () => {
  test('each object of a deployment, and the task pod template, is rendered once, the report included (App renders each twice)', () => {
    const renders = (AppClass: typeof App) => {
      const app = new AppClass({ outdir: freshDir(), quiet: true } as AirflowAppProps);
      const airflow = new AirflowDeployment(new Chart(app, 'airflow'), 'Airflow', {});
      const objects = new Set<unknown>(airflow.node.findAll().filter(c => c instanceof ApiObject));
      // the KubernetesExecutor's pod template (in its own detached app) is rendered into its ConfigMap and read by the report
      objects.add(ApiObject.of(airflow.kubernetesExecutor!.podTemplate));
      const toJson = vi.spyOn(ApiObject.prototype, 'toJson');
      try {
        app.synth();
        return { objects: objects.size, renders: toJson.mock.contexts.filter(c => objects.has(c)).length };
      } finally {
        toJson.mockRestore();
      }
    };
    const plain = renders(App);
    expect(plain.renders).toBe(2 * plain.objects);
    expect(renders(AirflowApp)).toEqual({ objects: plain.objects, renders: plain.objects });
  });

  test('the configuration\'s checksum and owned-key check are computed once per deployment, whatever the number of pods and charts', () => {
    const count = (AppClass: typeof App) => {
      const app = new AppClass({ outdir: freshDir(), quiet: true } as AirflowAppProps);
      const configs = new Set<unknown>();
      const checksum = vi.spyOn(AirflowConfig.prototype as any, 'computeChecksum');
      const ownedKeys = vi.spyOn(AirflowConfig.prototype as any, 'findOwnedKeyErrors');
      try {
        for (let i = 0; i < 3; i++) configs.add(new AirflowDeployment(new Chart(app, `chart-${i}`, { namespace: `ns-${i}` }), 'Airflow', {}).config);
        app.synth();
        const calls = (spy: typeof checksum) => spy.mock.contexts.filter(c => configs.has(c)).length;
        return { checksum: calls(checksum), ownedKeys: calls(ownedKeys) };
      } finally {
        checksum.mockRestore();
        ownedKeys.mockRestore();
      }
    };
    // each deployment has several Airflow pods reading the checksum, and App validates every config 3 + 1 times
    expect(count(App)).toEqual({ checksum: 3, ownedKeys: 3 });
    expect(count(AirflowApp)).toEqual({ checksum: 3, ownedKeys: 3 });
  });

  test('a change to the configuration after a synth is in the next one (nothing computed is kept past a change)', () => {
    const app = new AirflowApp({ quiet: true, outdir: freshDir() });
    const airflow = new AirflowDeployment(new Chart(app, 'airflow'), 'Airflow', {});
    app.synth();
    const before = fs.readFileSync(path.join(app.outdir, 'airflow.k8s.yaml'), 'utf-8');
    const checksum = airflow.config.checksum;
    airflow.config.set('core', 'parallelism', '64');
    expect(airflow.config.checksum).not.toEqual(checksum);
    app.synth();
    const after = fs.readFileSync(path.join(app.outdir, 'airflow.k8s.yaml'), 'utf-8');
    expect(before).not.toContain('parallelism = 64');
    expect(after).toContain('parallelism = 64');
    expect(after).toContain(`checksum/airflow-config: ${airflow.config.checksum}`);
    expect(after).not.toContain(`checksum/airflow-config: ${checksum}`);
  });

  test('nothing rendered outside a synth is written: a change after chart.toJson() (which validates) is in the synth', () => {
    const app = new AirflowApp({ quiet: true, outdir: freshDir() });
    const chart = new Chart(app, 'airflow');
    const airflow = new AirflowDeployment(chart, 'Airflow', {});
    const json = chart.toJson(); // cdk8s validates the app here, which renders every object of the deployment
    expect(JSON.stringify(json)).not.toContain('changed-after-toJson');
    const scheduler = airflow.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Deployment')!;
    scheduler.metadata.addAnnotation('example.com/note', 'changed-after-toJson');
    ApiObject.of(airflow.kubernetesExecutor!.podTemplate).metadata.addAnnotation('example.com/note', 'task-pod-changed');
    app.synth();
    const yaml = fs.readFileSync(path.join(app.outdir, 'airflow.k8s.yaml'), 'utf-8');
    expect(yaml).toContain('example.com/note: changed-after-toJson');
    expect(yaml).toContain('task-pod-changed');
  });

  test('a second synth renders anew and writes the same files', () => {
    const app = new AirflowApp({ quiet: true, outdir: freshDir() });
    independent(app);
    app.synth();
    const first = readTree(app.outdir);
    fs.rmSync(app.outdir, { recursive: true });
    app.synth();
    expect(readTree(app.outdir)).toEqual(first);
  });
});

describe('AirflowApp validates once, and every validation still runs', () => {
  test('each construct is validated once per synth (App validates the whole app once per chart, plus once)', () => {
    const count = (AppClass: typeof App) => {
      const app = new AppClass({ outdir: freshDir(), quiet: true } as AirflowAppProps);
      let validations = 0;
      for (let i = 0; i < 10; i++) {
        const chart = new Chart(app, `chart-${i}`);
        configMap(chart, 'Data');
        chart.node.addValidation({ validate: () => { validations++; return []; } });
      }
      app.synth();
      return validations;
    };
    expect(count(App)).toBe(10 * 11);
    expect(count(AirflowApp)).toBe(10);
  });

  test('a deployment that cannot be rendered in chart 57 of 100 fails the synth, and nothing is written', () => {
    const app = new AirflowApp({ quiet: true, outdir: freshDir() });
    for (let i = 0; i < 100; i++) {
      const chart = new Chart(app, `chart-${i}`, { namespace: `ns-${i}` });
      if (i !== 57) {
        configMap(chart, 'Data');
        continue;
      }
      const airflow = new AirflowDeployment(chart, 'Airflow', {});
      const scheduler = airflow.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Deployment')!;
      scheduler.addJsonPatch(JsonPatch.remove('/spec/no/such/field')); // an escape hatch that fails at render time
    }
    expect(() => app.synth()).toThrow(/Validation failed with the following errors:\n {2}\[chart-57\/Airflow\] Deployment '.*' \(chart-57\/Airflow\/.*\) cannot be rendered/);
    expect(fs.existsSync(app.outdir)).toBe(false);
  });

  test('100 deployments, the one in chart 57 with a bad input found at synth (a warning in strict mode): the synth fails, nothing is written', () => {
    const app = new AirflowApp({ quiet: true, outdir: freshDir() });
    for (let i = 0; i < 100; i++) {
      // the embedded PostgreSQL is a warning, an error with 'strict'
      new AirflowDeployment(new Chart(app, `chart-${i}`, { namespace: `ns-${i}` }), 'Airflow', { strict: i === 57 });
    }
    expect(() => app.synth()).toThrow(/^Validation failed with the following errors:\n {2}\[chart-57\/AirflowWarnings\] the embedded PostgreSQL is one pod without backups or failover[^\n]*\(a warning, an error in strict mode[^\n]*$/);
    expect(fs.existsSync(app.outdir)).toBe(false);
  }, 60_000);

  test('a failing validation of any construct fails the synth with cdk8s\'s message, and nothing is written', () => {
    const app = new AirflowApp({ quiet: true, outdir: freshDir() });
    for (let i = 0; i < 100; i++) {
      const chart = new Chart(app, `chart-${i}`);
      configMap(chart, 'Data');
      if (i === 57) chart.node.addValidation({ validate: () => ['chart 57 is wrong'] });
    }
    expect(() => app.synth()).toThrow('Validation failed with the following errors:\n  [chart-57] chart 57 is wrong');
    expect(fs.existsSync(app.outdir)).toBe(false);
  });

  test('an object that fails to render outside any validation still writes nothing', () => {
    const app = new AirflowApp({ quiet: true, outdir: freshDir() });
    for (let i = 0; i < 100; i++) {
      const data = configMap(new Chart(app, `chart-${i}`), 'Data');
      if (i === 57) data.addJsonPatch(JsonPatch.remove('/no/such/field'));
    }
    expect(() => app.synth()).toThrow();
    expect(fs.existsSync(app.outdir)).toBe(false);
  });

  test('an unknown output type is refused with the types it knows', () => {
    const app = new AirflowApp({ quiet: true, outdir: freshDir(), yamlOutputType: 42 as YamlOutputType });
    configMap(new Chart(app, 'chart'), 'Data');
    expect(() => app.synth()).toThrow('AirflowApp: yamlOutputType 42 is not one cdk8s 2.70 knows; use FILE_PER_APP, FILE_PER_CHART, FILE_PER_RESOURCE or FOLDER_PER_CHART_FILE_PER_RESOURCE.');
    expect(fs.existsSync(app.outdir)).toBe(false);
  });
});
