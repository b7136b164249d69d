import { Size } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { AirflowLogs, AirflowVolumes, PvcDagSource } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { container, deployInChart as deploy, one, podSpec } from '../support/synth';

describe('AirflowVolumes: volumes and claims by name, no cdk8s-plus-28 import needed', () => {
  test('extra volumes from a claim, a ConfigMap, a Secret and an emptyDir reach the pod and its mounts', () => {
    const { manifests } = deploy(chart => {
      const data = AirflowVolumes.fromClaimName(chart, 'Data', 'shared-data', { name: 'data', readOnly: true });
      const plugins = AirflowVolumes.fromConfigMapName(chart, 'Plugins', 'airflow-plugins', { name: 'plugins' });
      const certs = AirflowVolumes.fromSecretName(chart, 'Certs', 'airflow-certs', { name: 'certs' });
      const scratch = AirflowVolumes.emptyDir(chart, 'Scratch', 'scratch', Size.gibibytes(1));
      return {
        scheduler: {
          extraVolumes: [scratch],
          extraVolumeMounts: [
            { path: '/data', volume: data, readOnly: true },
            { path: '/opt/airflow/plugins', volume: plugins, readOnly: true },
            { path: '/etc/certs', volume: certs, readOnly: true },
          ],
        },
      };
    });
    const spec = podSpec(one(manifests, 'Deployment', 'scheduler'));
    const byName = Object.fromEntries(spec.volumes.map((v: any) => [v.name, v]));
    expect(byName.data.persistentVolumeClaim).toEqual({ claimName: 'shared-data', readOnly: true });
    expect(byName.plugins.configMap.name).toBe('airflow-plugins');
    expect(byName.certs.secret.secretName).toBe('airflow-certs');
    expect(byName.scratch.emptyDir).toEqual({ sizeLimit: '1024Mi' });
    const mounts = container(spec, 'scheduler').volumeMounts.map((m: any) => `${m.name}:${m.mountPath}`);
    expect(mounts).toEqual(expect.arrayContaining(['data:/data', 'plugins:/opt/airflow/plugins', 'certs:/etc/certs']));
    expectValidManifests(manifests, {
      external: { persistentVolumeClaims: ['shared-data'], configMaps: ['airflow-plugins'], secrets: ['airflow-certs'] },
    });
  });

  test('a claim by name for DAGs and logs', () => {
    const { manifests } = deploy(chart => ({
      dagSource: new PvcDagSource({ claim: AirflowVolumes.claim(chart, 'Dags', 'airflow-dags') }),
      logs: AirflowLogs.persistentVolume({ claim: AirflowVolumes.claim(chart, 'Logs', 'airflow-logs') }),
    }));
    const claims = JSON.stringify(podSpec(one(manifests, 'Deployment', 'scheduler')).volumes);
    expect(claims).toContain('"claimName":"airflow-logs"');
    expect(JSON.stringify(manifests)).toContain('"claimName":"airflow-dags"');
    expectValidManifests(manifests, { external: { persistentVolumeClaims: ['airflow-dags', 'airflow-logs'] } });
  });
});
