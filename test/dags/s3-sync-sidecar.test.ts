import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowDeployment, AirflowVersion, DagPodMode } from '../../src';
import { S3_SYNC_SCRIPT, S3Credentials, S3SyncSidecar } from '../../src/dags/s3-sync-sidecar';
import { bindOptions, containerNames, podTemplate } from '../support/dags';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, env, one, podSpec, testChart } from '../support/synth';

const RESTRICTED_50000 = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsGroup: 0,
  runAsNonRoot: true,
  runAsUser: 50000,
  seccompProfile: { type: 'RuntimeDefault' },
};

function bindTo(source: S3SyncSidecar, mode: DagPodMode, version?: AirflowVersion) {
  const chart = testChart();
  const serviceAccount = new kplus.ServiceAccount(chart, 'ServiceAccount', { automountToken: false });
  const pod = new kplus.Pod(chart, 'Pod', { serviceAccount, containers: [{ name: 'airflow', image: 'apache/airflow:3.2.2' }] });
  const options = bindOptions(chart, pod, mode, version);
  const binding = source.bind(pod, options);
  const manifests = Testing.synth(chart);
  return { chart, pod, binding, manifests, spec: one(manifests, 'Pod').spec, config: options.config };
}

const envNames = (c: any) => c.env.map((e: any) => e.name);
const envValue = (c: any, name: string) => env(c, name)?.value;

