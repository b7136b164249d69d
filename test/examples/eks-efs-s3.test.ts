import { Testing, Yaml } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { EksEfsS3Chart } from '../../examples/eks-efs-s3';
import { containerNames, podTemplate } from '../support/dags';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, podSpec } from '../support/synth';

describe('examples/eks-efs-s3.ts', () => {
  const manifests = Testing.synth(new EksEfsS3Chart(Testing.app(), 'eks-efs-s3'));
  const claim = manifests.find(m => m.kind === 'PersistentVolumeClaim');

  test('passes the strict schemas, references (the RDS Secret is the user\'s own) and Pod Security "restricted"', () => {
    expectValidManifests(manifests, { external: { secrets: ['airflow-rds'] } });
  });

  test('an EFS StorageClass and one ReadWriteMany claim', () => {
    const storageClass = manifests.find(m => m.kind === 'StorageClass');
    expect(storageClass.provisioner).toBe('efs.csi.aws.com');
    expect(storageClass.parameters).toMatchObject({ provisioningMode: 'efs-ap', fileSystemId: 'fs-0123456789abcdef0' });
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(claim.spec.storageClassName).toBe(storageClass.metadata.name);
  });

  test('exactly one writer syncs S3 into EFS, with the IRSA role on its ServiceAccount', () => {
    const writers = manifests.filter(m => ['Deployment', 'StatefulSet'].includes(m.kind)
      && [...(podSpec(m).initContainers ?? []), ...podSpec(m).containers].some((c: any) => c.name.startsWith('s3-sync')));
    expect(writers).toHaveLength(1);
    const spec = podSpec(writers[0]);
    expect(containerNames(spec)).toEqual({ init: ['s3-sync-init'], main: ['s3-sync'] });
    expect(spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    const sa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === spec.serviceAccountName);
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/airflow-dags-reader' });
  });

  test('every Airflow pod that needs DAGs mounts the claim read-only and runs no sync container', () => {
    const airflowPods = [
      ...manifests.filter(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] !== 'dag-writer')
        .map(m => [m.spec.template.metadata.labels['app.kubernetes.io/component'], podSpec(m)]),
      ['task pod', podTemplate(manifests).spec],
    ] as Array<[string, any]>;
    const mountsClaim = (spec: any) => (spec.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === claim.metadata.name);
    const readers = airflowPods.filter(([, spec]) => mountsClaim(spec));
    expect(readers.map(([name]) => name).sort()).toEqual(['dag-processor', 'task pod', 'triggerer']);
    for (const [name, spec] of airflowPods) {
      expect([...(spec.initContainers ?? []), ...spec.containers].map((c: any) => c.name).filter((n: string) => n.startsWith('s3-sync')), name).toEqual([]);
    }
    for (const [, spec] of readers) {
      const volume = spec.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === claim.metadata.name);
      const main = spec.containers[0];
      expect(main.volumeMounts).toContainEqual({ mountPath: '/opt/airflow/dags', name: volume.name, readOnly: true });
    }
    expect(airflowCfg(manifests)['core.dags_folder']).toBe('/opt/airflow/dags/current');
  });

  test('is byte-identical run to run', () => {
    expect(Yaml.stringify(...Testing.synth(new EksEfsS3Chart(Testing.app(), 'eks-efs-s3')))).toBe(Yaml.stringify(...manifests));
  });
});
