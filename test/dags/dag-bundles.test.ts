import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowVersion, DagBundle, DagSource } from '../../src';
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
