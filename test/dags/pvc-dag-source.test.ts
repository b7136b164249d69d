import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowVersion, DagPodMode, DagSource, DagSourceBinding } from '../../src';
import { PvcDagSource } from '../../src/dags/pvc-dag-source';
import { S3Credentials, S3SyncSidecar } from '../../src/dags/s3-sync-sidecar';
import { bindOptions, containerNames, podTemplate } from '../support/dags';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, one, podSpec, testChart } from '../support/synth';

const s3 = (props: { role?: string } = {}) => new S3SyncSidecar({
  bucket: 'my-dags', region: 'eu-west-1', credentials: props.role ? S3Credentials.fromServiceAccountRole(props.role) : undefined,
});

function claimOf(chart: Chart, accessModes: kplus.PersistentVolumeAccessMode[]) {
  return new kplus.PersistentVolumeClaim(chart, 'Claim', { metadata: { name: 'dags' }, accessModes, storage: Size.gibibytes(1) });
}

/** Mounts a binding's volumes read-only into the pod's first container, as the Airflow pod recipe does. */
function mountLikeAirflow(pod: kplus.AbstractPod, binding: DagSourceBinding): DagSourceBinding {
  for (const m of binding.mounts ?? []) pod.containers[0].mount(m.path, m.volume, { readOnly: true, subPath: m.subPath });
  return binding;
}

describe('PvcDagSource readers', () => {
  test('a long-running pod and a task pod mount the claim read-only; nothing runs in them', () => {
    const chart = testChart();
    const source = new PvcDagSource({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'Claim', 'airflow-dags') });
    const deployment = new kplus.Deployment(chart, 'Deployment', { containers: [{ name: 'airflow', image: 'x' }] });
    const pod = new kplus.Pod(chart, 'Pod', { containers: [{ name: 'airflow', image: 'x' }] });
    const long = mountLikeAirflow(deployment, source.bind(deployment, bindOptions(chart, deployment, DagPodMode.LONG_RUNNING)));
    const task = mountLikeAirflow(pod, source.bind(pod, bindOptions(chart, pod, DagPodMode.TASK)));
    for (const binding of [long, task]) {
      expect(binding.dagsFolder).toBe('/opt/airflow/dags');
      expect(binding.mounts!.map(m => [m.path, m.volume.name, m.subPath])).toEqual([['/opt/airflow/dags', 'dags', undefined]]);
    }
    const manifests = Testing.synth(chart);
    for (const spec of [podSpec(one(manifests, 'Deployment')), podSpec(one(manifests, 'Pod'))]) {
      expect(containerNames(spec)).toEqual({ init: [], main: ['airflow'] });
      expect(spec.volumes).toEqual([{ name: 'dags', persistentVolumeClaim: { claimName: 'airflow-dags', readOnly: true } }]);
    }
    expect(manifests.filter(m => m.kind === 'Deployment')).toHaveLength(1);
    expect(source.writer).toBeUndefined();
  });

  test('subPath: a folder of the claim', () => {
    const chart = testChart();
    const source = new PvcDagSource({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'Claim', 'airflow-dags'), subPath: 'airflow/dags/' });
    const pod = new kplus.Pod(chart, 'Pod', { containers: [{ image: 'x' }] });
    const binding = source.bind(pod, bindOptions(chart, pod, DagPodMode.TASK));
    expect(binding.dagsFolder).toBe('/opt/airflow/dags');
    expect(binding.mounts!.map(m => [m.path, m.subPath])).toEqual([['/opt/airflow/dags', 'airflow/dags']]);
  });

  test('ReadWriteMany and ReadOnlyMany claims are mounted by any number of pods', () => {
    const { READ_WRITE_MANY, READ_ONLY_MANY, READ_WRITE_ONCE } = kplus.PersistentVolumeAccessMode;
    for (const modes of [[READ_WRITE_MANY], [READ_ONLY_MANY], [READ_WRITE_ONCE, READ_ONLY_MANY]]) {
      const chart = testChart();
      const source = new PvcDagSource({ claim: claimOf(chart, modes) });
      for (const id of ['A', 'B', 'C']) {
        const pod = new kplus.Pod(chart, id, { containers: [{ image: 'x' }] });
        expect(() => source.bind(pod, bindOptions(chart, pod, DagPodMode.TASK))).not.toThrow();
      }
    }
  });
});

