import * as path from 'path';
import { ApiObject, App, Chart, DependencyGraph, Names, YamlOutputType } from 'cdk8s';
import { IConstruct, Node } from 'constructs';
import { stringifyYaml } from './fast-yaml';
import { renderValidated } from './validated-render';

/**
 * The synth path of `AirflowApp`, linear in the number of charts, with the output of cdk8s's `App` byte for byte.
 *
 * `App.synth()` (cdk8s 2.70.106, lib/app.js) validates the app, then renders each chart with `chart.toJson()`, which
 * calls `App._synthChart`: that re-resolves the dependencies and re-validates the WHOLE app for every chart, so an
 * app with N charts visits every construct N + 1 times (quadratic in the number of deployments). Here the app is
 * validated and its dependencies resolved once, every chart is rendered in memory, and the files are only produced
 * (named and filled exactly as `App.synth()` does, for every `YamlOutputType`) once everything rendered: when a
 * validation or a render fails, the caller has nothing to write. A file's text is made only when it is written, one
 * at a time, so that a synth never holds the text of every file (at 100 deployments, 17 MB of YAML).
 */

/** One file `App.synth()` would write. @internal */
export interface SynthFile {
  readonly path: string;
  /**
   * The file's text, as `Yaml.save` (or `writeConstructMetadata`) writes it, made from objects already rendered (it
   * cannot fail on an object's render).
   */
  readonly text: () => string;
  /** Whether the file sits in a folder of its own that must be created first. */
  readonly folder?: boolean;
}

/** What one linear synth rendered. @internal */
export interface LinearSynth {
  readonly files: SynthFile[];
  /** Every ApiObject's manifest, as written (read them, never change them). */
  readonly rendered: Map<ApiObject, any>;
}

/**
 * Every file `App.synth()` would write for `app`, rendered in memory (cdk8s 2.70.106, lib/app.js `App.synth`):
 * validation first (the same message as cdk8s), then dependencies, then the charts in topological order.
 * @internal
 */
export function renderAppFiles(app: App): LinearSynth {
  const cache = new FindAllCache();
  validate(app, cache);
  const hasDependantCharts = resolveDependencies(app, cache);
  const rendered = new Map<ApiObject, any>();
  const render = (o: ApiObject) => {
    const json = renderValidated(o);
    rendered.set(o, json);
    return json;
  };
  const charts = app.charts;
  const ext = app.outputFileExtension;
  const files: SynthFile[] = [];
  const resourceFileName = (o: any) => `${o.kind}.${o.metadata.name}`.replace(/[^0-9a-zA-Z-_.]/g, '');
  switch (app.yamlOutputType) {
    case YamlOutputType.FILE_PER_APP: {
      const objects = charts.flatMap(chart => chartApiObjects(chart).map(render));
      if (charts.length > 0) files.push({ path: path.join(app.outdir, `app${ext}`), text: () => stringifyYaml(...objects) });
      break;
    }
    case YamlOutputType.FILE_PER_CHART: {
      charts.forEach((chart, index) => {
        const objects = chartApiObjects(chart).map(render);
        files.push({ path: path.join(app.outdir, chartName(chart, hasDependantCharts, index) + ext), text: () => stringifyYaml(...objects) });
      });
      break;
    }
    case YamlOutputType.FILE_PER_RESOURCE: {
      for (const chart of charts) {
        for (const o of chartApiObjects(chart).map(render)) {
          if (o !== undefined) files.push({ path: path.join(app.outdir, resourceFileName(o) + ext), text: () => stringifyYaml(o) });
        }
      }
      break;
    }
    case YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE: {
      charts.forEach((chart, index) => {
        const folder = path.join(app.outdir, chartName(chart, hasDependantCharts, index));
        // here cdk8s names the file after the ApiObject's own metadata, not the rendered one (a Job named by its
        // content is written to `Job.<release>-migrate.k8s.yaml`)
        for (const o of chartApiObjects(chart)) {
          const json = render(o);
          files.push({ path: path.join(folder, resourceFileName(o) + ext), text: () => stringifyYaml(json), folder: true });
        }
      });
      break;
    }
    default:
      throw new Error(`AirflowApp: yamlOutputType ${app.yamlOutputType} is not one cdk8s 2.70 knows; `
        + 'use FILE_PER_APP, FILE_PER_CHART, FILE_PER_RESOURCE or FOLDER_PER_CHART_FILE_PER_RESOURCE.');
  }
  if ((app as any).recordConstructMetadata) {
    const resources: { [name: string]: { path: string } } = {};
    for (const apiObject of charts.flatMap(chartApiObjects)) resources[apiObject.name] = { path: apiObject.node.path };
    const data = JSON.stringify({ version: '1.0.0', resources });
    files.push({ path: path.join(app.outdir, 'construct-metadata.json'), text: () => data });
  }
  return { files, rendered };
}

