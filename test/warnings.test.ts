import { existsSync, readdirSync } from 'fs';
import { ApiObject, App, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { AirflowDeployment, AirflowExecutor, AirflowWarnings, GitAuth, GitSyncSidecar, MetadataDatabase } from '../src';
import { testChart } from './support/synth';

const EMBEDDED_DB = 'the embedded PostgreSQL is one pod without backups or failover: use MetadataDatabase.external(...) in production';

function externalDb(chart: Chart) {
  return MetadataDatabase.external({ connection: { secret: kplus.Secret.fromSecretName(chart, 'Db', 'db'), key: 'url' } });
}

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.CDK8S_AIRFLOW_STRICT;
});

describe('warnings', () => {
  test('are collected per chart and printed once per synth', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const chart = testChart();
    new AirflowDeployment(chart, 'A', { executor: AirflowExecutor.kubernetes({ deleteWorkerPods: false }) });
    new AirflowDeployment(chart, 'B');
    expect(AirflowWarnings.of(chart).messages).toEqual([
      EMBEDDED_DB,
      "'deleteWorkerPods' is false: finished task pods stay, with their IP addresses and quota, until something deletes them",
    ]);
    Testing.synth(chart);
    Testing.synth(chart);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(`[cdk8s-airflow] warning: ${EMBEDDED_DB}\n[cdk8s-airflow] warning: 'deleteWorkerPods' is false: finished task pods stay, with their IP addresses and quota, until something deletes them`);
  });

  test('a production-shaped deployment has none', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { database: externalDb(chart) });
    expect(AirflowWarnings.of(chart).messages).toEqual([]);
  });

  test('git over plain http and SSH without host key checking', () => {
    const chart = testChart();
    const key = { secret: kplus.Secret.fromSecretName(chart, 'Key', 'k'), key: 'ssh' };
    new AirflowDeployment(chart, 'A', { database: externalDb(chart), dagSource: new GitSyncSidecar({ repo: 'http://git.example.com/dags.git' }) });
    new AirflowDeployment(chart, 'B', {
      database: MetadataDatabase.external({ connection: key }),
      dagSource: new GitSyncSidecar({ repo: 'git@git.example.com:dags.git', auth: GitAuth.ssh({ privateKey: key, disableHostKeyChecking: true }) }),
    });
    expect(AirflowWarnings.of(chart).messages).toEqual([
      "GitSyncSidecar: 'repo' http://git.example.com/dags.git uses plain http: anyone on the path can change the DAGs Airflow runs; use https://",
      "GitSyncSidecar: host key checking is off for git@git.example.com:dags.git: anyone who can intercept the connection can serve DAGs; set 'knownHosts'",
    ]);
  });

  test('strict mode (prop) turns them into synth errors', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { strict: true });
    expect(() => Testing.synth(chart)).toThrow(`${EMBEDDED_DB} (a warning, an error in strict mode: fix it, or synth without CDK8S_AIRFLOW_STRICT and 'strict')`);
  });

  test('strict mode (environment variable) turns them into synth errors', () => {
    process.env.CDK8S_AIRFLOW_STRICT = 'true';
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow');
    expect(() => Testing.synth(chart)).toThrow(EMBEDDED_DB);
  });
});

describe('no partial output', () => {
  test('an owned key in settings fails at construction (not at synth), and nothing is written', () => {
    const outdir = Testing.app().outdir;
    const app = new App({ outdir });
    new AirflowDeployment(new Chart(app, 'first'), 'Airflow');
    expect(() => new AirflowDeployment(new Chart(app, 'second'), 'Airflow', { releaseName: 'second', settings: { 'core.executor': 'LocalExecutor' } })).toThrow("Airflow setting 'core.executor' is managed by this library: set 'executor' instead of overriding it in 'settings'");
    expect(existsSync(outdir) ? readdirSync(outdir) : []).toEqual([]);
  });

  test('an error that shows only while rendering (here an escape hatch\'s JSON patch) stops the synth before anything is written', () => {
    const outdir = Testing.app().outdir;
    const app = new App({ outdir });
    new AirflowDeployment(new Chart(app, 'first', { namespace: 'a' }), 'Airflow');
    const second = new AirflowDeployment(new Chart(app, 'second', { namespace: 'b' }), 'Airflow');
    ApiObject.of(second.scheduler.deployment).addJsonPatch(JsonPatch.replace('/spec/notThere/x', 1));
    expect(() => app.synth()).toThrow("Deployment 'airflow-scheduler' (second/Airflow/Scheduler/Resource/Resource) cannot be rendered:");
    expect(existsSync(outdir) ? readdirSync(outdir) : []).toEqual([]);
  });

  test('a grace period of 1.5 s is refused when the component is created, naming the prop', () => {
    expect(() => new AirflowDeployment(new Chart(new App(), 'c'), 'Airflow', { scheduler: { terminationGracePeriod: Duration.millis(1500) } }))
      .toThrow("'terminationGracePeriod' of scheduler must be a whole number of seconds (Kubernetes counts it in seconds), got 1500 ms: use e.g. Duration.seconds(2)");
  });

  test('strict-mode warnings stop the synth before anything is written', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const outdir = Testing.app().outdir;
    const app = new App({ outdir });
    new AirflowDeployment(new Chart(app, 'first'), 'Airflow', { strict: true });
    expect(() => app.synth()).toThrow(EMBEDDED_DB);
    expect(existsSync(outdir) ? readdirSync(outdir) : []).toEqual([]);
  });
});

describe('warnings across charts', () => {
  test('an app with many charts prints each warning once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const app = new App({ outdir: Testing.app().outdir });
    for (const name of ['team-a', 'team-b', 'team-c']) new AirflowDeployment(new Chart(app, name, { namespace: name }), 'Airflow');
    app.synthYaml();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(`[cdk8s-airflow] warning: ${EMBEDDED_DB}`);
  });
});