describe('PvcDagSource with a single writer (populatedBy)', () => {
  test('the first bind creates one writer Deployment running the source against the claim', () => {
    const chart = testChart();
    const role = 'arn:aws:iam::123456789012:role/dags-writer';
    const source = new PvcDagSource({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'Claim', 'airflow-dags'), populatedBy: s3({ role }) });
    const readerSa = new kplus.ServiceAccount(chart, 'ReaderSa', { automountToken: false });
    const bindings = ['A', 'B'].map(id => {
      const deployment = new kplus.Deployment(chart, id, { serviceAccount: readerSa, containers: [{ name: 'airflow', image: 'x' }] });
      return mountLikeAirflow(deployment, source.bind(deployment, bindOptions(chart, deployment, DagPodMode.LONG_RUNNING)));
    });
    const pod = new kplus.Pod(chart, 'Task', { containers: [{ name: 'base', image: 'x' }] });
    bindings.push(source.bind(pod, bindOptions(chart, pod, DagPodMode.TASK)));
    for (const binding of bindings) {
      expect(binding.dagsFolder).toBe('/opt/airflow/dags/current');
      expect(binding.mounts!.map(m => [m.path, m.volume.name, m.subPath])).toEqual([['/opt/airflow/dags', 'dags', undefined]]);
    }
    expect(source.writer!.node.path).toBe('test/Dags/Writer');

    const manifests = Testing.synth(chart);
    const deployments = manifests.filter(m => m.kind === 'Deployment');
    expect(deployments).toHaveLength(3);
    const writer = one(manifests, 'Deployment', 'dag-writer');
    expect(writer.spec.replicas).toBe(1);
    expect(writer.spec.strategy).toEqual({ type: 'Recreate' });
    const spec = podSpec(writer);
    expect(containerNames(spec)).toEqual({ init: ['s3-sync-init'], main: ['s3-sync'] });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toEqual({ fsGroup: 0, fsGroupChangePolicy: 'OnRootMismatch', runAsNonRoot: true });
    expect(spec.volumes).toEqual([{ name: 'dags', persistentVolumeClaim: { claimName: 'airflow-dags', readOnly: false } }, { name: 'dags-tmp', emptyDir: {} }]);
    for (const name of ['s3-sync-init', 's3-sync']) {
      expect(container(spec, name).volumeMounts).toEqual([{ mountPath: '/dags', name: 'dags' }, { mountPath: '/tmp', name: 'dags-tmp' }]);
    }
    expect(writer.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('dag-writer');
    const writerSa = one(manifests, 'ServiceAccount', 'dag-writer');
    expect(spec.serviceAccountName).toBe(writerSa.metadata.name);
    expect(writerSa.automountServiceAccountToken).toBe(false);
    expect(writerSa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': role });
    // readers: the claim read-only, no sync containers, no role on their ServiceAccount
    for (const reader of deployments.filter(d => d !== writer)) {
      expect(containerNames(podSpec(reader))).toEqual({ init: [], main: ['airflow'] });
      expect(podSpec(reader).volumes).toEqual([{ name: 'dags', persistentVolumeClaim: { claimName: 'airflow-dags', readOnly: true } }]);
    }
    expect(one(manifests, 'ServiceAccount', 'readersa').metadata.annotations).toBeUndefined();
  });

  test('writerServiceAccount replaces the writer ServiceAccount', () => {
    const chart = testChart();
    const writerServiceAccount = kplus.ServiceAccount.fromServiceAccountName(chart, 'Sa', 'dag-writer');
    const source = new PvcDagSource({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'Claim', 'airflow-dags'), populatedBy: s3(), writerServiceAccount });
    const pod = new kplus.Pod(chart, 'Pod', { containers: [{ image: 'x' }] });
    source.bind(pod, bindOptions(chart, pod, DagPodMode.TASK));
    const manifests = Testing.synth(chart);
    expect(podSpec(one(manifests, 'Deployment', 'writer')).serviceAccountName).toBe('dag-writer');
    expect(manifests.filter(m => m.kind === 'ServiceAccount')).toEqual([]);
  });
});

