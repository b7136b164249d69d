import { join } from 'path';
import { expect, it } from 'vitest';
import { RealCase } from './cases';
import { airflowVenv, imageEnv, PodFilesystem, podProcess, PodProcess, podSpecOf, podTemplateConfigMap, pythonJson, StandIns } from '../support/real-airflow';
import { airflowCfg } from '../support/synth';

/** test/real/airflow_checks.py */
export const CHECKS_PY = join(__dirname, 'airflow_checks.py');

/**
 * Stand-in values of the Secrets our containers read, by env name. They hold the characters that break naive
 * URL building (`@`, `/`, `:`, `%`), so a `_cmd` that assembles a URL must encode them.
 */
export const STAND_INS: StandIns = {
  AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'postgresql://airflow:db%2Fpass@db.example.internal:5432/airflow',
  AIRFLOW_DATABASE_UPSTREAM_URL: 'postgresql://airflow:up%40pass@rds.example.internal:5432/airflow?sslmode=require&application_name=airflow',
  AIRFLOW_CELERY_BROKER_PASSWORD: 'p@ss/w:rd%',
  AIRFLOW__CELERY__BROKER_URL: 'redis://:stand-in@redis.example.internal:6379/0',
};

/** An Airflow container of one workload: the containers that mount airflow.cfg. */
export interface AirflowContainer {
  readonly id: string;
  readonly object: any;
  readonly containerName: string;
  readonly component: string;
}

/** Every container of the manifests that mounts `/opt/airflow/airflow.cfg` (main and init), plus the task pod template. */
export function airflowContainers(manifests: any[]): AirflowContainer[] {
  const found: AirflowContainer[] = [];
  const objects = [...manifests.filter(m => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(m.kind))];
  const template = manifests.some(m => m.kind === 'ConfigMap' && m.data?.['pod_template_file.yaml'] !== undefined) ? podTemplateConfigMap(manifests).pod : undefined;
  if (template) objects.push(template);
  for (const object of objects) {
    const spec = podSpecOf(object);
    const labels = object.kind === 'Pod' ? object.metadata.labels : (object.kind === 'CronJob' ? object.spec.jobTemplate.spec.template.metadata.labels : object.spec.template.metadata.labels);
    const component = labels?.['app.kubernetes.io/component'] ?? '?';
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      if ((c.volumeMounts ?? []).some((m: any) => m.mountPath === '/opt/airflow/airflow.cfg')) {
        const where = object.kind === 'Pod' ? 'pod_template_file' : `${object.kind}/${object.metadata.name}`;
        found.push({ id: `${where}:${c.name}`, object, containerName: c.name, component });
      }
    }
  }
  return found;
}

/** The one Airflow container of a component, e.g. the scheduler's `scheduler`. */
export function mainContainer(c: RealCase, component: string, nameIncludes = ''): AirflowContainer {
  const found = airflowContainers(c.manifests).filter(a => a.component === component && a.id.includes(nameIncludes)
    && !(podSpecOf(a.object).initContainers ?? []).some((i: any) => i.name === a.containerName));
  if (found.length !== 1) throw new Error(`${c.name}: expected one ${component} container, found ${found.map(f => f.id).join(', ') || 'none'}`);
  return found[0];
}

/** The pod process of an Airflow container with the stand-ins. */
export function processOf(c: RealCase, container: AirflowContainer): PodProcess {
  return podProcess(c.manifests, container.object, container.containerName, STAND_INS);
}

/** The settings of the rendered airflow.cfg, `section.key` -> text. */
export function renderedSettings(c: RealCase): Record<string, string> {
  return airflowCfg(c.manifests);
}

/** Runs test/real/airflow_checks.py in the filesystem of `pod`, with the image's env plus `env`. */
export async function runChecks(version: string, pod: PodProcess, request: unknown,
  extraFiles: Array<{ path: string; content: string }> = [], env: Record<string, string> = {}): Promise<any> {
  const fs = new PodFilesystem(pod, extraFiles);
  try {
    return await pythonJson(fs, version, CHECKS_PY, request, { ...imageEnv(version), ...pod.env, ...env, PYTHONPATH: __dirname });
  } finally {
    fs.remove();
  }
}

/** Fails with a readable list when `record` is not empty. */
export function expectEmpty(what: string, record: Record<string, unknown> | unknown[]): void {
  const entries = Array.isArray(record) ? record : Object.entries(record).map(([k, v]) => `${k}: ${String(v)}`);
  expect(entries, what).toEqual([]);
}

export { airflowVenv };

/**
 * `it(name, body)`, unless `name` is in `knownBroken` (name -> why): then the test asserts that the check fails today
 * with `expected` in its message, prints Airflow's words, and fails once the check passes (a fix landed: move the
 * check out of the list in `file`).
 */
export function knownBrokenOr(knownBroken: Record<string, string>, file: string, name: string, expected: RegExp,
  body: () => Promise<void>, timeout = 300_000): void {
  if (!(name in knownBroken)) {
    it(name, body, timeout);
    return;
  }
  it(`KNOWN BROKEN (${knownBroken[name]}): ${name}`, async () => {
    let failure: Error | undefined;
    try {
      await body();
    } catch (e) {
      failure = e as Error;
    }
    expect(failure, `'${name}' passes now: remove it from KNOWN_BROKEN in ${file}`).toBeDefined();
    console.info(`KNOWN BROKEN: ${name}\n${failure!.message.split('\n').filter(l => expected.test(l) || /^\s*[\w.]*(Error|Exception):/.test(l)).slice(0, 6).join('\n')}`);
    expect(failure!.message).toMatch(expected);
  }, timeout);
}