describe('S3SyncSidecar on one pod', () => {
  test('a long-running pod gets a one-shot init container and a looping sidecar', () => {
    const source = new S3SyncSidecar({ bucket: 'my-dags', prefix: 'airflow/dags', region: 'eu-west-1' });
    const { spec, binding, config } = bindTo(source, DagPodMode.LONG_RUNNING);
    expect(containerNames(spec)).toEqual({ init: ['s3-sync-init'], main: ['airflow', 's3-sync'] });
    const init = container(spec, 's3-sync-init');
    const sidecar = container(spec, 's3-sync');
    for (const [c, mode] of [[init, 'once'], [sidecar, 'loop']]) {
      expect(c.image).toBe('public.ecr.aws/aws-cli/aws-cli:2.27.0');
      expect(c.imagePullPolicy).toBe('IfNotPresent');
      expect(c.command).toEqual(['/bin/sh', '-c', S3_SYNC_SCRIPT]);
      expect(c.args).toBeUndefined();
      expect(c.securityContext).toEqual(RESTRICTED_50000);
      expect(c.resources).toEqual({ limits: { memory: '256Mi' }, requests: { cpu: '20m', memory: '128Mi' } });
      expect(c.volumeMounts).toEqual([{ mountPath: '/dags', name: 'dags' }, { mountPath: '/tmp', name: 'dags-tmp' }]);
      expect(Object.fromEntries(c.env.map((e: any) => [e.name, e.value]))).toEqual({
        S3_BUCKET: 'my-dags',
        S3_PREFIX: 'airflow/dags/',
        SYNC_INTERVAL: '60',
        SYNC_MODE: mode,
        SYNC_ALLOW_EMPTY: 'false',
        DAGS_ROOT: '/dags',
        AWS_REGION: 'eu-west-1',
        AWS_DEFAULT_REGION: 'eu-west-1',
        HOME: '/tmp',
      });
    }
    expect(spec.volumes).toEqual([{ name: 'dags', emptyDir: {} }, { name: 'dags-tmp', emptyDir: {} }]);
    expect(binding.dagsFolder).toBe('/opt/airflow/dags/current');
    expect(binding.mounts!.map(m => [m.path, m.volume.name, m.subPath])).toEqual([['/opt/airflow/dags', 'dags', undefined]]);
    expect(config.get('dag_processor', 'refresh_interval')).toBe('60');
  });

  test('a task pod gets the init container only', () => {
    const { spec, binding } = bindTo(new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1' }), DagPodMode.TASK);
    expect(containerNames(spec)).toEqual({ init: ['s3-sync-init'], main: ['airflow'] });
    expect(envValue(container(spec, 's3-sync-init'), 'S3_PREFIX')).toBe('');
    expect(binding.dagsFolder).toBe('/opt/airflow/dags/current');
  });

  test('the script is a constant: bucket, prefix and interval only reach it as environment variables', () => {
    const a = bindTo(new S3SyncSidecar({ bucket: 'bucket-a', prefix: 'x/', region: 'eu-west-1', interval: Duration.minutes(5) }), DagPodMode.LONG_RUNNING);
    const b = bindTo(new S3SyncSidecar({ bucket: 'bucket-b', region: 'us-east-2' }), DagPodMode.LONG_RUNNING);
    expect(container(a.spec, 's3-sync').command).toEqual(container(b.spec, 's3-sync').command);
    expect(S3_SYNC_SCRIPT).not.toContain('bucket-a');
    expect(envValue(container(a.spec, 's3-sync'), 'SYNC_INTERVAL')).toBe('300');
    expect(envValue(container(a.spec, 's3-sync'), 'S3_PREFIX')).toBe('x/');
    expect(a.config.get('dag_processor', 'refresh_interval')).toBe('300');
  });

  test('the DAG list refresh follows the interval on Airflow 2, unless the user set it', () => {
    const { config } = bindTo(new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1', interval: Duration.seconds(30) }), DagPodMode.LONG_RUNNING, AirflowVersion.V2_11_0);
    expect(config.get('scheduler', 'dag_dir_list_interval')).toBe('30');
    expect(config.get('dag_processor', 'refresh_interval')).toBeUndefined();

    const chart = testChart();
    const userConfig = new AirflowConfig(chart, 'Config', { settings: { 'dag_processor.refresh_interval': '600' } });
    const pod = new kplus.Pod(chart, 'Pod', { containers: [{ image: 'x' }] });
    new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1' }).bind(pod, bindOptions(chart, pod, DagPodMode.TASK));
    expect(userConfig.get('dag_processor', 'refresh_interval')).toBe('600');
  });

  test('an S3-compatible endpoint, image and resources', () => {
    const { spec } = bindTo(new S3SyncSidecar({
      bucket: 'dags',
      region: 'us-east-1',
      endpointUrl: 'http://minio.minio:9000',
      image: 'registry.local/aws-cli:2.27.0',
      resources: { cpu: { request: kplus.Cpu.millis(50) }, memory: { request: Size.mebibytes(512), limit: Size.mebibytes(512) } },
    }), DagPodMode.LONG_RUNNING);
    for (const name of ['s3-sync-init', 's3-sync']) {
      const c = container(spec, name);
      expect(envValue(c, 'AWS_ENDPOINT_URL_S3')).toBe('http://minio.minio:9000');
      expect(c.image).toBe('registry.local/aws-cli:2.27.0');
      expect(c.resources).toEqual({ limits: { memory: '512Mi' }, requests: { cpu: '50m', memory: '512Mi' } });
    }
  });

  test('combined sources: names carry the subfolder; a target volume replaces the emptyDir', () => {
    const chart = testChart();
    const pod = new kplus.Pod(chart, 'Pod', { containers: [{ image: 'x' }] });
    const target = kplus.Volume.fromEmptyDir(chart, 'Shared', 'shared');
    const binding = new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1' }).bind(pod, {
      ...bindOptions(chart, pod, DagPodMode.LONG_RUNNING), name: 'dags-team', mountPath: '/opt/airflow/dags/team', targetVolume: target,
    });
    const spec = one(Testing.synth(chart), 'Pod').spec;
    expect(containerNames(spec)).toEqual({ init: ['s3-sync-init-team'], main: ['main', 's3-sync-team'] });
    expect(container(spec, 's3-sync-team').volumeMounts).toEqual([{ mountPath: '/dags', name: 'shared' }, { mountPath: '/tmp', name: 'dags-team-tmp' }]);
    expect(binding.dagsFolder).toBe('/opt/airflow/dags/team/current');
    expect(binding.mounts!.map(m => [m.path, m.volume])).toEqual([['/opt/airflow/dags/team', target]]);
  });
});

