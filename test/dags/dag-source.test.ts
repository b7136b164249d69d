import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { DagPodMode, DagSource } from '../../src';
import { testChart } from '../support/synth';

describe('DagSource.fromImage', () => {
  test('mounts nothing and points at the folder in the image', () => {
    const chart = testChart();
    const pod = new kplus.Pod(chart, 'Pod');
    expect(DagSource.fromImage().bind(chart, pod, { mode: DagPodMode.TASK, mountPath: '/opt/airflow/dags' })).toEqual({ dagsFolder: '/opt/airflow/dags' });
    expect(DagSource.fromImage('/opt/airflow/my-dags').bind(chart, pod, { mode: DagPodMode.LONG_RUNNING, mountPath: '/opt/airflow/dags' }).dagsFolder).toBe('/opt/airflow/my-dags');
  });

  test('fails on a relative path', () => {
    expect(() => DagSource.fromImage('dags')).toThrow("DagSource.fromImage: 'path' must be absolute, got 'dags'");
  });
});
