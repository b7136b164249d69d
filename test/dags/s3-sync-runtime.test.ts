/**
 * The S3 sync script, taken from the synthesized dag-processor Deployment, run as the pod runs it (uid 50000, gid 0;
 * only the DAG volume and /tmp writable, both temporary folders here) with the AWS CLI (PyPI's awscli 1.46: the
 * image has AWS CLI v2, whose `s3 sync` flags and output lines are the same) against moto's S3 server. The
 * endpoint and stand-in access keys reach the script through the container's own env (`endpointUrl`,
 * `S3Credentials.fromAccessKeys`).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'fs';
import { join } from 'path';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3Credentials, S3SyncSidecar } from '../../src';
import { containerEnv, containersOf, objectOf, runAsOf, runContainer, startContainer } from '../support/pod-scripts';
import { describeWith } from '../support/real-components';
import { AWS_CLI_DIR, S3Service, startS3, tempDir, waitFor } from '../support/real-services';
import { deployInChart } from '../support/synth';

const BUCKET = 'dags-bucket';

describeWith(['apt', 'services'], 'S3 sync runtime: the sync script with the AWS CLI against an S3 server', () => {
  let s3: S3Service;
  beforeAll(async () => {
    s3 = await startS3();
    await s3.aws(['s3', 'mb', `s3://${BUCKET}`]);
  }, 60_000);
  afterAll(async () => { await s3?.stop(); });

  /** The dag-processor's sync containers of a deployment syncing `prefix`. */
  function syncContainers(prefix: string, allowEmpty?: boolean) {
    const { manifests } = deployInChart(chart => {
      const keys = kplus.Secret.fromSecretName(chart, 'Aws', 'aws-keys');
      return {
        dagSource: new S3SyncSidecar({
          bucket: BUCKET,
          prefix,
          region: 'eu-west-1',
          endpointUrl: s3.endpoint,
          interval: Duration.seconds(10),
          allowEmpty,
          credentials: S3Credentials.fromAccessKeys({ secret: keys, key: 'access-key-id' }, { secret: keys, key: 'secret-access-key' }),
        }),
      };
    });
    const scheduler = objectOf(manifests, 'Deployment', 'dag-processor');
    const [init, sidecar] = ['s3-sync-init', 's3-sync'].map(name => containersOf(scheduler).find(c => c.name === name));
    expect(init.command[0]).toBe('/bin/sh');
    return { scheduler, init, sidecar };
  }

  /** A pod: its DAG volume and /tmp (temporary folders owned by the pod's uid), and how to run a sync container. */
  function pod(prefix: string, allowEmpty?: boolean) {
    const { scheduler, init, sidecar } = syncContainers(prefix, allowEmpty);
    const { uid, gid } = runAsOf(scheduler, init);
    expect([uid, gid]).toEqual([50000, 0]);
    const volume = tempDir('dags-volume', uid);
    const tmp = tempDir('dags-tmp', uid);
    expect(init.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/dags', '/tmp']);
    const envOf = (c: any, extra: Record<string, string> = {}) => {
      const env = containerEnv(c, { 'access-key-id': 'testing', 'secret-access-key': 'testing' }, { DAGS_ROOT: volume, HOME: tmp, ...extra });
      expect(env.AWS_ENDPOINT_URL_S3).toBe(s3.endpoint);
      return env;
    };
    return {
      volume,
      // SYNC_RETRY_DELAY is a timing knob (default 5 s); the rest is the container's env.
      once: () => runContainer(init, { env: envOf(init, { SYNC_RETRY_DELAY: '0' }), uid, gid, path: [AWS_CLI_DIR], cwd: tmp, timeoutMs: 90_000 }),
      loop: () => startContainer(sidecar, { env: envOf(sidecar, { SYNC_INTERVAL: '1' }), uid, gid, path: [AWS_CLI_DIR], cwd: tmp }),
      current: () => readlinkSync(join(volume, 'current')),
      versions: () => readdirSync(join(volume, '.versions')).sort(),
      files: () => readdirSync(join(volume, 'current'), { recursive: true }).map(String).sort(),
      read: (f: string) => readFileSync(join(volume, 'current', f), 'utf-8'),
    };
  }

  const objects = (prefix: string, files: Record<string, string>) => s3.setObjects(BUCKET, prefix, files);

  it('publishes, skips a cycle without changes, publishes changes atomically and keeps the last good version when a sync fails', async () => {
    await objects('', { 'dags/a.py': 'a = 1\n', 'dags/sub/b.py': 'b = 1\n', 'other/c.py': 'c = 1\n' });
    const p = pod('dags');

    const first = await p.once();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/s3-sync: published version 1 of s3:\/\/dags-bucket\/dags\/$/m);
    expect(p.current()).toBe('.versions/1');
    expect(p.files()).toEqual(['a.py', 'sub', 'sub/b.py']);

    const unchanged = await p.once();
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).toBe('');
    expect(p.current()).toBe('.versions/1');

    await objects('dags/', { 'a.py': 'a = 2\n', 'sub/b.py': 'b = 1\n' });
    const changed = await p.once();
    expect(changed.stdout).toContain('s3-sync: published version 2');
    expect(p.read('a.py')).toBe('a = 2\n');
    expect(p.versions()).toEqual(['1', '2']);
    await objects('dags/', { 'a.py': 'a = 2\n' });
    expect((await p.once()).stdout).toContain('s3-sync: published version 3');
    expect(p.files()).toEqual(['a.py', 'sub']);
    expect(p.versions()).toEqual(['2', '3']);

    // the bucket goes away: three attempts, then exit 1; the published version is untouched.
    await s3.aws(['s3', 'rb', `s3://${BUCKET}`, '--force']);
    const failed = await p.once();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('s3-sync: aws s3 sync from s3://dags-bucket/dags/ failed');
    expect(failed.stdout).toContain('s3-sync: giving up after 3 attempts');
    expect(failed.stderr).toContain('NoSuchBucket');
    expect(p.current()).toBe('.versions/3');
    expect(p.read('a.py')).toBe('a = 2\n');
    await s3.aws(['s3', 'mb', `s3://${BUCKET}`]);
  });

  it('an empty or mistyped prefix is never published: the init container fails with an ERROR naming allowEmpty', async () => {
    const p = pod('dgas');
    const result = await p.once();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("s3-sync: ERROR: s3://dags-bucket/dgas/ holds no files: not publishing an empty DAG folder. Check the bucket and 'prefix' "
      + "of S3SyncSidecar; set 'allowEmpty: true' to publish an empty folder");
    expect(existsSync(join(p.volume, 'current'))).toBe(false);
  });

  it('allowEmpty: true publishes the empty folder, with a WARNING', async () => {
    const p = pod('empty-on-purpose', true);
    const result = await p.once();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("s3-sync: WARNING: s3://dags-bucket/empty-on-purpose/ holds no files: publishing an empty DAG folder ('allowEmpty' is true)");
    expect(p.current()).toBe('.versions/1');
    expect(p.files()).toEqual([]);
  });

  it('the sidecar loop picks up changes, keeps the DAGs when the prefix is emptied, and exits 0 on SIGTERM', async () => {
    await objects('loop/', { 'a.py': 'a = 1\n' });
    const p = pod('loop');
    expect((await p.once()).code).toBe(0);
    const sidecar = p.loop();
    try {
      await objects('loop/', { 'a.py': 'a = 2\n' });
      await waitFor('the sidecar publishing version 2', async () => p.current() === '.versions/2', 30_000, sidecar);
      expect(p.read('a.py')).toBe('a = 2\n');
      // a CI job deletes everything before uploading again: the sidecar refuses to publish nothing.
      await objects('loop/', {});
      await waitFor('the sidecar refusing the empty prefix', async () => sidecar.output().includes('s3-sync: ERROR: s3://dags-bucket/loop/ holds no files'), 30_000, sidecar);
      expect(sidecar.output()).toContain('(version 2 stays)');
      expect(p.current()).toBe('.versions/2');
      expect(p.read('a.py')).toBe('a = 2\n');
      await objects('loop/', { 'a.py': 'a = 3\n' });
      await waitFor('the sidecar publishing version 3', async () => p.current() === '.versions/3', 30_000, sidecar);
    } finally {
      await sidecar.stop('SIGTERM');
    }
    expect(sidecar.child.exitCode).toBe(0);
  });
});
