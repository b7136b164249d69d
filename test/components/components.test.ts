import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import {
  AirflowApiServer, AirflowConfig, AirflowDagProcessor, AirflowPodRecipe, AirflowScheduler, AirflowVersion, AirflowWebserver,
} from '../../src';
import { expectValidManifests } from '../support/manifests';
import { container, one, podSpec, testChart } from '../support/synth';

function recipeFor(version: AirflowVersion, settings: Record<string, string> = {}) {
  const chart = testChart();
  return { chart, recipe: new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config', { version, settings }) }) };
}

describe('components on their own', () => {
  test('a scheduler alone, with a user ServiceAccount and its own resources and grace period', () => {
    const { chart, recipe } = recipeFor(AirflowVersion.V3_2_2);
    const sa = new kplus.ServiceAccount(chart, 'Sa', { automountToken: false });
    const scheduler = new AirflowScheduler(chart, 'Scheduler', {
      recipe,
      serviceAccount: sa,
      replicas: 3,
      terminationGracePeriod: Duration.seconds(45),
      resources: { cpu: { request: kplus.Cpu.millis(2000) } },
    });
    expect(scheduler.serviceAccount).toBe(sa);
    const manifests = Testing.synth(chart);
    const d = one(manifests, 'Deployment');
    expect(d.spec.replicas).toBe(3);
    expect(podSpec(d).terminationGracePeriodSeconds).toBe(45);
    expect(podSpec(d).serviceAccountName).toBe(sa.name);
    expect(container(podSpec(d), 'scheduler').resources).toEqual({ requests: { cpu: '2000m' } });
    expect(container(podSpec(d), 'wait-for-airflow-migrations').resources.requests.cpu).toBe('50m');
    expect(d.spec.template.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('scheduler');
    expectValidManifests(manifests, { external: { secrets: [] } });
  });

  test('the API server keeps a ready replica during rollouts', () => {
    const { chart, recipe } = recipeFor(AirflowVersion.V3_1_8);
    new AirflowApiServer(chart, 'Api', { recipe, serviceType: kplus.ServiceType.NODE_PORT });
    const manifests = Testing.synth(chart);
    expect(one(manifests, 'Deployment').spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(one(manifests, 'Service').spec.type).toBe('NodePort');
  });

  test('fails on replicas that are not whole numbers >= 0', () => {
    const { chart, recipe } = recipeFor(AirflowVersion.V3_2_2);
    expect(() => new AirflowScheduler(chart, 'S', { recipe, replicas: -1 })).toThrow("'replicas' of scheduler must be a whole number >= 0, got -1");
  });

  test('fails on the web component of the other major version', () => {
    const af2 = recipeFor(AirflowVersion.V2_11_0);
    expect(() => new AirflowApiServer(af2.chart, 'Api', { recipe: af2.recipe }))
      .toThrow('AirflowApiServer runs on Airflow 3 only, but the recipe uses Airflow 2.11.0: use AirflowWebserver on Airflow 2');
    const af3 = recipeFor(AirflowVersion.V3_2_2);
    expect(() => new AirflowWebserver(af3.chart, 'Web', { recipe: af3.recipe }))
      .toThrow('AirflowWebserver runs on Airflow 2 only, but the recipe uses Airflow 3.2.2: use AirflowApiServer on Airflow 3');
  });

  test('fails on an Airflow 2 dag-processor without standalone_dag_processor', () => {
    const af2 = recipeFor(AirflowVersion.V2_11_0);
    expect(() => new AirflowDagProcessor(af2.chart, 'Dp', { recipe: af2.recipe }))
      .toThrow("AirflowDagProcessor on Airflow 2.11.0 needs '[scheduler] standalone_dag_processor = True' in the config, or the scheduler keeps parsing DAGs too");
    const ok = recipeFor(AirflowVersion.V2_11_0, { 'scheduler.standalone_dag_processor': 'True' });
    expect(() => new AirflowDagProcessor(ok.chart, 'Dp', { recipe: ok.recipe })).not.toThrow();
  });
});
