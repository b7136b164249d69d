import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowExecutor, AirflowVersion, MetadataDatabase } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { container, env, one, synthDeployment, testChart } from '../support/synth';

const cronJobs = (manifests: any[]) => manifests.filter(m => m.kind === 'CronJob');
const jobPodSpec = (cronJob: any) => cronJob.spec.jobTemplate.spec.template.spec;

describe.each([AirflowVersion.V3_2_2, AirflowVersion.V2_11_0])('maintenance on Airflow %s', (airflowVersion) => {
  const { manifests, airflow } = synthDeployment({ airflowVersion, maintenance: { databaseCleanup: {}, podCleanup: {} } });

  test('both CronJobs exist, and every object validates (schemas, references, restricted pods)', () => {
    expect(cronJobs(manifests).map(c => c.metadata.name).sort()).toEqual([
      airflow.maintenance!.databaseCleanup!.cronJob.name, airflow.maintenance!.podCleanup!.cronJob.name,
    ].sort());
    expectValidManifests(manifests);
  });

  test('the jobs get the deployment config and only the secrets they use (the database for db-cleanup, none for pod-cleanup)', () => {
    for (const [cronJob, name] of [[one(manifests, 'CronJob', 'db-cleanup'), 'db-cleanup'], [one(manifests, 'CronJob', 'pod-cleanup'), 'pod-cleanup']]) {
      const c = container(jobPodSpec(cronJob), name);
      // src/secrets/secret-scope.ts: `airflow db clean` deletes rows (no decryption); `airflow kubernetes cleanup-pods` only calls the API.
      if (name === 'db-cleanup') expect(env(c, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN').valueFrom.secretKeyRef).toBeDefined();
      else expect(env(c, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN')).toBeUndefined();
      expect(env(c, 'AIRFLOW__CORE__FERNET_KEY')).toBeUndefined();
      expect(c.image).toBe(airflowVersion.officialImage);
      expect(cronJob.spec.jobTemplate.spec.template.metadata.annotations['checksum/airflow-config']).toBe(airflow.config.checksum);
      expect(cronJob.spec.jobTemplate.spec.template.metadata.labels['app.kubernetes.io/instance']).toBeDefined();
    }
  });
});

describe('maintenance in AirflowDeployment', () => {
  test('off unless given', () => {
    expect(cronJobs(synthDeployment().manifests)).toEqual([]);
    const { manifests, airflow } = synthDeployment({ maintenance: { databaseCleanup: {} } });
    expect(cronJobs(manifests)).toHaveLength(1);
    expect(airflow.maintenance!.podCleanup).toBeUndefined();
  });

  test('the database cleanup works with every executor and an external database', () => {
    const chart = testChart();
    const db = kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db');
    const { manifests } = synthDeployment({
      executor: AirflowExecutor.celery(),
      database: MetadataDatabase.external({ connection: { secret: db, key: 'url' } }),
      maintenance: { databaseCleanup: { skipArchive: true } },
    });
    const c = container(jobPodSpec(one(manifests, 'CronJob')), 'db-cleanup');
    expect(env(c, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN').valueFrom.secretKeyRef).toEqual({ name: 'airflow-db', key: 'url' });
    expectValidManifests(manifests, { external: { secrets: ['airflow-db'] } });
  });

  test('the pod cleanup works with the KubernetesExecutor next to Celery', () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celeryAndKubernetes(), maintenance: { podCleanup: {} } });
    expect(cronJobs(manifests)).toHaveLength(1);
    expectValidManifests(manifests);
  });

  test('the pod cleanup without the KubernetesExecutor is an error naming executor', () => {
    expect(() => synthDeployment({ executor: AirflowExecutor.celery(), maintenance: { podCleanup: {} } })).toThrow(
      "'maintenance.podCleanup' deletes KubernetesExecutor task pods, but 'executor' is CeleryExecutor: "
      + 'remove podCleanup, or use an executor with the KubernetesExecutor (AirflowExecutor.kubernetes() or .celeryAndKubernetes())');
  });

  test('output is the same run to run', () => {
    const props = { maintenance: { databaseCleanup: {}, podCleanup: {} } };
    expect(JSON.stringify(synthDeployment(props).manifests)).toBe(JSON.stringify(synthDeployment(props).manifests));
  });
});