describe('PvcDagSource errors', () => {
  test('a ReadWriteOnce claim mounted by a second pod', () => {
    const chart = testChart();
    const source = new PvcDagSource({ claim: claimOf(chart, [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE]) });
    const a = new kplus.Pod(chart, 'A', { containers: [{ image: 'x' }] });
    const b = new kplus.Pod(chart, 'B', { containers: [{ image: 'x' }] });
    expect(() => source.bind(a, bindOptions(chart, a, DagPodMode.LONG_RUNNING))).not.toThrow();
    expect(() => source.bind(b, bindOptions(chart, b, DagPodMode.TASK))).toThrow(
      "PvcDagSource: claim 'dags' is ReadWriteOnce but 2 pods mount it (test/A, test/B): use a ReadWriteMany or ReadOnlyMany claim, e.g. EfsDagVolume");
  });

  test('a ReadWriteOncePod claim with a writer: the first bind already makes two pods', () => {
    const chart = testChart();
    const source = new PvcDagSource({ claim: claimOf(chart, [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE_POD]), populatedBy: s3() });
    const a = new kplus.Pod(chart, 'A', { containers: [{ image: 'x' }] });
    expect(() => source.bind(a, bindOptions(chart, a, DagPodMode.LONG_RUNNING))).toThrow(
      "PvcDagSource: claim 'dags' is ReadWriteOnce but 2 pods mount it (test/Dags/Writer, test/A): use a ReadWriteMany or ReadOnlyMany claim, e.g. EfsDagVolume");
  });

  test('a ReadWriteOnce claim in an AirflowDeployment (several components and the task pod template)', () => {
    const chart = testChart();
    const dagSource = new PvcDagSource({ claim: claimOf(chart, [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE]) });
    expect(() => new AirflowDeployment(chart, 'Airflow', { dagSource })).toThrow(
      "PvcDagSource: claim 'dags' is ReadWriteOnce but 2 pods mount it (pod-template/Pod, test/Airflow/Triggerer/Resource): use a ReadWriteMany or ReadOnlyMany claim, e.g. EfsDagVolume");
  });

  test('a ReadOnlyMany claim cannot be written by populatedBy', () => {
    const chart = testChart();
    expect(() => new PvcDagSource({ claim: claimOf(chart, [kplus.PersistentVolumeAccessMode.READ_ONLY_MANY]), populatedBy: s3() })).toThrow(
      "PvcDagSource: claim 'dags' is ReadOnlyMany but 'populatedBy' writes into it: use a ReadWriteMany claim (Airflow pods still mount it read-only)");
  });

  test.each<[{ subPath?: string; populatedBy?: boolean; writerServiceAccount?: boolean }, string]>([
    [{ subPath: 'dags', populatedBy: true }, "PvcDagSource: 'subPath' ('dags') cannot be combined with 'populatedBy': the writer publishes into the whole volume through a symlink switch; remove 'subPath'"],
    [{ subPath: '/dags' }, "PvcDagSource: 'subPath' must be a relative path inside the claim without '..' (e.g. 'airflow/dags'), got '/dags'"],
    [{ subPath: 'a/../../etc' }, "PvcDagSource: 'subPath' must be a relative path inside the claim without '..' (e.g. 'airflow/dags'), got 'a/../../etc'"],
    [{ subPath: '' }, "PvcDagSource: 'subPath' must be a relative path inside the claim without '..' (e.g. 'airflow/dags'), got ''"],
    [{ writerServiceAccount: true }, "PvcDagSource: 'writerServiceAccount' is only used with 'populatedBy': remove it or add a writer source"],
  ])('%o', (props, message) => {
    const chart = testChart();
    const claim = kplus.PersistentVolumeClaim.fromClaimName(chart, 'Claim', 'airflow-dags');
    expect(() => new PvcDagSource({
      claim,
      subPath: props.subPath,
      populatedBy: props.populatedBy ? s3() : undefined,
      writerServiceAccount: props.writerServiceAccount ? kplus.ServiceAccount.fromServiceAccountName(chart, 'Sa', 'sa') : undefined,
    })).toThrow(message);
  });

  test('a writer source that adds no container', () => {
    const chart = testChart();
    const source = new PvcDagSource({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'Claim', 'airflow-dags'), populatedBy: DagSource.fromImage() });
    const pod = new kplus.Pod(chart, 'Pod', { containers: [{ image: 'x' }] });
    expect(() => source.bind(pod, bindOptions(chart, pod, DagPodMode.TASK))).toThrow(
      "PvcDagSource: 'populatedBy' added no container to the writer pod: give a source that writes files (e.g. S3SyncSidecar or a git-sync source), or leave 'populatedBy' out");
  });
});

