import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import {
  AirflowDeployment, AirflowExecutor, AirflowVersion, CeleryBroker, EmbeddedPostgres, GeneratedSecret, GeneratedValue,
  MetadataDatabase, S3SyncSidecar, SecretGeneratorJob,
} from '../../src';
import { airflowReleaseOfImage, checkPinnedImage, imageTag } from '../../src/utils/image';
import { errorOf, testChart } from '../support/synth';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  test.each([
    ['apache/airflow:3.2.2', '3.2.2'],
    ['registry.example.com:5000/mirror/apache/airflow:3.2.2-python3.12', '3.2.2-python3.12'],
    [`apache/airflow:3.2.2@${DIGEST}`, '3.2.2'],
    [`apache/airflow@${DIGEST}`, undefined],
    ['registry.example.com:5000/apache/airflow', undefined],
  ])('the tag of %s is %s', (image, tag) => {
    expect(imageTag(image)).toBe(tag);
  });

  test.each([
    ['apache/airflow:3.2.2', '3.2.2'],
    ['apache/airflow:slim-3.2.2-python3.12', '3.2.2'],
    ['registry.example.com/mirror/apache/airflow:3.1.8-python3.11', '3.1.8'],
    ['ghcr.io/acme/airflow:3.2.1-acme.4', '3.2.1'],
    ['ghcr.io/acme/airflow-with-deps:3.0.6', undefined], // another repository: its own versions
    ['apache/airflow:2024.11', undefined],
    [`apache/airflow@${DIGEST}`, undefined],
  ])('the Airflow release of %s is %s', (image, release) => {
    expect(airflowReleaseOfImage(image)).toBe(release);
  });

  test.each(['postgres:17.5', `postgres@${DIGEST}`, 'registry.local:5000/redis:7.2.10-bookworm', 'ghcr.io/acme/tool:v1'])(
    '%s is pinned', image => {
      expect(() => checkPinnedImage(image, "'image'", 'x:1')).not.toThrow();
    });

  test.each(['postgres', 'postgres:latest', 'registry.local:5000/redis', 'apache/airflow:slim-latest', 'apache/airflow:latest-python3.12'])(
    '%s is not pinned', image => {
      expect(() => checkPinnedImage(image, "'image'", 'x:1')).toThrow(`'image' must be pinned to a version tag or digest, got '${image}': use e.g. 'x:1'`);
    });
});

describe('the Airflow image and airflowVersion must agree', () => {
  test('a tag naming another release is an error naming both props', () => {
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', { airflowVersion: AirflowVersion.V3_2_2, image: 'apache/airflow:2.10.5' }))).toBe(
      "'image' apache/airflow:2.10.5 is Airflow 2.10.5, but 'airflowVersion' is 3.2.2: set 'airflowVersion' to AirflowVersion.of('2.10.5'), "
      + "or use the image of 3.2.2 (e.g. 'apache/airflow:3.2.2')");
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', { image: 'registry.example.com/apache/airflow:slim-3.1.8-python3.12' })))
      .toMatch(/is Airflow 3\.1\.8, but 'airflowVersion' is 3\.2\.2/);
  });

  test.each([
    'registry.example.com:5000/mirror/apache/airflow:3.2.2',
    'apache/airflow:3.2.2-python3.12',
    'apache/airflow:slim-3.2.2-python3.12',
    `apache/airflow:3.2.2@${DIGEST}`,
    `apache/airflow@${DIGEST}`,
    'ghcr.io/acme/airflow-with-deps:2026.11.30',
  ])('%s works with 3.2.2', image => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { airflowVersion: AirflowVersion.V3_2_2, image });
    const pods = Testing.synth(chart).filter(m => m.kind === 'Deployment').map(m => m.spec.template.spec.containers[0].image);
    expect(new Set(pods)).toEqual(new Set([image]));
  });

  test.each(['apache/airflow', 'apache/airflow:latest', 'apache/airflow:slim-latest-python3.12'])('%s is an error with the fix', image => {
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', { image }))).toBe(
      `'image' must be pinned to a version tag or digest, got '${image}': use e.g. 'apache/airflow:3.2.2'`);
  });
});

describe('every other image must be pinned', () => {
  test('PostgreSQL', () => {
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', { database: MetadataDatabase.embeddedPostgres({ image: 'postgres' }) }))).toBe(
      "EmbeddedPostgres: 'image' must be pinned to a version tag or digest, got 'postgres': use e.g. 'postgres:17.5'");
    expect(errorOf(() => new EmbeddedPostgres(testChart(), 'Db', { image: 'postgres:latest' }))).toMatch(/got 'postgres:latest'/);
  });

  test('Redis', () => {
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', {
      executor: AirflowExecutor.celery({ broker: CeleryBroker.embeddedRedis({ image: 'redis:latest' }) }),
    }))).toBe("CeleryBroker.embeddedRedis: 'image' must be pinned to a version tag or digest, got 'redis:latest': use e.g. 'redis:7.2.10-bookworm'");
  });

  test('extra containers and init containers', () => {
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', { scheduler: { extraContainers: [{ name: 'proxy', image: 'envoyproxy/envoy' }] } }))).toBe(
      "'extraContainers' of scheduler: container 'proxy' 'image' must be pinned to a version tag or digest, got 'envoyproxy/envoy': use e.g. 'busybox:1.37.0'");
    expect(errorOf(() => new AirflowDeployment(testChart(), 'Airflow', {
      executor: AirflowExecutor.kubernetes({ extraInitContainers: [{ name: 'wait', image: 'busybox:latest' }] }),
    }))).toMatch(/^'extraInitContainers' of task pods: container 'wait' 'image' must be pinned .* got 'busybox:latest'/);
  });

  test('the S3 sync and the secret generator', () => {
    expect(errorOf(() => new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1', image: 'amazon/aws-cli:latest' }))).toBe(
      "S3SyncSidecar: 'image' must be pinned to a version tag or digest, got 'amazon/aws-cli:latest': use e.g. 'public.ecr.aws/aws-cli/aws-cli:2.27.0'");
    const chart = testChart();
    const secret = new GeneratedSecret(chart, 'Creds', { keys: [{ key: 'password', value: GeneratedValue.randomString(24) }] });
    expect(errorOf(() => new SecretGeneratorJob(chart, 'Gen', { secrets: [secret], image: 'python' }))).toBe(
      "SecretGeneratorJob 'test/Gen': 'image' (any image with python3; AirflowDeployment: 'secrets.generatorImage') "
        + "must be pinned to a version tag or digest, got 'python': use e.g. 'python:3.12.11-slim-bookworm'");
  });
});
