import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { describe, expect, test } from 'vitest';

/**
 * Callers without TypeScript types: a plain JavaScript program (a child `node` process, no TypeScript, no vitest)
 * requires the compiled library in lib/ (`npm test` compiles it first with jsii) and hands it wrongly typed props.
 * Each must fail with an Error naming the prop and what was expected, never a TypeError from deep inside.
 */
const root = join(__dirname, '..', '..');

const PROGRAM = String.raw`
const { App, Chart, Duration } = require('cdk8s');
const kplus = require('cdk8s-plus-28');
const lib = require(process.argv[1]);
const { AirflowDeployment, AirflowExecutor, AirflowVersion, GitAuth, MetadataDatabase, WorkerAutoscaling } = lib;
const results = [];
function attempt(name, build) {
  const chart = new Chart(new App(), 'c');
  try {
    build(chart);
    results.push({ name, accepted: true });
  } catch (e) {
    results.push({ name, type: e.constructor.name, message: e.message });
  }
}
const deploy = props => chart => new AirflowDeployment(chart, 'Airflow', props(chart));
const secret = chart => ({ secret: kplus.Secret.fromSecretName(chart, 'S', 'db'), key: 'url' });
attempt('secrets.fernetKey a string', deploy(() => ({ secrets: { fernetKey: 'x' } })));
attempt('MetadataDatabase.external({})', () => MetadataDatabase.external({}));
attempt('MetadataDatabase.external connection a string', () => MetadataDatabase.external({ connection: 'postgresql://x' }));
attempt('GitAuth.ssh without privateKey', () => GitAuth.ssh({ knownHosts: 'github.com ssh-ed25519 AAAA' }));
attempt('extraEgress without ports', deploy(() => ({ networkPolicies: { extraEgress: [{ cidrs: ['10.0.0.0/8'] }] } })));
attempt('extraEgress cidrs a string', deploy(() => ({ networkPolicies: { extraEgress: [{ cidrs: '10.0.0.0/8', ports: [443] }] } })));
attempt('scheduler.terminationGracePeriod a number', deploy(() => ({ scheduler: { terminationGracePeriod: 30 } })));
attempt('databaseCleanup.retention a string', deploy(() => ({ maintenance: { databaseCleanup: { retention: '90d' } } })));
attempt('executor a string', deploy(() => ({ executor: 'CeleryExecutor' })));
attempt('pool autoscaling an array', () => AirflowExecutor.celery({ pools: [{ name: 'default', autoscaling: [WorkerAutoscaling.keda(), WorkerAutoscaling.hpa()] }] }));
attempt('pools not an array', () => AirflowExecutor.celery({ pools: { name: 'default' } }));
attempt('pool replicas a string', () => AirflowExecutor.celery({ pools: [{ name: 'default', replicas: '3' }] }));
attempt('pool longestTask a number', () => AirflowExecutor.celery({ pools: [{ name: 'default', longestTask: 3600 }] }));
attempt('kubernetes deleteWorkerPodsOnFailure a string', () => AirflowExecutor.kubernetes({ deleteWorkerPodsOnFailure: 'yes' }));
attempt('airflowVersion a string', deploy(() => ({ airflowVersion: '3.1.8' })));
attempt('database a plain object', deploy(chart => ({ database: { connection: secret(chart) } })));
attempt('logs a string', deploy(() => ({ logs: 's3' })));
attempt('settings value a boolean', deploy(() => ({ settings: { 'core.load_examples': false } })));
attempt('loadExamples a string', deploy(() => ({ loadExamples: 'false' })));
attempt('parallelism a string', deploy(() => ({ parallelism: '32' })));
attempt('scheduler.replicas a string', deploy(() => ({ scheduler: { replicas: '2' } })));
attempt('triggerer.autoscaling an array', deploy(() => ({ triggerer: { autoscaling: [WorkerAutoscaling.keda()] } })));
attempt('dagSource a string', deploy(() => ({ dagSource: 'git@github.com:org/dags.git' })));
attempt('imagePullPolicy a wrong string', deploy(() => ({ imagePullPolicy: 'Sometimes' })));
attempt('kubernetesApiCidrs a string', deploy(() => ({ networkPolicies: { kubernetesApiCidrs: '10.0.0.1/32' } })));
attempt('releaseName a number', deploy(() => ({ releaseName: 42 })));
attempt('a valid deployment', deploy(() => ({ executor: AirflowExecutor.celery({ pools: [{ name: 'default', longestTask: Duration.hours(1) }] }) })));
process.stdout.write(JSON.stringify(results));
`;

describe('plain JavaScript callers of the compiled lib/', () => {
  const compiled = join(root, 'lib', 'index.js');
  test('wrongly typed props give errors that name the prop and what it expects, not TypeErrors', () => {
    expect(existsSync(compiled), 'lib/ is compiled (npm test runs jsii first; by hand: npx jsii)').toBe(true);
    const out = execFileSync(process.execPath, ['-e', PROGRAM, compiled], { cwd: root, encoding: 'utf-8' });
    const results: Array<{ name: string; accepted?: boolean; type?: string; message?: string }> = JSON.parse(out);
    const byName = new Map(results.map(r => [r.name, r]));
    expect(byName.get('a valid deployment')).toEqual({ name: 'a valid deployment', accepted: true });
    const wrong = results.filter(r => r.name !== 'a valid deployment');
    expect(wrong.length).toBeGreaterThanOrEqual(20);
    for (const r of wrong) {
      expect(r.accepted, `${r.name} was accepted`).toBeUndefined();
      expect(r.type, `${r.name}: ${r.message}`).toBe('Error');
      expect(r.message, r.name).toMatch(/^'[^']+' must be /);
    }
    const message = (name: string) => byName.get(name)!.message;
    expect(message('secrets.fernetKey a string')).toBe("'secrets.fernetKey' must be a SecretValue: { secret: kplus.Secret.fromSecretName(scope, 'Id', '<secret name>'), key: '<key>' }, got the string 'x'");
    expect(message('MetadataDatabase.external({})')).toMatch(/^'MetadataDatabase.external connection' must be a SecretValue: .*, got nothing$/);
    expect(message('GitAuth.ssh without privateKey')).toMatch(/^'GitAuth.ssh privateKey' must be a SecretValue/);
    expect(message('extraEgress without ports')).toBe("'networkPolicies.extraEgress[0].ports' must be an array of port numbers (e.g. [5432]): an egress rule without ports would open every port, got nothing");
    expect(message('scheduler.terminationGracePeriod a number')).toBe("'scheduler.terminationGracePeriod' must be a Duration (e.g. Duration.seconds(30)), got the number 30");
    expect(message('executor a string')).toBe("'executor' must be an AirflowExecutor (AirflowExecutor.kubernetes(), .celery(...), ...), not its name, got the string 'CeleryExecutor'");
    expect(message('pool autoscaling an array')).toBe("'AirflowExecutor.celery options.pools[0].autoscaling' must be a WorkerAutoscaling (WorkerAutoscaling.keda() or .hpa()), one value and not an array, got an array of 2");
    expect(message('settings value a boolean')).toBe("'settings.core.load_examples' must be a string, got the boolean false");
  });
});
