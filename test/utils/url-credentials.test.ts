import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import {
  AirflowDeployment, AirflowLogs, AirflowMetrics, AirflowVersion, DagBundle, GitAuth, GitSyncSidecar, S3Credentials, S3SyncSidecar,
} from '../../src';
import { redactUrl, urlHasCredentials } from '../../src/utils/url-credentials';
import { testChart } from '../support/synth';

const PASSWORD = 'hunter2secret';

function messageOf(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('URLs with credentials (issue #12)', () => {
  test('urlHasCredentials: passwords anywhere, any user info in http(s), never an SSH user', () => {
    expect(urlHasCredentials(`https://git:${PASSWORD}@github.com/a/d.git`)).toBe(true);
    expect(urlHasCredentials('https://ghp_token@github.com/a/d.git')).toBe(true);
    expect(urlHasCredentials(`ssh://git:${PASSWORD}@host/a.git`)).toBe(true);
    expect(urlHasCredentials('http://u:p@minio:9000')).toBe(true);
    expect(urlHasCredentials('ssh://git@github.com/a/d.git')).toBe(false);
    expect(urlHasCredentials('git@github.com:a/d.git')).toBe(false);
    expect(urlHasCredentials('https://github.com/a/d.git')).toBe(false);
    expect(urlHasCredentials('https://github.com/a/d.git?x=a@b')).toBe(false);
    expect(redactUrl(`https://git:${PASSWORD}@github.com/a`)).toBe('https://***@github.com/a');
  });

  const cases: Array<[string, () => unknown, string]> = [
    ['GitSyncSidecar repo', () => new GitSyncSidecar({ repo: `https://git:${PASSWORD}@github.com/a/d.git` }),
      "GitSyncSidecar: 'repo' https://***@github.com/a/d.git holds credentials (the part before '@'), which would be written in clear into the git-sync container's args: "
      + "remove them from the URL and give them from a Secret with 'auth: GitAuth.https({ username, password })' (or GitAuth.ssh, GitAuth.githubApp)"],
    ['GitSyncSidecar repo with a token as user', () => new GitSyncSidecar({ repo: `https://${PASSWORD}@github.com/a/d.git` }),
      "GitSyncSidecar: 'repo' https://***@github.com/a/d.git holds credentials"],
    ['GitAuth.githubApp baseUrl', () => new GitSyncSidecar({
      repo: 'https://github.com/a/d.git',
      auth: GitAuth.githubApp({
        applicationId: 1,
        installationId: 2,
        baseUrl: `https://u:${PASSWORD}@ghe.example/api/v3/`,
        privateKey: { secret: kplus.Secret.fromSecretName(testChart(), 'S', 's'), key: 'k' },
      }),
    }), "GitAuth.githubApp: 'baseUrl' https://***@ghe.example/api/v3/ holds credentials"],
    ['DagBundle.git repoUrl', () => DagBundle.git({ name: 'dags', repoUrl: `https://git:${PASSWORD}@github.com/a/d.git` }),
      "DagBundle.git: 'repoUrl' https://***@github.com/a/d.git holds credentials (the part before '@'), which would be written in clear into the airflow.cfg ConfigMap"],
    ['AirflowLogs.s3 endpointUrl', () => AirflowLogs.s3({ bucket: 'logs', endpointUrl: `http://u:${PASSWORD}@minio:9000` }),
      "AirflowLogs.s3: 'endpointUrl' http://***@minio:9000 holds credentials (the part before '@'), which would be written in clear into the literal AIRFLOW_CONN_AIRFLOW_REMOTE_LOGS value"],
    ['S3SyncSidecar endpointUrl', () => new S3SyncSidecar({ bucket: 'dags', region: 'eu-west-1', endpointUrl: `http://u:${PASSWORD}@minio:9000` }),
      "S3SyncSidecar: 'endpointUrl' http://***@minio:9000 holds credentials"],
    ['OpenTelemetry endpoint', () => new AirflowDeployment(testChart(), 'Airflow', {
      metrics: AirflowMetrics.openTelemetry({ endpoint: `http://u:${PASSWORD}@otel:4318` }),
    }), "AirflowMetrics.openTelemetry: 'endpoint' http://***@otel:4318 holds credentials"],
  ];
  test.each(cases)('%s: refused, naming the prop and the secure alternative, never echoing the secret', (_, build, expected) => {
    const message = messageOf(build);
    expect(message).toContain(expected);
    expect(message).not.toContain(PASSWORD);
  });

  test('URLs without credentials still pass', () => {
    expect(() => new GitSyncSidecar({ repo: 'https://github.com/a/d.git' })).not.toThrow();
    expect(() => DagBundle.git({ name: 'dags', repoUrl: 'git@github.com:a/d.git' })).not.toThrow();
    expect(() => AirflowLogs.s3({ bucket: 'logs', endpointUrl: 'http://minio:9000', credentials: S3Credentials.fromEnvironment() })).not.toThrow();
  });
});

describe('literal env values that hold secrets (issue #12)', () => {
  const env = (variables: { [name: string]: kplus.EnvValue }, version = AirflowVersion.V3_2_2) => messageOf(() => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { airflowVersion: version, scheduler: { envVariables: variables } });
    Testing.synth(chart);
  });

  test.each([
    ['AIRFLOW_CONN_WAREHOUSE', `postgresql://u:${PASSWORD}@db/x`, 'holds an Airflow connection'],
    ['AIRFLOW_VAR_API_TOKEN', PASSWORD, 'holds an Airflow variable'],
    ['AIRFLOW__SENTRY__SENTRY_DSN', `https://${PASSWORD}@sentry.example/1`, "sets 'sentry.sentry_dsn', which Airflow marks sensitive"],
    ['AIRFLOW__SECRETS__BACKEND_KWARGS', `{"token": "${PASSWORD}"}`, "sets 'secrets.backend_kwargs', which Airflow marks sensitive"],
  ])('%s as a literal is refused', (name, value, what) => {
    const message = env({ [name]: kplus.EnvValue.fromValue(value) });
    expect(message).toContain(`Environment variable '${name}' (in 'envVariables of scheduler') ${what}, but its value is a literal, `
      + 'which would be written in clear into the pod spec: give it from a Secret with kplus.EnvValue.fromSecretValue({ secret, key })');
    expect(message).not.toContain(PASSWORD);
  });

  test('from a Secret, or as _CMD / _SECRET, or not a secret: accepted', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'S', 's');
    expect(env({
      AIRFLOW_CONN_WAREHOUSE: kplus.EnvValue.fromSecretValue({ secret, key: 'conn' }),
      AIRFLOW__SENTRY__SENTRY_DSN_CMD: kplus.EnvValue.fromValue('cat /secrets/dsn'),
      AIRFLOW__SECRETS__BACKEND_KWARGS_SECRET: kplus.EnvValue.fromValue('backend-kwargs'),
      AIRFLOW__CORE__PARALLELISM: kplus.EnvValue.fromValue('8'),
    })).toBe('');
  });
});
