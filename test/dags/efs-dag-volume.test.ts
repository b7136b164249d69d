import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowVersion, DagPodMode } from '../../src';
import { EfsDagVolume, EfsDagVolumeProps } from '../../src/dags/efs-dag-volume';
import { S3Credentials, S3SyncSidecar } from '../../src/dags/s3-sync-sidecar';
import { bindOptions, containerNames, podTemplate } from '../support/dags';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, one, podSpec, testChart } from '../support/synth';

const FS = 'fs-0123456789abcdef0';

describe('EfsDagVolume', () => {
  test('fileSystemId: a StorageClass for the EFS CSI driver and a ReadWriteMany claim of it', () => {
    const chart = testChart();
    const efs = new EfsDagVolume(chart, 'Dags', { fileSystemId: FS });
    const manifests = Testing.synth(chart);
    const sc = one(manifests, 'StorageClass');
    expect(sc).toEqual({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: sc.metadata.name, labels: sc.metadata.labels },
      provisioner: 'efs.csi.aws.com',
      parameters: { provisioningMode: 'efs-ap', fileSystemId: FS, directoryPerms: '775', uid: '50000', gid: '0', basePath: '/airflow-dags' },
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'Immediate',
    });
    const pvc = one(manifests, 'PersistentVolumeClaim');
    expect(pvc.metadata.namespace).toBe('airflow');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '5Gi' } }, storageClassName: sc.metadata.name, volumeMode: 'Filesystem' });
    expect(efs.claim.name).toBe(pvc.metadata.name);
    expect(efs.storageClass!.name).toBe(sc.metadata.name);
    expect(efs.writer).toBeUndefined();
  });

  test('StorageClass options', () => {
    const chart = testChart();
    new EfsDagVolume(chart, 'Dags', { fileSystemId: 'fs-01234567', directoryPerms: '0750', uid: 1000, gid: 1000, basePath: '/dags', storage: Size.gibibytes(1) });
    const manifests = Testing.synth(chart);
    expect(one(manifests, 'StorageClass').parameters).toEqual({ provisioningMode: 'efs-ap', fileSystemId: 'fs-01234567', directoryPerms: '0750', uid: '1000', gid: '1000', basePath: '/dags' });
    expect(one(manifests, 'PersistentVolumeClaim').spec.resources).toEqual({ requests: { storage: '1Gi' } });
  });

  test('storageClassName: only the claim; claim: nothing created', () => {
    const chart = testChart();
    new EfsDagVolume(chart, 'Dags', { storageClassName: 'efs-sc' });
    const manifests = Testing.synth(chart);
    expect(manifests.map(m => m.kind)).toEqual(['PersistentVolumeClaim']);
    expect(manifests[0].spec.storageClassName).toBe('efs-sc');

    const chart2 = testChart();
    const claim = kplus.PersistentVolumeClaim.fromClaimName(chart2, 'Claim', 'efs-dags');
    const efs = new EfsDagVolume(chart2, 'Dags', { claim });
    expect(Testing.synth(chart2)).toEqual([]);
    expect(efs.claim).toBe(claim);
    expect(efs.storageClass).toBeUndefined();
  });

  test('bind: a long-running pod and a task pod mount the claim, nothing else', () => {
    const chart = testChart();
    const efs = new EfsDagVolume(chart, 'Efs', { fileSystemId: FS });
    const deployment = new kplus.Deployment(chart, 'Deployment', { containers: [{ name: 'airflow', image: 'x' }] });
    const pod = new kplus.Pod(chart, 'Pod', { containers: [{ name: 'airflow', image: 'x' }] });
    for (const [p, mode] of [[deployment, DagPodMode.LONG_RUNNING], [pod, DagPodMode.TASK]] as const) {
      const binding = efs.bind(p, bindOptions(chart, p, mode));
      expect(binding.dagsFolder).toBe('/opt/airflow/dags');
      expect(binding.mounts!.map(m => [m.path, m.volume.name, m.subPath])).toEqual([['/opt/airflow/dags', 'dags', undefined]]);
      for (const m of binding.mounts!) p.containers[0].mount(m.path, m.volume, { readOnly: true });
    }
    const manifests = Testing.synth(chart);
    const claimName = one(manifests, 'PersistentVolumeClaim', 'airflow-dags').metadata.name;
    for (const spec of [podSpec(one(manifests, 'Deployment')), podSpec(one(manifests, 'Pod'))]) {
      expect(containerNames(spec)).toEqual({ init: [], main: ['airflow'] });
      expect(spec.volumes).toEqual([{ name: 'dags', persistentVolumeClaim: { claimName, readOnly: true } }]);
    }
  });

  test('a ReadWriteOnce claim of the user is refused on the second pod (checked by PvcDagSource)', () => {
    const chart = testChart();
    const claim = new kplus.PersistentVolumeClaim(chart, 'Claim', { metadata: { name: 'rwo' }, accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE] });
    const efs = new EfsDagVolume(chart, 'Dags', { claim });
    const a = new kplus.Pod(chart, 'A', { containers: [{ image: 'x' }] });
    const b = new kplus.Pod(chart, 'B', { containers: [{ image: 'x' }] });
    efs.bind(a, bindOptions(chart, a, DagPodMode.TASK));
    expect(() => efs.bind(b, bindOptions(chart, b, DagPodMode.TASK))).toThrow(
      "PvcDagSource: claim 'rwo' is ReadWriteOnce but 2 pods mount it (test/A, test/B): use a ReadWriteMany or ReadOnlyMany claim, e.g. EfsDagVolume");
  });

  const errors: Array<[string, (chart: Chart) => EfsDagVolumeProps, string]> = [
    ['none of the three', () => ({}), "EfsDagVolume: give exactly one of 'fileSystemId', 'storageClassName' or 'claim', got none"],
    ['two of the three', () => ({ fileSystemId: FS, storageClassName: 'efs-sc' }), "EfsDagVolume: give exactly one of 'fileSystemId', 'storageClassName' or 'claim', got 'fileSystemId' and 'storageClassName'"],
    ['all three', chart => ({ fileSystemId: FS, storageClassName: 'efs-sc', claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'C', 'c') }),
      "EfsDagVolume: give exactly one of 'fileSystemId', 'storageClassName' or 'claim', got 'fileSystemId' and 'storageClassName' and 'claim'"],
    ['a bad fileSystemId', () => ({ fileSystemId: 'fs-123' }), "EfsDagVolume: 'fileSystemId' must be 'fs-' followed by 8 or 17 lower-case hex digits (e.g. 'fs-0123456789abcdef0'), got 'fs-123'"],
    ['an ARN as fileSystemId', () => ({ fileSystemId: 'arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-01234567' }),
      "EfsDagVolume: 'fileSystemId' must be 'fs-' followed by 8 or 17 lower-case hex digits (e.g. 'fs-0123456789abcdef0'), got 'arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-01234567'"],
    ['bad directoryPerms', () => ({ fileSystemId: FS, directoryPerms: '779' }), "EfsDagVolume: 'directoryPerms' must be 3 or 4 octal digits (e.g. '775'), got '779'"],
    ['a negative uid', () => ({ fileSystemId: FS, uid: -1 }), "EfsDagVolume: 'uid' must be a whole number from 0 to 2147483647, got -1"],
    ['a fractional gid', () => ({ fileSystemId: FS, gid: 1.5 }), "EfsDagVolume: 'gid' must be a whole number from 0 to 2147483647, got 1.5"],
    ['a relative basePath', () => ({ fileSystemId: FS, basePath: 'dags' }), "EfsDagVolume: 'basePath' must be an absolute path without '..' or spaces (e.g. '/airflow-dags'), got 'dags'"],
    ['uid without fileSystemId', () => ({ storageClassName: 'efs-sc', uid: 1000 }),
      "EfsDagVolume: 'uid' only applies with 'fileSystemId' (it configures the StorageClass EfsDagVolume creates): remove it, or set it on your own StorageClass"],
    ['directoryPerms without fileSystemId', chart => ({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'C', 'c'), directoryPerms: '700' }),
      "EfsDagVolume: 'directoryPerms' only applies with 'fileSystemId' (it configures the StorageClass EfsDagVolume creates): remove it, or set it on your own StorageClass"],
    ['storage with a claim', chart => ({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'C', 'efs-dags'), storage: Size.gibibytes(1) }),
      "EfsDagVolume: 'storage' only applies when EfsDagVolume creates the claim: remove it (claim 'efs-dags' is yours)"],
    ['an empty storageClassName', () => ({ storageClassName: ' ' }), "EfsDagVolume: 'storageClassName' must not be empty"],
  ];
  test.each(errors)('fails on %s', (_, props, message) => {
    const chart = testChart();
    expect(() => new EfsDagVolume(chart, 'Dags', props(chart))).toThrow(message);
  });
});

