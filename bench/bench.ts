/**
 * `npm run bench`: what a user waits for, each figure against a floor measured in the same run. Prints a table,
 * writes bench/results.json and regenerates README "Performance" from it.
 *
 * Method. Every timed figure is a fresh `node` process running a plain-JavaScript user program on the compiled
 * library (`lib/`, built by the bench task first): `bench/programs/airflow.js` requires the library, builds N
 * deployments each in its own chart, synthesizes and writes YAML; `bench/programs/floor.js` is the floor, a
 * hand-written cdk8s-plus-28 program with the same number and kinds of objects (generated from the library's own
 * output, checked kind by kind before timing), synthesized with `App.synth()`. Nothing is carried between timed
 * runs (no module cache, no JIT). The programs are run interleaved (the order rotates each round) so that drift in
 * the machine's load hits all alike; every figure is a median of `runs` rounds with its min and max. Each run
 * reports its wall time (measured around the process by the bench), its CPU time (user + system, less sensitive to
 * other load on the machine) and its peak resident set (`maxRSS`).
 * `npm run bench -- --quick` runs one round of small sizes (the smoke run `npm test` affords).
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { cpus, loadavg, tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { Testing, Yaml } from 'cdk8s';
import { Footprint, idleFootprint } from './footprint';
import { Stats, stats } from './harness';
import { renderPerformance, replaceSection } from './report';
import { CeleryKedaChart } from '../examples/celery-keda';
import { EksEfsS3Chart } from '../examples/eks-efs-s3';
import { OnPremGitChart } from '../examples/onprem-git';
import { ProductionChart } from '../examples/production';
import { QuickstartChart } from '../examples/quickstart';

const root = join(__dirname, '..');
const programs = join(__dirname, 'programs');

/** How many rounds each measurement gets. */
export interface BenchOptions {
  readonly coldRuns: number;
  readonly scaleSizes: number[];
  readonly scaleRuns: number;
}

export const FULL: BenchOptions = { coldRuns: 11, scaleSizes: [1, 10, 50, 100], scaleRuns: 5 };
export const QUICK: BenchOptions = { coldRuns: 1, scaleSizes: [1, 2], scaleRuns: 1 };

/** The scenarios of bench/programs/scenarios.js. */
export type Scenario = 'quickstart' | 'production';

/** One program: which, with which deployment count. */
type Program = 'app' | 'linear' | 'floor';

/** The figures of a set of runs of one program. */
export interface Figures {
  readonly wallMs: Stats;
  readonly cpuMs: Stats;
  readonly peakRssMiB: Stats;
}

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
}

/** A scratch folder for one bench run: the floor's input and every program's output. */
export class Workspace {
  public readonly dir = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-bench-'));
  private outputs = 0;
  /** The library's manifests of one deployment, the floor generator's input. */
  public readonly manifests: Record<string, string> = {};

  /** Writes the library's manifests of one deployment of `scenario` and checks the floor emits the same kinds. */
  public prepare(scenario: Scenario): { objects: number; kinds: Record<string, number> } {
    const dump = join(this.dir, `dump-${scenario}`);
    node(['airflow.js', scenario, '1', 'dump', dump]);
    this.manifests[scenario] = join(dump, 'manifests.json');
    const library = kinds(JSON.parse(readFileSync(this.manifests[scenario], 'utf-8')));
    const out = this.outdir();
    node(['floor.js', this.manifests[scenario], '1', out]);
    const floor = kinds(Yaml.load(join(out, 'airflow-0.k8s.yaml')));
    if (JSON.stringify(floor) !== JSON.stringify(library)) {
      throw new Error(`the floor of '${scenario}' does not emit the library's objects: ${JSON.stringify(floor)} vs ${JSON.stringify(library)}`);
    }
    return { objects: Object.values(library).reduce((a, b) => a + b, 0), kinds: library };
  }

