import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowDagProcessor, AirflowPodRecipe, AirflowScheduler, AirflowTriggerer, AirflowVersion, DagPodMode, DagSourceBindOptions, IDagSource } from '../../src';
import { container, one, podSpec, testChart } from '../support/synth';

/** A DAG source that records how it was bound and mounts an emptyDir. */
class RecordingSource implements IDagSource {
  public readonly calls: DagSourceBindOptions[] = [];
  constructor(private readonly folder: (n: number) => string = () => '/opt/airflow/dags/repo') {}
  public bind(_pod: kplus.AbstractPod, options: DagSourceBindOptions) {
    this.calls.push(options);
    const volume = kplus.Volume.fromEmptyDir(options.podScope, 'Dags', 'dags');
    return { dagsFolder: this.folder(this.calls.length), mounts: [{ path: options.mountPath, volume }] };
  }
}

describe('AirflowPodRecipe', () => {
  test('defaults: official image of the config version, IfNotPresent', () => {
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(testChart(), 'C', { version: AirflowVersion.V2_10_5 }) });
    expect([recipe.image, recipe.imagePullPolicy, recipe.version.version]).toEqual(['apache/airflow:2.10.5', 'IfNotPresent', '2.10.5']);
  });

  test('binds the DAG source only to pods that need DAGs, and mounts it read-only', () => {
    const chart = testChart();
    const dags = new RecordingSource();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config'), dagSource: dags });
    new AirflowScheduler(chart, 'Scheduler', { recipe });
    new AirflowTriggerer(chart, 'Triggerer', { recipe });
    expect(dags.calls.map(c => [c.mode, c.mountPath, c.name])).toEqual([[DagPodMode.LONG_RUNNING, '/opt/airflow/dags', 'dags']]);
    const manifests = Testing.synth(chart);
    expect(container(podSpec(one(manifests, 'Deployment', 'triggerer')), 'triggerer').volumeMounts).toContainEqual({ mountPath: '/opt/airflow/dags', name: 'dags', readOnly: true });
    expect(container(podSpec(one(manifests, 'Deployment', 'scheduler')), 'scheduler').volumeMounts.map((m: any) => m.name)).not.toContain('dags');
    expect(recipe.config.get('core', 'dags_folder')).toBe('/opt/airflow/dags/repo');
  });

  test('the Airflow 2 scheduler gets DAGs unless a standalone dag-processor runs', () => {
    const chart = testChart();
    const dags = new RecordingSource();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config', { version: AirflowVersion.V2_11_0 }), dagSource: dags });
    new AirflowScheduler(chart, 'Scheduler', { recipe });
    expect(dags.calls).toHaveLength(1);
  });

  test('fails when a DAG source gives pods different folders', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config'), dagSource: new RecordingSource(n => `/dags/${n}`) });
    new AirflowTriggerer(chart, 'T1', { recipe });
    expect(() => new AirflowDagProcessor(chart, 'T2', { recipe }))
      .toThrow("DAG source gave '/dags/2' as the DAG folder of one pod and '/dags/1' of another: a DAG source must give every pod the same folder");
  });

  test('addEnv reaches every Airflow container, and fails once containers exist', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
    recipe.addEnv('FOO', kplus.EnvValue.fromValue('bar'));
    new AirflowTriggerer(chart, 'T', { recipe });
    const spec = podSpec(one(Testing.synth(chart), 'Deployment'));
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.env).toContainEqual({ name: 'FOO', value: 'bar' });
    }
    expect(() => recipe.addEnv('LATE', kplus.EnvValue.fromValue('x')))
      .toThrow("AirflowPodRecipe.addEnv('LATE') came after Airflow containers were created: configure the recipe before creating components");
  });

  test('mount() on a bound pod reaches containers added before and after', () => {
    const chart = testChart();
    const recipe = new AirflowPodRecipe({ config: new AirflowConfig(chart, 'Config') });
    const t = new AirflowTriggerer(chart, 'T', { recipe });
    t.airflowPod.mount('/extra', kplus.Volume.fromEmptyDir(chart, 'Extra', 'extra'), { readOnly: true });
    t.airflowPod.addAirflowContainer({ name: 'helper', args: ['airflow', 'version'], resources: {} });
    const spec = podSpec(one(Testing.synth(chart), 'Deployment'));
    for (const name of ['wait-for-airflow-migrations', 'triggerer', 'helper']) {
      expect(container(spec, name).volumeMounts).toContainEqual({ mountPath: '/extra', name: 'extra', readOnly: true });
    }
  });
});
