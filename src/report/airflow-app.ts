import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, Names } from 'cdk8s';
import { renderReport } from './deployment-report';
import { podSpecs, reportObjects } from './report-objects';
import { renderAppFiles, renderAppYaml } from '../app/linear-synth';
import { renderValidated, withRenderSession } from '../app/validated-render';
import { AirflowDeployment } from '../deployment';
import { codePointOrder, COMPONENT_LABEL } from '../naming/airflow-names';

/** The environment variable that silences the summary lines (`1` or `true`), e.g. in CI. */
const QUIET_ENV = 'CDK8S_AIRFLOW_QUIET';

/**
 * Props for `AirflowApp`.
 */
export interface AirflowAppProps extends AppProps {
  /**
   * Print no summary line per deployment at synth. The environment variable `CDK8S_AIRFLOW_QUIET=1` does the same.
   * @default false
   */
  readonly quiet?: boolean;
}

/**
 * A cdk8s `App` for Airflow deployments: its synth costs time linear in the number of charts, writes the same YAML
 * as `App.synth()` byte for byte, and writes a report per `AirflowDeployment` next to it.
 *
 * Synth: `App.synth()` (cdk8s 2.70) re-validates and re-resolves the WHOLE app once per chart (`chart.toJson()` calls
 * `App._synthChart`), so an app with N charts (one per team or environment) visits every construct N + 1 times.
 * `AirflowApp` validates and resolves once, renders every chart (and every report) in memory, and only then writes
 * the files, named and filled as `App.synth()` does for every `YamlOutputType`. When a validation or a render fails,
 * nothing is written (`App.synth()` may already have written the charts before the one that fails).
 *
 * Reports: `<outdir>/<chart>.airflow.md` (`<outdir>/<chart>.<release>.airflow.md` when a chart holds several
 * deployments), and one line per deployment on stderr. The report says what runs, draws who talks to whom, how to
 * reach and log in, what the cluster must provide first (checked by `npx cdk8s-airflow preflight <outdir>`) and the
 * day-2 facts. With a plain `App`, call `AirflowApp.writeReports(app)` after `app.synth()`.
 */
export class AirflowApp extends App {
  /**
   * Writes the report of every `AirflowDeployment` in `app` into `app.outdir`; returns the paths written.
   */
  public static writeReports(app: App): string[] {
    const written: string[] = [];
    const deployments = deploymentsOf(app);
    for (const deployment of deployments) {
      const file = path.join(app.outdir, reportFileName(deployment, deployments));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, deployment.report());
      written.push(file);
    }
    return written;
  }

  /** Whether `synth()` prints no summary lines. */
  public readonly quiet: boolean;

  constructor(props: AirflowAppProps = {}) {
    super(props);
    this.quiet = props.quiet ?? ['1', 'true'].includes((process.env[QUIET_ENV] ?? '').toLowerCase());
  }

  /**
   * Synthesizes the manifests (validating the app once), then writes the reports and prints one summary line per
   * deployment (on stderr). Nothing is written when a validation, a render or a report fails.
   */
  public synth(): void {
    const { files, reports } = withRenderSession(this, () => this.renderAll());
    fs.mkdirSync(this.outdir, { recursive: true });
    // one file's text at a time, and each file's rendered objects let go once it is written
    for (let file = files.shift(); file !== undefined; file = files.shift()) {
      if (file.folder) fs.mkdirSync(path.dirname(file.path), { recursive: true });
      fs.writeFileSync(file.path, file.text(), { encoding: 'utf8' });
    }
    for (const report of reports) {
      fs.mkdirSync(path.dirname(report.path), { recursive: true });
      fs.writeFileSync(report.path, report.text);
    }
    if (this.quiet) return;
    // on stderr, like the warnings: `cdk8s synth` captures the app's stdout.
    for (const report of reports) process.stderr.write(`${report.summary}\n`);
  }

  /** Synthesizes the app into a YAML string, like `App.synthYaml()`, validating the app once (writes no report). */
  public synthYaml(): string {
    return withRenderSession(this, () => renderAppYaml(this));
  }

  /** Every file and report, rendered in memory (the validation's renders are written, and read by the reports). */
  private renderAll() {
    const { files, rendered } = renderAppFiles(this);
    // what the synth rendered; the KubernetesExecutor's pod template is not in any chart, its ConfigMap rendered it
    const render = (o: ApiObject) => {
      let json = rendered.get(o);
      if (json === undefined) {
        json = renderValidated(o, this);
        rendered.set(o, json);
      }
      return json;
    };
    const deployments = deploymentsOf(this);
    const reports = deployments.map(d => {
      const reportPath = path.join(this.outdir, reportFileName(d, deployments));
      return { path: reportPath, text: renderReport(d, render), summary: this.quiet ? '' : summaryLine(d, reportPath, render) };
    });
    return { files, reports };
  }
}

function deploymentsOf(app: App): AirflowDeployment[] {
  return app.node.findAll().filter((c): c is AirflowDeployment => c instanceof AirflowDeployment)
    .sort((a, b) => codePointOrder(a.node.path, b.node.path));
}

/** `<chart>.airflow.md`, or `<chart>.<release>.airflow.md` when the chart holds several deployments. @internal */
export function reportFileName(deployment: AirflowDeployment, all: AirflowDeployment[]): string {
  const chart = Chart.of(deployment);
  const label = Names.toDnsLabel(chart);
  const siblings = all.filter(d => Chart.of(d) === chart);
  return siblings.length > 1 ? `${label}.${deployment.releaseName}.airflow.md` : `${label}.airflow.md`;
}

/** One line: the components, the executor and where the report is. @internal */
export function summaryLine(deployment: AirflowDeployment, reportPath: string, render?: (o: ApiObject) => any): string {
  const components: string[] = [];
  for (const pod of podSpecs(reportObjects(deployment, render).deployment)) {
    const c = pod.metadata?.labels?.[COMPONENT_LABEL];
    if (c && !components.includes(c)) components.push(c);
  }
  const executor = deployment.config.get('core', 'executor') ?? 'unknown executor';
  return `[cdk8s-airflow] ${deployment.releaseName} (Airflow ${deployment.version.version}, ${executor}): ${components.join(', ')}; report: ${reportPath}`;
}