  /** A fresh output folder. */
  public outdir(): string {
    return join(this.dir, `out-${this.outputs++}`);
  }

  /** Runs one program once in a fresh process. */
  public run(program: Program, scenario: Scenario, count: number): Run {
    const out = this.outdir();
    const args = program === 'floor'
      ? ['floor.js', this.manifests[scenario], String(count), out]
      : ['airflow.js', scenario, String(count), program, out];
    const run = node(args);
    rmSync(out, { recursive: true, force: true });
    return run;
  }

  public dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function kinds(manifests: any[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of manifests) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** `node bench/programs/<args>` in a fresh process: its wall time and the figures it prints. */
function node(args: string[]): Run {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: programs, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - start;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  const printed = JSON.parse(result.stdout.trim().split('\n').pop()!);
  return { wallMs, cpuMs: printed.cpuMs, peakRssMiB: printed.peakRssMiB };
}

/** Runs the programs interleaved, `runs` rounds, rotating their order each round. */
function interleaved(workspace: Workspace, scenario: Scenario, count: number, which: Program[], runs: number): Record<string, Figures> {
  const samples: Record<string, Run[]> = Object.fromEntries(which.map(p => [p, []]));
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < which.length; i++) {
      const program = which[(i + round) % which.length];
      samples[program].push(workspace.run(program, scenario, count));
    }
  }
  return Object.fromEntries(which.map(p => [p, {
    wallMs: stats(samples[p].map(r => r.wallMs)),
    cpuMs: stats(samples[p].map(r => r.cpuMs)),
    peakRssMiB: stats(samples[p].map(r => r.peakRssMiB)),
  }]));
}

/**
 * Whole-process cold start of one deployment (`node main.js`: require, construct, synthesize, write YAML), through
 * `AirflowApp` as the examples' scripts do (YAML and the report), through cdk8s's `App` (YAML only), and the floor.
 */
export interface ColdStart {
  readonly scenario: Scenario;
  readonly objects: number;
  /** Through `AirflowApp` (the examples' scripts: YAML, the report and a summary line). */
  readonly airflow: Figures;
  /** Through cdk8s's `App` (YAML only). */
  readonly app: Figures;
  readonly floor: Figures;
  /** Wall-time ratio of the medians, `AirflowApp` / floor. */
  readonly ratio: number;
  /** CPU-time ratio of the medians, `AirflowApp` / floor. */
  readonly cpuRatio: number;
  /** Wall-time ratio of the medians, `App` / floor. */
  readonly appRatio: number;
}

export function coldStart(workspace: Workspace, scenario: Scenario, objects: number, runs: number): ColdStart {
  const f = interleaved(workspace, scenario, 1, ['linear', 'app', 'floor'], runs);
  return {
    scenario,
    objects,
    airflow: f.linear,
    app: f.app,
    floor: f.floor,
    ratio: f.linear.wallMs.median / f.floor.wallMs.median,
    cpuRatio: f.linear.cpuMs.median / f.floor.cpuMs.median,
    appRatio: f.app.wallMs.median / f.floor.wallMs.median,
  };
}

/** N production deployments, each in its own chart: through App.synth(), through AirflowApp, and the floor. */
export interface Scaling {
  readonly deployments: number;
  readonly objects: number;
  readonly app: Figures;
  readonly linear: Figures;
  readonly floor: Figures;
  /** Wall-time ratios of the medians to the floor. */
  readonly appRatio: number;
  readonly linearRatio: number;
  readonly linearCpuRatio: number;
}

export function scaling(workspace: Workspace, count: number, objectsPerDeployment: number, runs: number): Scaling {
  const f = interleaved(workspace, 'production', count, ['app', 'linear', 'floor'], runs);
  return {
    deployments: count,
    objects: count * objectsPerDeployment,
    app: f.app,
    linear: f.linear,
    floor: f.floor,
    appRatio: f.app.wallMs.median / f.floor.wallMs.median,
    linearRatio: f.linear.wallMs.median / f.floor.wallMs.median,
    linearCpuRatio: f.linear.cpuMs.median / f.floor.cpuMs.median,
  };
}

