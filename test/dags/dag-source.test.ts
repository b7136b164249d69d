import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, DagPodMode, DagSource } from '../../src';
import { testChart } from '../support/synth';

describe('DagSource.fromImage', () => {
  test('mounts nothing and points at the folder in the image', () => {
    const chart = testChart();
    const pod = new kplus.Pod(chart, 'Pod');
    const options = { mode: DagPodMode.TASK, mountPath: '/opt/airflow/dags', name: 'dags', podScope: pod, sharedScope: chart, config: new AirflowConfig(chart, 'Config') };
    expect(DagSource.fromImage().bind(pod, options)).toEqual({ dagsFolder: '/opt/airflow/dags' });
    expect(DagSource.fromImage('/opt/airflow/my-dags').bind(pod, options).dagsFolder).toBe('/opt/airflow/my-dags');
  });

  test('fails on a relative path', () => {
    expect(() => DagSource.fromImage('dags')).toThrow("DagSource.fromImage: 'path' must be absolute, got 'dags'");
  });
});
