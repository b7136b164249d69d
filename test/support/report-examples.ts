import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { CeleryKedaChart } from '../../examples/celery-keda';
import { CompactChart } from '../../examples/compact';
import { EksEfsS3Chart } from '../../examples/eks-efs-s3';
import { OnPremGitChart } from '../../examples/onprem-git';
import { ProductionChart } from '../../examples/production';
import { QuickstartChart } from '../../examples/quickstart';
import { AirflowApp, AirflowDeployment } from '../../src';

/** Every example chart class, with the id its `require.main` block synthesizes it under. */
export const REPORT_EXAMPLES: Array<[string, (scope: any, id: string) => Chart & { airflow: AirflowDeployment }]> = [
  ['quickstart', (s, id) => new QuickstartChart(s, id)],
  ['production', (s, id) => new ProductionChart(s, id)],
  ['celery-keda', (s, id) => new CeleryKedaChart(s, id)],
  ['eks-efs-s3', (s, id) => new EksEfsS3Chart(s, id)],
  ['onprem-git', (s, id) => new OnPremGitChart(s, id)],
  ['compact', (s, id) => new CompactChart(s, id)],
];

export interface SynthesizedExample {
  readonly name: string;
  readonly outdir: string;
  readonly manifests: any[];
  readonly report: string;
  readonly deployment: AirflowDeployment;
  readonly files: string[];
}

/** Synthesizes an example as its script does (`AirflowApp`, quiet), into a fresh folder, and reads back what it wrote. */
export function synthExample(name: string): SynthesizedExample {
  const make = REPORT_EXAMPLES.find(([n]) => n === name)![1];
  const outdir = mkdtempSync(join(tmpdir(), `cdk8s-airflow-report-${name}-`));
  const app = new AirflowApp({ outdir, quiet: true });
  const chart = make(app, name);
  app.synth();
  return {
    name,
    outdir,
    manifests: parseAllDocuments(readFileSync(join(outdir, `${name}.k8s.yaml`), 'utf-8')).map(d => d.toJSON()),
    report: readFileSync(join(outdir, `${name}.airflow.md`), 'utf-8'),
    deployment: chart.airflow,
    files: readdirSync(outdir).sort(),
  };
}

/** The Mermaid block of a report, fences included. */
export function mermaidBlock(report: string): string {
  return /```mermaid\n[\s\S]*?\n```/.exec(report)![0];
}
