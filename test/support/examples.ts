import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { CeleryKedaChart } from '../../examples/celery-keda';
import { CompactChart } from '../../examples/compact';
import { EksEfsS3Chart } from '../../examples/eks-efs-s3';
import { OnPremGitChart } from '../../examples/onprem-git';
import { ProductionChart } from '../../examples/production';
import { QuickstartChart } from '../../examples/quickstart';

/** Every chart class of examples/, with the id test/examples/*.test.ts synthesizes it under. */
const EXAMPLE_CHARTS: Array<[string, (scope: any, id: string) => Chart]> = [
  ['quickstart', (s, id) => new QuickstartChart(s, id)],
  ['production', (s, id) => new ProductionChart(s, id)],
  ['celery-keda', (s, id) => new CeleryKedaChart(s, id)],
  ['eks-efs-s3', (s, id) => new EksEfsS3Chart(s, id)],
  ['onprem-git', (s, id) => new OnPremGitChart(s, id)],
  ['compact', (s, id) => new CompactChart(s, id)],
];

/**
 * The manifests of every example in examples/, synthesized as test/examples/*.test.ts do; examples/readme.ts (a
 * script, not a chart class) is run as users run it, writing YAML into a temp folder, and read back. Synthesized
 * once per test file (an ES module runs once); callers must not modify the result.
 */
export async function exampleManifests(): Promise<Array<{ name: string; manifests: any[] }>> {
  cached ??= synthExamples();
  return cached;
}

let cached: Promise<Array<{ name: string; manifests: any[] }>> | undefined;

async function synthExamples(): Promise<Array<{ name: string; manifests: any[] }>> {
  const out = EXAMPLE_CHARTS.map(([name, make]) => ({ name, manifests: Testing.synth(make(Testing.app(), name)) }));
  const outdir = mkdtempSync(join(tmpdir(), 'cdk8s-airflow-readme-'));
  const previous = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  try {
    await import('../../examples/readme.js'); // vite resolves .js to the .ts source
  } finally {
    if (previous === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = previous;
  }
  const readme = parseAllDocuments(readFileSync(join(outdir, 'airflow.k8s.yaml'), 'utf-8')).map(d => d.toJSON());
  out.push({ name: 'readme', manifests: readme });
  return out;
}