describe('S3Credentials', () => {
  test('fromEnvironment (the default) adds nothing', () => {
    const { spec, manifests } = bindTo(new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1', credentials: S3Credentials.fromEnvironment() }), DagPodMode.LONG_RUNNING);
    expect(envNames(container(spec, 's3-sync')).filter((n: string) => n.startsWith('AWS_') && !n.includes('REGION'))).toEqual([]);
    expect(one(manifests, 'ServiceAccount').metadata.annotations).toBeUndefined();
  });

  test("fromServiceAccountRole annotates the pod's ServiceAccount on every bind (IRSA)", () => {
    const role = 'arn:aws:iam::123456789012:role/airflow-dags';
    const source = new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1', credentials: S3Credentials.fromServiceAccountRole(role) });
    const chart = testChart();
    const saA = new kplus.ServiceAccount(chart, 'A', { automountToken: false });
    const saB = new kplus.ServiceAccount(chart, 'B', { automountToken: false, metadata: { annotations: { 'eks.amazonaws.com/role-arn': role } } });
    for (const [id, sa] of [['PodA', saA], ['PodB', saB], ['PodA2', saA]] as const) {
      const pod = new kplus.Pod(chart, id, { serviceAccount: sa, containers: [{ image: 'x' }] });
      source.bind(pod, bindOptions(chart, pod, DagPodMode.TASK));
    }
    const accounts = Testing.synth(chart).filter(m => m.kind === 'ServiceAccount');
    expect(accounts.map(a => a.metadata.annotations)).toEqual([{ 'eks.amazonaws.com/role-arn': role }, { 'eks.amazonaws.com/role-arn': role }]);
    expect(S3Credentials.fromServiceAccountRole('arn:aws-us-gov:iam::123456789012:role/path/to/role').roleArn).toBe('arn:aws-us-gov:iam::123456789012:role/path/to/role');
  });

  test('fromServiceAccountRole errors: bad ARN, no ServiceAccount, imported ServiceAccount, another role', () => {
    expect(() => S3Credentials.fromServiceAccountRole('arn:aws:iam::1234:role/x')).toThrow(
      "S3Credentials.fromServiceAccountRole: 'roleArn' must be an IAM role ARN like 'arn:aws:iam::123456789012:role/airflow-dags', got 'arn:aws:iam::1234:role/x'");
    expect(() => S3Credentials.fromServiceAccountRole('arn:aws:iam::123456789012:user/x')).toThrow("got 'arn:aws:iam::123456789012:user/x'");

    const role = 'arn:aws:iam::123456789012:role/airflow-dags';
    const source = new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1', credentials: S3Credentials.fromServiceAccountRole(role) });
    const chart = testChart();
    const bare = new kplus.Pod(chart, 'Bare', { containers: [{ image: 'x' }] });
    expect(() => source.bind(bare, bindOptions(chart, bare, DagPodMode.TASK))).toThrow(
      "S3SyncSidecar: S3Credentials.fromServiceAccountRole needs the pod's ServiceAccount, but pod 'test/Bare' has none (it runs as 'default'): give the pod a kplus.ServiceAccount, or annotate the ServiceAccount yourself and use S3Credentials.fromEnvironment(), or use S3Credentials.fromAccessKeys()");

    const imported = new kplus.Pod(chart, 'Imported', { serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'Sa', 'airflow'), containers: [{ image: 'x' }] });
    expect(() => source.bind(imported, bindOptions(chart, imported, DagPodMode.TASK))).toThrow(
      "S3SyncSidecar: S3Credentials.fromServiceAccountRole cannot annotate ServiceAccount 'airflow' of pod 'test/Imported': it is imported, not defined in this app; annotate the ServiceAccount yourself and use S3Credentials.fromEnvironment(), or use S3Credentials.fromAccessKeys()");

    const other = new kplus.ServiceAccount(chart, 'Other', { metadata: { name: 'other', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/other' } } });
    const pod = new kplus.Pod(chart, 'Pod', { serviceAccount: other, containers: [{ image: 'x' }] });
    expect(() => source.bind(pod, bindOptions(chart, pod, DagPodMode.TASK))).toThrow(
      "S3SyncSidecar: ServiceAccount 'other' of pod 'test/Pod' already has 'eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/other', cannot set 'arn:aws:iam::123456789012:role/airflow-dags': a ServiceAccount has one IAM role; use the same role or give the pod another ServiceAccount");
  });

  test('fromAccessKeys: keys from secretKeyRef on the sync containers only, never literal', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'Keys', 'minio-keys');
    const source = new S3SyncSidecar({
      bucket: 'dags',
      region: 'us-east-1',
      endpointUrl: 'https://minio.example.com',
      credentials: S3Credentials.fromAccessKeys({ secret, key: 'access-key' }, { secret, key: 'secret-key' }),
    });
    const pod = new kplus.Pod(chart, 'Pod', { containers: [{ name: 'airflow', image: 'x' }] });
    source.bind(pod, bindOptions(chart, pod, DagPodMode.LONG_RUNNING));
    const spec = one(Testing.synth(chart), 'Pod').spec;
    for (const name of ['s3-sync-init', 's3-sync']) {
      const c = container(spec, name);
      expect(env(c, 'AWS_ACCESS_KEY_ID')).toEqual({ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'minio-keys', key: 'access-key' } } });
      expect(env(c, 'AWS_SECRET_ACCESS_KEY')).toEqual({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'minio-keys', key: 'secret-key' } } });
    }
    expect(container(spec, 'airflow').env).toBeUndefined();
  });
});

