import * as fs from 'fs';
import * as path from 'path';
import { App, AppProps, Chart, Names } from 'cdk8s';
import { podSpecs, reportObjects } from './report-objects';
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
 * A cdk8s `App` that, after `synth()` wrote the YAML, writes a report per `AirflowDeployment` next to it and prints
 * one line per deployment: `<outdir>/<chart>.airflow.md` (`<outdir>/<chart>.<release>.airflow.md` when a chart
 * holds several deployments). The report says what runs, draws who talks to whom, how to reach and log in, what the
 * cluster must provide first (checked by `npx cdk8s-airflow preflight <outdir>`) and the day-2 facts.
 *
 * Nothing is written when the synth fails (the reports are written after the YAML). With a plain `App`, call
 * `AirflowApp.writeReports(app)` after `app.synth()`.
 */
export class AirflowApp extends App {
  /**
   * Writes the report of every `AirflowDeployment` in `app` into `app.outdir`; returns the paths written.
   */
  public static writeReports(app: App): string[] {
    const written: string[] = [];
    const deployments = app.node.findAll().filter((c): c is AirflowDeployment => c instanceof AirflowDeployment)
      .sort((a, b) => codePointOrder(a.node.path, b.node.path));
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

  /** Synthesizes the manifests, then writes the reports and prints one summary line per deployment (on stderr). */
  public synth(): void {
    super.synth();
    const files = AirflowApp.writeReports(this);
    if (this.quiet) return;
    const deployments = this.node.findAll().filter((c): c is AirflowDeployment => c instanceof AirflowDeployment)
      .sort((a, b) => codePointOrder(a.node.path, b.node.path));
    // on stderr, like the warnings: `cdk8s synth` captures the app's stdout.
    deployments.forEach((d, i) => process.stderr.write(`${summaryLine(d, files[i])}\n`));
  }
}

/** `<chart>.airflow.md`, or `<chart>.<release>.airflow.md` when the chart holds several deployments. @internal */
export function reportFileName(deployment: AirflowDeployment, all: AirflowDeployment[]): string {
  const chart = Chart.of(deployment);
  const label = Names.toDnsLabel(chart);
  const siblings = all.filter(d => Chart.of(d) === chart);
  return siblings.length > 1 ? `${label}.${deployment.releaseName}.airflow.md` : `${label}.airflow.md`;
}

/** One line: the components, the executor and where the report is. @internal */
export function summaryLine(deployment: AirflowDeployment, reportPath: string): string {
  const components: string[] = [];
  for (const pod of podSpecs(reportObjects(deployment).deployment)) {
    const c = pod.metadata?.labels?.[COMPONENT_LABEL];
    if (c && !components.includes(c)) components.push(c);
  }
  const executor = deployment.config.get('core', 'executor') ?? 'unknown executor';
  return `[cdk8s-airflow] ${deployment.releaseName} (Airflow ${deployment.version.version}, ${executor}): ${components.join(', ')}; report: ${reportPath}`;
}
