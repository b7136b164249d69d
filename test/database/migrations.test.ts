import { Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowMigrations, AirflowPodRecipe } from '../../src';
import { container, one, podSpec, testChart } from '../support/synth';

describe('AirflowMigrations', () => {
  test('runs airflow db migrate once, without waiting for itself', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
    new AirflowMigrations(chart, 'Migrations', { recipe, backoffLimit: 2 });
    const job = one(Testing.synth(chart), 'Job');
    expect(job.spec.backoffLimit).toBe(2);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(podSpec(job).initContainers).toBeUndefined();
    expect(container(podSpec(job), 'migrate').args).toEqual(['airflow', 'db', 'migrate']);
    expect(job.metadata.name).toMatch(/^airflow-migrate-[0-9a-f]{8}$/);
  });

  test('fails on a negative backoffLimit', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
    expect(() => new AirflowMigrations(chart, 'Migrations', { recipe, backoffLimit: -1 }))
      .toThrow("'backoffLimit' of the migrations Job must be a whole number >= 0, got -1");
  });
});