describe.each([
  ['Airflow 3', AirflowVersion.DEFAULT, ['dag-processor', 'triggerer']],
  ['Airflow 2', AirflowVersion.V2_11_0, ['scheduler', 'triggerer']],
] as const)('AirflowDeployment with EfsDagVolume on %s', (_, airflowVersion, readers) => {
  test('filled from S3 by one writer; every Airflow pod mounts the claim read-only without sync containers', () => {
    const chart = testChart();
    const role = 'arn:aws:iam::123456789012:role/dags-writer';
    const dags = new EfsDagVolume(chart, 'Dags', {
      fileSystemId: FS,
      populatedBy: new S3SyncSidecar({ bucket: 'my-dags', prefix: 'dags', region: 'eu-west-1', credentials: S3Credentials.fromServiceAccountRole(role) }),
    });
    new AirflowDeployment(chart, 'Airflow', { airflowVersion, dagSource: dags });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests);

    const claimName = one(manifests, 'PersistentVolumeClaim', '-dags').metadata.name;
    const writers = manifests.filter(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'dag-writer');
    expect(writers).toHaveLength(1);
    const writer = podSpec(writers[0]);
    expect(dags.writer).toBeDefined();
    expect(containerNames(writer)).toEqual({ init: ['s3-sync-init'], main: ['s3-sync'] });
    expect(writer.volumes).toContainEqual({ name: 'dags', persistentVolumeClaim: { claimName, readOnly: false } });
    expect(container(writer, 's3-sync').volumeMounts).toContainEqual({ mountPath: '/dags', name: 'dags' });
    const writerSa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === writer.serviceAccountName);
    expect(writerSa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': role });

    const readOnlyClaim = { name: 'dags', persistentVolumeClaim: { claimName, readOnly: true } };
    const airflowPods = [...readers.map(name => podSpec(one(manifests, 'Deployment', `airflow-${name}`))), podTemplate(manifests).spec];
    for (const spec of airflowPods) {
      expect(spec.volumes).toContainEqual(readOnlyClaim);
      const names = [...containerNames(spec).init, ...containerNames(spec).main];
      expect(names.filter(n => n.startsWith('s3-sync'))).toEqual([]);
      const airflowContainer = spec.containers.find((c: any) => c.image.startsWith('apache/airflow'));
      expect(airflowContainer.volumeMounts).toContainEqual({ mountPath: '/opt/airflow/dags', name: 'dags', readOnly: true });
      const sa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === spec.serviceAccountName);
      expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBeUndefined();
    }
    expect(containerNames(podTemplate(manifests).spec)).toEqual({ init: [], main: ['base'] });
    expect(airflowCfg(manifests)['core.dags_folder']).toBe('/opt/airflow/dags/current');
  });

  test('an existing StorageClass, filled by something else', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { airflowVersion, dagSource: new EfsDagVolume(chart, 'Dags', { storageClassName: 'efs-sc' }) });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { storageClasses: ['efs-sc'] } });
    expect(manifests.filter(m => m.kind === 'Deployment' && m.metadata.name.includes('writer'))).toEqual([]);
    expect(airflowCfg(manifests)['core.dags_folder']).toBe('/opt/airflow/dags');
    expect(podTemplate(manifests).spec.volumes).toContainEqual({ name: 'dags', persistentVolumeClaim: { claimName: one(manifests, 'PersistentVolumeClaim', '-dags').metadata.name, readOnly: true } });
  });
});