describe.each([
  ['Airflow 3', AirflowVersion.DEFAULT, ['dag-processor', 'triggerer']],
  ['Airflow 2', AirflowVersion.V2_11_0, ['scheduler', 'triggerer']],
] as const)('AirflowDeployment with PvcDagSource on %s', (_, airflowVersion, readers) => {
  test('a claim of the user: every reader mounts it read-only, the task pod template too', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { airflowVersion, dagSource: new PvcDagSource({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'Claim', 'airflow-dags') }) });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { persistentVolumeClaims: ['airflow-dags'] } });
    for (const name of readers) {
      const spec = podSpec(one(manifests, 'Deployment', `airflow-${name}`));
      expect(spec.volumes).toContainEqual({ name: 'dags', persistentVolumeClaim: { claimName: 'airflow-dags', readOnly: true } });
    }
    const template = podTemplate(manifests);
    expect(containerNames(template.spec)).toEqual({ init: [], main: ['base'] });
    expect(template.spec.volumes).toContainEqual({ name: 'dags', persistentVolumeClaim: { claimName: 'airflow-dags', readOnly: true } });
    expect(container(template.spec, 'base').volumeMounts).toContainEqual({ mountPath: '/opt/airflow/dags', name: 'dags', readOnly: true });
    expect(airflowCfg(manifests)['core.dags_folder']).toBe('/opt/airflow/dags');
  });

  test('populated by S3: one writer, no sync container in any Airflow pod', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', {
      airflowVersion,
      dagSource: new PvcDagSource({ claim: kplus.PersistentVolumeClaim.fromClaimName(chart, 'Claim', 'airflow-dags'), populatedBy: s3({ role: 'arn:aws:iam::123456789012:role/dags' }) }),
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests, { external: { persistentVolumeClaims: ['airflow-dags'] } });
    const writer = one(manifests, 'Deployment', 'writer');
    expect(containerNames(podSpec(writer))).toEqual({ init: ['s3-sync-init'], main: ['s3-sync'] });
    for (const d of manifests.filter(m => m.kind === 'Deployment' && m !== writer)) {
      const names = [...containerNames(podSpec(d)).init, ...containerNames(podSpec(d)).main];
      expect(names.filter(n => n.startsWith('s3-sync'))).toEqual([]);
    }
    const template = podTemplate(manifests);
    expect(containerNames(template.spec)).toEqual({ init: [], main: ['base'] });
    expect(airflowCfg(manifests)['core.dags_folder']).toBe('/opt/airflow/dags/current');
    const annotated = manifests.filter(m => m.kind === 'ServiceAccount' && m.metadata.annotations?.['eks.amazonaws.com/role-arn']);
    expect(annotated.map(m => m.metadata.name)).toEqual([podSpec(writer).serviceAccountName]);
  });
});
