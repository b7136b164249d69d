import { Chart, Testing } from 'cdk8s';
import { AirflowDeployment, AirflowDeploymentProps } from '../../src';

/** A chart in a test app, with a namespace as users usually set one. */
export function testChart(): Chart {
  return new Chart(Testing.app(), 'test', { namespace: 'airflow' });
}

/** Synthesizes one AirflowDeployment and returns the manifests. */
export function synthDeployment(props: AirflowDeploymentProps = {}): { chart: Chart; airflow: AirflowDeployment; manifests: any[] } {
  const chart = testChart();
  const airflow = new AirflowDeployment(chart, 'Airflow', props);
  return { chart, airflow, manifests: Testing.synth(chart) };
}

/** The one object of `kind` whose name contains `nameIncludes`; fails when there is not exactly one. */
export function one(manifests: any[], kind: string, nameIncludes: string = ''): any {
  const found = manifests.filter(m => m.kind === kind && m.metadata.name.includes(nameIncludes));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} named like '${nameIncludes}', found ${found.map(m => m.metadata.name).join(', ') || 'none'}`);
  }
  return found[0];
}

/** The pod spec of a workload (Deployment, StatefulSet, Job) or Pod. */
export function podSpec(object: any): any {
  return object.kind === 'Pod' ? object.spec : object.spec.template.spec;
}

/** The container (or init container) named `name` of a pod spec. */
export function container(spec: any, name: string): any {
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c: any) => c.name === name);
  if (!found) throw new Error(`no container '${name}' in [${[...(spec.initContainers ?? []), ...spec.containers].map((c: any) => c.name).join(', ')}]`);
  return found;
}

/** The env entry `name` of a container. */
export function env(c: any, name: string): any {
  return (c.env ?? []).find((e: any) => e.name === name);
}

/** Parses `airflow.cfg` text into `{ 'section.key': value }`. */
export function parseCfg(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const entry = /^([^=]+?) = (.*)$/.exec(line);
    if (entry) result[`${section}.${entry[1]}`] = entry[2];
  }
  return result;
}

/** The settings of the deployment's airflow.cfg ConfigMap. */
export function airflowCfg(manifests: any[]): Record<string, string> {
  const cm = manifests.find(m => m.kind === 'ConfigMap' && m.data?.['airflow.cfg'] !== undefined);
  return parseCfg(cm.data['airflow.cfg']);
}

/** The message of the error `build` throws; fails when it throws none. */
export function errorOf(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error, got none');
}

/** Synthesizes one AirflowDeployment whose props may create objects in the chart (e.g. the user's Secrets). */
export function deployInChart(props: (chart: Chart) => AirflowDeploymentProps): { chart: Chart; airflow: AirflowDeployment; manifests: any[] } {
  const chart = testChart();
  const airflow = new AirflowDeployment(chart, 'Airflow', props(chart));
  return { chart, airflow, manifests: Testing.synth(chart) };
}

/** The securityContext the library gives a container that sets none: Pod Security "restricted", read-only root. */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};
