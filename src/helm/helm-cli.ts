import * as fs from 'fs';
import { HelmValues } from './helm-values';

const USAGE = `usage: cdk8s-airflow from-helm VALUES.yaml [-f MORE.yaml ...] --release NAME --namespace NS [--out main.ts]

Reads values files of the official apache-airflow Helm chart (merged like helm -f, later wins) and prints a
cdk8s program that deploys the same Airflow with cdk8s-airflow, reusing the release's Secrets and claims.`;

/**
 * The `cdk8s-airflow` command. Returns the exit code: 0 when the program was written, 2 for bad arguments or
 * values files it cannot read (values it cannot convert are listed in the program, not errors).
 *
 * @internal
 */
export function runCli(argv: string[], out: (text: string) => void, err: (text: string) => void): number {
  const [command, ...rest] = argv;
  if (command !== 'from-helm') {
    err(`${USAGE}\n`);
    return 2;
  }
  const files: string[] = [];
  let release = 'airflow';
  let namespace = 'airflow';
  let outFile: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const next = () => {
      const value = rest[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      return value;
    };
    try {
      if (arg === '-f' || arg === '--values') {files.push(next());} else if (arg === '--release') {release = next();} else if (arg === '--namespace' || arg === '-n') {namespace = next();} else if (arg === '--out' || arg === '-o') {outFile = next();} else if (arg === '-h' || arg === '--help') {
        out(`${USAGE}\n`);
        return 0;
      } else if (arg.startsWith('-')) {throw new Error(`unknown option ${arg}`);} else {files.push(arg);}
    } catch (e) {
      err(`cdk8s-airflow: ${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
  }
  if (files.length === 0) {
    err(`cdk8s-airflow: give at least one values file\n${USAGE}\n`);
    return 2;
  }
  let texts: string[];
  try {
    texts = files.map(file => fs.readFileSync(file, 'utf8'));
  } catch (e) {
    err(`cdk8s-airflow: cannot read ${(e as Error).message}\n`);
    return 2;
  }
  let source: string;
  let reports: number;
  try {
    const program = HelmValues.fromYaml(texts).toProgram({ releaseName: release, releaseNamespace: namespace, sourceNames: files });
    source = program.source;
    reports = program.reports.length;
  } catch (e) {
    err(`cdk8s-airflow: ${(e as Error).message}\n`);
    return 2;
  }
  if (outFile) {
    fs.writeFileSync(outFile, source);
    err(`cdk8s-airflow: wrote ${outFile}; ${reports} value(s) need your attention (listed at its top)\n`);
  } else {
    out(source);
  }
  return 0;
}