/** A target of issue #16 and whether this run meets it. */
export interface Target {
  readonly name: string;
  readonly figure: number;
  readonly limit: number;
  readonly met: boolean;
}

/** Everything one bench run measured (bench/results.json). */
export interface Results {
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  /** 1-minute load average before and after the run (other processes on the machine). */
  readonly loadAverage: { readonly before: number; readonly after: number };
  readonly options: BenchOptions;
  readonly coldStart: ColdStart[];
  readonly scaling: Scaling[];
  readonly targets: Target[];
  readonly idle: Record<string, Footprint>;
}

function target(name: string, figure: number, limit: number): Target {
  return { name, figure, limit, met: figure <= limit };
}

/** Idle pods and resources of each example. */
export function footprints(): Record<string, Footprint> {
  const examples: Record<string, any> = {
    'quickstart': QuickstartChart, 'onprem-git': OnPremGitChart, 'eks-efs-s3': EksEfsS3Chart, 'celery-keda': CeleryKedaChart, 'production': ProductionChart,
  };
  return Object.fromEntries(Object.entries(examples)
    .map(([name, ChartClass]) => [name, idleFootprint(Testing.synth(new ChartClass(Testing.app(), name)))]));
}

/** Runs every measurement. */
export function runBench(options: BenchOptions, log: (line: string) => void = () => undefined): Results {
  const before = loadavg()[0];
  const workspace = new Workspace();
  try {
    const prepared = { quickstart: workspace.prepare('quickstart'), production: workspace.prepare('production') };
    const cold = (['quickstart', 'production'] as const).map(s => {
      const c = coldStart(workspace, s, prepared[s].objects, options.coldRuns);
      log(`cold start ${s}: AirflowApp ${c.airflow.wallMs.median.toFixed(0)} ms, App ${c.app.wallMs.median.toFixed(0)} ms, floor ${c.floor.wallMs.median.toFixed(0)} ms`);
      return c;
    });
    const scale = options.scaleSizes.map(n => {
      const s = scaling(workspace, n, prepared.production.objects, options.scaleRuns);
      log(`${n} deployments: App ${s.app.wallMs.median.toFixed(0)} ms, AirflowApp ${s.linear.wallMs.median.toFixed(0)} ms, floor ${s.floor.wallMs.median.toFixed(0)} ms`);
      return s;
    });
    const largest = scale[scale.length - 1];
    const targets = [
      target(`${largest.deployments} production deployments through AirflowApp / floor through App.synth() (wall)`, largest.linearRatio, 0.6),
      target('cold start of the quick start / floor (wall)', cold[0].ratio, 1.15),
      target('cold start of a production deployment / floor (wall)', cold[1].ratio, 1.25),
      target(`peak RSS at ${largest.deployments} through AirflowApp / floor`, largest.linear.peakRssMiB.median / largest.floor.peakRssMiB.median, 1),
    ];
    return {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage: { before, after: loadavg()[0] },
      options,
      coldStart: cold,
      scaling: scale,
      targets,
      idle: footprints(),
    };
  } finally {
    workspace.dispose();
  }
}

function main(): void {
  console.warn = () => undefined; // warnings of the examples are not what is measured here
  const quick = process.argv.includes('--quick');
  const results = runBench(quick ? QUICK : FULL, line => console.log(line));
  const section = renderPerformance(results);
  console.log(`\n${section}`);
  if (quick) {
    console.log('\n--quick: bench/results.json and README are left as they are (one round is not a figure).');
    return;
  }
  writeFileSync(join(__dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const readme = join(root, 'README.md');
  writeFileSync(readme, replaceSection(readFileSync(readme, 'utf-8'), section));
  console.log('\nwritten: bench/results.json, README.md "Performance"');
}

if (require.main === module) {
  main();
}