describe('S3SyncSidecar validation', () => {
  const ok = { bucket: 'my-dags', region: 'eu-west-1' };
  test.each([
    [{ ...ok, bucket: 'My_Bucket' }, "S3SyncSidecar: 'bucket' must be a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-'), got 'My_Bucket'"],
    [{ ...ok, bucket: 'ab' }, "S3SyncSidecar: 'bucket' must be a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-'), got 'ab'"],
    [{ ...ok, bucket: 's3://my-dags' }, "S3SyncSidecar: 'bucket' must be a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-'), got 's3://my-dags'"],
    [{ ...ok, prefix: '/dags' }, "S3SyncSidecar: 'prefix' must not start with '/' (S3 keys have no leading slash), got '/dags': use 'dags'"],
    [{ ...ok, region: 'Europe' }, "S3SyncSidecar: 'region' must be an AWS region like 'eu-west-1', got 'Europe'"],
    [{ ...ok, region: '' }, "S3SyncSidecar: 'region' must be an AWS region like 'eu-west-1', got ''"],
    [{ ...ok, endpointUrl: 'minio:9000' }, "S3SyncSidecar: 'endpointUrl' must be an http:// or https:// URL like 'http://minio.minio:9000', got 'minio:9000'"],
    [{ ...ok, interval: Duration.seconds(5) }, "S3SyncSidecar: 'interval' must be a whole number of seconds, at least 10, got 5 seconds"],
    [{ ...ok, interval: Duration.millis(10_500) }, "S3SyncSidecar: 'interval' must be a whole number of seconds, at least 10, got 10.5 seconds"],
    [{ ...ok, image: ' ' }, "S3SyncSidecar: 'image' must not be empty: leave it out to use 'public.ecr.aws/aws-cli/aws-cli:2.27.0'"],
  ])('%o', (props, message) => {
    expect(() => new S3SyncSidecar(props)).toThrow(message);
  });

  test('valid forms', () => {
    for (const region of ['us-east-1', 'us-gov-west-1', 'ap-southeast-2', 'cn-north-1', 'il-central-1']) {
      expect(() => new S3SyncSidecar({ ...ok, region })).not.toThrow();
    }
    for (const bucket of ['abc', 'my.dags-2024', 'a'.repeat(63)]) expect(() => new S3SyncSidecar({ ...ok, bucket })).not.toThrow();
    expect(() => new S3SyncSidecar({ ...ok, endpointUrl: 'https://s3.example.com/' })).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// the script itself, run with sh against a fake `aws` that copies a local folder (crude `--delete`)
// ---------------------------------------------------------------------------------------------------------------

const FAKE_AWS = `#!/bin/sh
# fake aws: "aws s3 sync s3://bucket/prefix/ DEST [flags]" from $FAKE_S3/bucket/prefix/
echo "$*" >> "$FAKE_S3_CALLS"
[ "$1" = s3 ] && [ "$2" = sync ] || { echo "fake aws: unsupported: $*" >&2; exit 3; }
if [ -n "\${FAKE_AWS_FAIL:-}" ]; then echo "fatal error: An error occurred (AccessDenied)" >&2; exit 1; fi
src="$3"; dest="$4"; shift 4
delete=no; dry=
for a in "$@"; do
  [ "$a" = --delete ] && delete=yes
  [ "$a" = --dryrun ] && dry='(dryrun) '
done
from="$FAKE_S3/\${src#s3://}"
[ -n "$dry" ] || mkdir -p "$dest"
(cd "$from" && find . -type f) | while read -r f; do
  f="\${f#./}"
  if ! cmp -s "$from/$f" "$dest/$f"; then
    [ -n "$dry" ] || { mkdir -p "$(dirname "$dest/$f")"; cp "$from/$f" "$dest/$f"; }
    echo "\${dry}download: $src$f to $dest/$f"
  fi
done
if [ $delete = yes ]; then
  (cd "$dest" && find . -type f) | while read -r f; do
    f="\${f#./}"
    [ -e "$from/$f" ] || { [ -n "$dry" ] || rm -f "$dest/$f"; echo "\${dry}delete: $dest/$f"; }
  done
fi
`;

/** The shells to run the script with: this machine's `sh` (dash) and bash in POSIX mode (Amazon Linux's `/bin/sh`). */
const SHELLS: Array<[string, string[]]> = [['sh', []], ...(fs.existsSync('/bin/bash') ? [['/bin/bash', ['--posix']] as [string, string[]]] : [])];

function sandbox(shell: [string, string[]] = SHELLS[0]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3-sync-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'aws'), FAKE_AWS, { mode: 0o755 });
  const bucket = path.join(dir, 's3', 'my-dags', 'dags');
  fs.mkdirSync(bucket, { recursive: true });
  const root = path.join(dir, 'volume');
  fs.mkdirSync(root);
  const envFor = (extra: Record<string, string> = {}) => ({
    PATH: `${bin}:${process.env.PATH}`,
    FAKE_S3: path.join(dir, 's3'),
    FAKE_S3_CALLS: path.join(dir, 'calls'),
    S3_BUCKET: 'my-dags',
    S3_PREFIX: 'dags/',
    DAGS_ROOT: root,
    SYNC_MODE: 'once',
    SYNC_INTERVAL: '1',
    SYNC_RETRY_DELAY: '0',
    ...extra,
  });
  const run = (extra: Record<string, string> = {}) => execFileSync(shell[0], [...shell[1], '-c', S3_SYNC_SCRIPT], { env: envFor(extra), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const put = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(bucket, file)), { recursive: true });
    fs.writeFileSync(path.join(bucket, file), content);
  };
  const current = () => fs.readlinkSync(path.join(root, 'current'));
  const versions = () => fs.readdirSync(path.join(root, '.versions')).sort();
  const read = (file: string) => fs.readFileSync(path.join(root, 'current', file), 'utf8');
  const calls = () => fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
  const files = () => fs.readdirSync(path.join(root, 'current'), { recursive: true }).map(String).sort();
  return { dir, root, run, envFor, put, bucket, current, versions, read, files, calls };
}

describe('the S3 sync script (sh + fake aws)', () => {
  test.each(SHELLS)('first publish, no-op cycle, change and switch, previous kept and older removed (%s)', (...shell) => {
    const s = sandbox(shell);
    s.put('a.py', 'a = 1\n');
    s.put('sub/b.py', 'b = 1\n');

    s.run();
    expect(s.current()).toBe('.versions/1');
    expect(s.versions()).toEqual(['1']);
    expect(s.files()).toEqual(['a.py', 'sub', 'sub/b.py']);
    const flags = '--delete --exact-timestamps --no-progress --exclude *__pycache__* --exclude *.pyc';
    expect(s.calls()).toEqual([`s3 sync s3://my-dags/dags/ ${s.root}/.versions/1 ${flags}`]);

    // nothing changed: a dry run against the published version finds nothing, nothing is copied
    s.run();
    expect(s.current()).toBe('.versions/1');
    expect(s.versions()).toEqual(['1']);
    expect(s.calls().slice(1)).toEqual([`s3 sync s3://my-dags/dags/ ${s.root}/.versions/1 --dryrun ${flags}`]);

    // a change: a new version, `current` switches, the previous one is kept
    s.put('a.py', 'a = 2\n');
    s.run();
    expect(s.current()).toBe('.versions/2');
    expect(s.versions()).toEqual(['1', '2']);
    expect(s.read('a.py')).toBe('a = 2\n');
    expect(fs.readFileSync(path.join(s.root, '.versions', '1', 'a.py'), 'utf8')).toBe('a = 1\n');
    expect(s.calls().slice(2)).toEqual([
      `s3 sync s3://my-dags/dags/ ${s.root}/.versions/1 --dryrun ${flags}`,
      `s3 sync s3://my-dags/dags/ ${s.root}/.versions/2 ${flags}`,
    ]);

    // a deletion: version 3, version 1 removed, 2 kept until the next switch
    fs.rmSync(path.join(s.bucket, 'sub'), { recursive: true });
    s.run();
    expect(s.current()).toBe('.versions/3');
    expect(s.versions()).toEqual(['2', '3']);
    // like `aws s3 sync --delete`, the fake removes files but leaves the emptied folder
    expect(s.files()).toEqual(['a.py', 'sub']);
    expect(fs.existsSync(path.join(s.root, 'current.tmp'))).toBe(false);
  });

  test('an empty bucket is not published (the init container fails), unless SYNC_ALLOW_EMPTY is true', () => {
    const s = sandbox();
    let error: any;
    try {
      s.run({ SYNC_ATTEMPTS: '2' });
    } catch (e) {
      error = e;
    }
    expect(error?.status).toBe(1);
    expect(error.stdout).toContain('s3-sync: ERROR: s3://my-dags/dags/ holds no files: not publishing an empty DAG folder.');
    expect(fs.existsSync(path.join(s.root, 'current'))).toBe(false);
    expect(s.run({ SYNC_ALLOW_EMPTY: 'true' })).toContain("s3-sync: WARNING: s3://my-dags/dags/ holds no files: publishing an empty DAG folder ('allowEmpty' is true)");
    expect(s.current()).toBe('.versions/1');
    expect(s.files()).toEqual([]);
  });

  test('a failing sync retries, then fails without touching the published version', () => {
    const s = sandbox();
    s.put('a.py', 'a = 1\n');
    s.run();
    s.put('a.py', 'a = 2\n');
    let error: any;
    try {
      s.run({ FAKE_AWS_FAIL: '1', SYNC_ATTEMPTS: '2' });
    } catch (e) {
      error = e;
    }
    expect(error?.status).toBe(1);
    expect(error.stdout).toContain('giving up after 2 attempts');
    expect(s.calls()).toHaveLength(3);
    expect(s.current()).toBe('.versions/1');
    expect(s.versions()).toEqual(['1']);
    expect(s.read('a.py')).toBe('a = 1\n');
  });

  test('leftovers of an interrupted cycle are cleaned up', () => {
    const s = sandbox();
    s.put('a.py', 'a = 1\n');
    s.run();
    fs.mkdirSync(path.join(s.root, '.versions', '2'));
    fs.writeFileSync(path.join(s.root, '.versions', '2', 'half.py'), '');
    fs.symlinkSync('.versions/2', path.join(s.root, 'current.tmp'));
    s.run();
    expect(s.current()).toBe('.versions/1');
    expect(s.versions()).toEqual(['1']);
    expect(fs.existsSync(path.join(s.root, 'current.tmp'))).toBe(false);
  });

  test('loop mode syncs every interval and exits 0 on TERM', async () => {
    const s = sandbox();
    s.put('a.py', 'a = 1\n');
    s.run();
    s.put('a.py', 'a = 2\n');
    const child = spawn('sh', ['-c', S3_SYNC_SCRIPT], { env: s.envFor({ SYNC_MODE: 'loop' }), stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    while (s.current() !== '.versions/2' && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
    expect(s.current()).toBe('.versions/2');
    const exit = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// end to end
// ---------------------------------------------------------------------------------------------------------------

describe.each([
  ['Airflow 3', AirflowVersion.DEFAULT, ['dag-processor', 'triggerer'], 'dag_processor.refresh_interval'],
  ['Airflow 2', AirflowVersion.V2_11_0, ['scheduler', 'triggerer'], 'scheduler.dag_dir_list_interval'],
] as const)('AirflowDeployment with S3SyncSidecar on %s', (_, airflowVersion, parsers, refreshKey) => {
  const chart = testChart();
  const role = 'arn:aws:iam::123456789012:role/airflow-dags';
  new AirflowDeployment(chart, 'Airflow', {
    airflowVersion,
    dagSource: new S3SyncSidecar({ bucket: 'my-dags', prefix: 'dags', region: 'eu-west-1', interval: Duration.seconds(30), credentials: S3Credentials.fromServiceAccountRole(role) }),
  });
  const manifests = Testing.synth(chart);

  test('manifests validate strictly, references hold and pods are restricted', () => {
    expectValidManifests(manifests);
  });

  test('components that read DAGs sync them with an init container and a sidecar, mounted read-only', () => {
    for (const name of parsers) {
      const deployment = one(manifests, 'Deployment', `airflow-${name}`);
      const spec = podSpec(deployment);
      expect(containerNames(spec).init).toContain('s3-sync-init');
      expect(containerNames(spec).main).toContain('s3-sync');
      const airflow = spec.containers.find((c: any) => c.image.startsWith('apache/airflow'));
      expect(airflow.volumeMounts).toContainEqual({ mountPath: '/opt/airflow/dags', name: 'dags', readOnly: true });
      const sa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === spec.serviceAccountName);
      expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': role });
    }
    const ui = podSpec(one(manifests, 'Deployment', airflowVersion.isAirflow3 ? 'api-server' : 'webserver'));
    expect([...containerNames(ui).init, ...containerNames(ui).main].filter(n => n.startsWith('s3-sync'))).toEqual([]);
  });

  test('the pod template has the init container only, and its ServiceAccount the role', () => {
    const template = podTemplate(manifests);
    expect(containerNames(template.spec)).toEqual({ init: ['s3-sync-init'], main: ['base'] });
    expect(container(template.spec, 'base').volumeMounts).toContainEqual({ mountPath: '/opt/airflow/dags', name: 'dags', readOnly: true });
    const sa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === template.spec.serviceAccountName);
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': role });
  });

  test('airflow.cfg points at the published version and refreshes as often as the sync', () => {
    const cfg = airflowCfg(manifests);
    expect(cfg['core.dags_folder']).toBe('/opt/airflow/dags/current');
    expect(cfg[refreshKey]).toBe('30');
  });
});

test('AirflowDeployment with access keys: the sync containers read them from the Secret', () => {
  const chart = testChart();
  const secret = kplus.Secret.fromSecretName(chart, 'Keys', 'aws-keys');
  new AirflowDeployment(chart, 'Airflow', {
    dagSource: new S3SyncSidecar({ bucket: 'my-dags', region: 'eu-west-1', credentials: S3Credentials.fromAccessKeys({ secret, key: 'id' }, { secret, key: 'secret' }) }),
  });
  const manifests = Testing.synth(chart);
  expectValidManifests(manifests, { external: { secrets: ['aws-keys'] } });
  const template = podTemplate(manifests);
  expect(env(container(template.spec, 's3-sync-init'), 'AWS_SECRET_ACCESS_KEY').valueFrom.secretKeyRef).toEqual({ name: 'aws-keys', key: 'secret' });
});