/** `App.synthYaml()` validating once (cdk8s resolves the dependencies first here, then validates). @internal */
export function renderAppYaml(app: App): string {
  const cache = new FindAllCache();
  resolveDependencies(app, cache);
  validate(app, cache);
  return stringifyYaml(...app.charts.flatMap(chart => chartApiObjects(chart).map(o => renderValidated(o))));
}

/** `SimpleChartNamer` / `IndexedChartNamer` (and their folder twins) of cdk8s (the index only when charts depend on each other). */
function chartName(chart: Chart, indexed: boolean, index: number): string {
  const name = Names.toDnsLabel(chart);
  return indexed ? `${index.toString().padStart(4, '0')}-${name}` : name;
}

/** The objects of one chart in dependency order (cdk8s `chartToKube(chart)`). */
function chartApiObjects(chart: Chart): ApiObject[] {
  return new DependencyGraph(chart.node).topology()
    .filter((x): x is ApiObject => x instanceof ApiObject)
    .filter(x => Chart.of(x) === chart); // an object belongs to its closest chart only
}

/** cdk8s's `SynthRequestCache`: `node.findAll()` once per node. */
class FindAllCache {
  private readonly children = new Map<Node, IConstruct[]>();
  public findAll(node: Node): IConstruct[] {
    let found = this.children.get(node);
    if (!found) {
      found = node.findAll();
      this.children.set(node, found);
    }
    return found;
  }
}

/** cdk8s `validate(app, cache)`: the same message, word for word. */
function validate(app: App, cache: FindAllCache): void {
  const errors: string[] = [];
  for (const child of cache.findAll(app.node)) {
    for (const error of child.node.validate()) errors.push(`[${child.node.path}] ${error}`);
  }
  if (errors.length > 0) {
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  }
}

function buildDependencies(app: App, cache: FindAllCache): Array<{ source: IConstruct; target: IConstruct }> {
  const deps: Array<{ source: IConstruct; target: IConstruct }> = [];
  for (const child of cache.findAll(app.node)) {
    for (const dep of child.node.dependencies) deps.push({ source: child, target: dep });
  }
  return deps;
}

/** cdk8s `resolveDependencies(app, cache)`: chart and ApiObject dependencies from construct dependencies. */
function resolveDependencies(app: App, cache: FindAllCache): boolean {
  let hasDependantCharts = false;
  for (const parentChart of cache.findAll(app.node).filter((x): x is Chart => x instanceof Chart)) {
    for (const childChart of parentChart.node.children.filter(x => x instanceof Chart)) {
      parentChart.node.addDependency(childChart);
      hasDependantCharts = true;
    }
  }
  for (const dep of buildDependencies(app, cache)) {
    const sourceChart = Chart.of(dep.source);
    const targetChart = Chart.of(dep.target);
    if (sourceChart !== targetChart) {
      sourceChart.node.addDependency(targetChart);
      hasDependantCharts = true;
    }
  }
  for (const dep of buildDependencies(app, cache)) {
    const sourceChart = Chart.of(dep.source);
    const targetChart = Chart.of(dep.target);
    const targets = cache.findAll(dep.target.node).filter(c => c instanceof ApiObject).filter(x => Chart.of(x) === targetChart);
    const sources = cache.findAll(dep.source.node).filter(c => c instanceof ApiObject).filter(x => Chart.of(x) === sourceChart);
    for (const target of targets) {
      for (const source of sources) {
        if (target !== source) source.node.addDependency(target);
      }
    }
  }
  return hasDependantCharts;
}
