import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowVersion, DagBundle, DagSource, GitAuth, S3Credentials } from '../../src';
import { containerNames, podTemplate } from '../support/dags';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, env, podSpec, testChart } from '../support/synth';

describe('DagSource.fromBundles (Airflow 3 DAG bundles)', () => {
  test('writes dag_bundle_config_list, adds connections from Secrets, and no sidecar', () => {
    const chart = testChart();
    const conn = kplus.Secret.fromSecretName(chart, 'Conn', 'git-conn');
    new AirflowDeployment(chart, 'Airflow', {
      dagSource: DagSource.fromBundles([
        DagBundle.git({ name: 'team-a', repoUrl: 'https://github.com/org/team-a.git', trackingRef: 'main', subdir: 'dags', connection: { secret: conn, key: 'conn' } }),
        DagBundle.s3({ name: 'reports', bucket: 'my-dags', prefix: 'reports/', refreshInterval: Duration.minutes(1) }),
      ]),
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { secrets: ['git-conn'] } });
    expect(JSON.parse(airflowCfg(manifests)['dag_processor.dag_bundle_config_list'])).toEqual([
      {
        name: 'team-a',
        classpath: 'airflow.providers.git.bundles.git.GitDagBundle',
        kwargs: { repo_url: 'https://github.com/org/team-a.git', tracking_ref: 'main', subdir: 'dags', refresh_interval: 300, git_conn_id: 'team_a_git' },
      },
      {
        name: 'reports',
        classpath: 'airflow.providers.amazon.aws.bundles.s3.S3DagBundle',
        kwargs: { bucket_name: 'my-dags', prefix: 'reports/', refresh_interval: 60, aws_conn_id: 'aws_default' },
      },
    ]);
    const processor = podSpec(manifests.find(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'dag-processor'));
    expect(containerNames(processor).main).toEqual(['dag-processor']);
    expect(env(processor.containers[0], 'AIRFLOW_CONN_TEAM_A_GIT').valueFrom.secretKeyRef).toEqual({ name: 'git-conn', key: 'conn' });
    const template = podTemplate(manifests);
    expect(containerNames(template.spec)).toEqual({ init: [], main: ['base'] });
    expect(env(template.spec.containers[0], 'AIRFLOW_CONN_TEAM_A_GIT')).toBeDefined();
  });

  test('fails on Airflow 2, duplicate names and bad input', () => {
    const bundle = DagBundle.git({ name: 'dags', repoUrl: 'https://github.com/org/dags.git' });
    expect(() => new AirflowDeployment(testChart(), 'Airflow', { airflowVersion: AirflowVersion.V2_11_0, dagSource: DagSource.fromBundles([bundle]) }))
      .toThrow('DAG bundles need Airflow 3, but the deployment runs Airflow 2.11.0: use GitSyncSidecar or S3SyncSidecar on Airflow 2');
    expect(() => DagSource.fromBundles([])).toThrow('DagSource.fromBundles: give at least one DagBundle');
    expect(() => DagSource.fromBundles([bundle, bundle])).toThrow("DagSource.fromBundles: two bundles are named 'dags': bundle names must be unique");
    expect(() => DagBundle.git({ name: 'a b', repoUrl: 'https://x' })).toThrow("DagBundle: 'name' must be 1-63 letters, digits, '_' and '-', got 'a b'");
    expect(() => DagBundle.git({ name: 'a', repoUrl: 'github.com/x' })).toThrow("DagBundle.git: 'repoUrl' must be an https://, ssh:// or git@ URL, got 'github.com/x'");
    expect(() => DagBundle.s3({ name: 'a', bucket: 'My_Bucket' })).toThrow("DagBundle.s3: 'bucket' must be a valid S3 bucket name, got 'My_Bucket'");
  });
});

describe('DagBundle from sidecar props (moving from git-sync or S3 sync to bundles)', () => {
  test('git-sync props become a GitDagBundle', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', {
      dagSource: DagSource.fromBundles([DagBundle.fromGitSync('dags', { repo: 'https://github.com/org/dags.git', gitRef: 'prod', subPath: 'dags', period: Duration.minutes(2) })]),
    });
    expect(JSON.parse(airflowCfg(Testing.synth(chart))['dag_processor.dag_bundle_config_list'])).toEqual([{
      name: 'dags',
      classpath: 'airflow.providers.git.bundles.git.GitDagBundle',
      kwargs: { repo_url: 'https://github.com/org/dags.git', tracking_ref: 'prod', subdir: 'dags', refresh_interval: 120 },
    }]);
    expect(DagBundle.fromGitSync('d', { repo: 'https://github.com/org/dags.git' })._kwargs).toEqual({
      repo_url: 'https://github.com/org/dags.git', tracking_ref: 'main', refresh_interval: 300,
    });
  });

  test('S3 sync props become an S3DagBundle', () => {
    expect(DagBundle.fromS3Sync('reports', { bucket: 'dags-bucket', prefix: 'reports/', region: 'eu-west-1', interval: Duration.seconds(60) })._kwargs).toEqual({
      bucket_name: 'dags-bucket', prefix: 'reports/', refresh_interval: 60, aws_conn_id: 'aws_default',
    });
  });

  test('fails where the sidecar\'s credentials do not carry over', () => {
    const key = { secret: kplus.Secret.fromSecretName(testChart(), 'K', 'k'), key: 'x' };
    expect(() => DagBundle.fromGitSync('d', { repo: 'https://github.com/org/dags.git', auth: GitAuth.https({ username: 'u', password: key }) }))
      .toThrow("DagBundle.fromGitSync: 'https://github.com/org/dags.git' uses GitAuth.https, but a bundle authenticates through an Airflow git connection: "
        + 'use DagBundle.git({ repoUrl, connection }) with a Secret holding that connection');
    expect(() => DagBundle.fromS3Sync('d', { bucket: 'b-1', region: 'eu-west-1', credentials: S3Credentials.fromServiceAccountRole('arn:aws:iam::123456789012:role/r') }))
      .toThrow("DagBundle.fromS3Sync: bucket 'b-1' uses an IAM role for the sync ServiceAccount, but a bundle reads S3 as the dag-processor and workers themselves: "
        + "use DagBundle.s3({ connection }) or give those pods' ServiceAccounts the role");
    expect(() => DagBundle.fromS3Sync('d', { bucket: 'b-1', region: 'eu-west-1', credentials: S3Credentials.fromAccessKeys(key, key) }))
      .toThrow("DagBundle.fromS3Sync: bucket 'b-1' uses access keys");
    expect(() => DagBundle.fromS3Sync('d', { bucket: 'b-1', region: 'eu-west-1', endpointUrl: 'http://minio:9000' }))
      .toThrow("DagBundle.fromS3Sync: bucket 'b-1' uses 'endpointUrl' http://minio:9000, which the bundle takes from its AWS connection: "
        + 'use DagBundle.s3({ connection }) with a connection whose extra sets endpoint_url');
  });
});
