/**
 * The log groomer, taken from the synthesized scheduler Deployment, run as the pod runs it (`/bin/sh -c`, uid
 * 50000, gid 0, its env; the logs volume a temporary folder) with Debian's GNU find, like the Airflow image's.
 * A folder owned by root stands for files the groomer may not delete (EACCES).
 */
import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, lutimesSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'fs';
import { join } from 'path';
import { expect, it } from 'vitest';
import { AirflowLogs } from '../../src';
import { containerEnv, containerOf, objectOf, runAsOf, startContainer } from '../support/pod-scripts';
import { describeWith } from '../support/real-components';
import { IS_ROOT, tempDir, waitFor } from '../support/real-services';
import { synthDeployment } from '../support/synth';

/** Sets the modification time of `path` (a symlink itself, not its target) to `minutes` ago. */
function age(path: string, minutes: number): void {
  const when = new Date(Date.now() - minutes * 60_000);
  (lstatSync(path).isSymbolicLink() ? lutimesSync : utimesSync)(path, when, when);
}

describeWith(['apt'], 'log groomer runtime: the sidecar\'s script on a logs folder', () => {
  it('deletes old files and old symlinks, counts only what it deleted (not EACCES, not twice for a line break), keeps the rest', async () => {
    const { manifests } = synthDeployment({ logs: AirflowLogs.local({ groomer: { enabled: true } }) });
    const scheduler = objectOf(manifests, 'Deployment', 'scheduler');
    const c = containerOf(scheduler, 'log-groomer');
    const { uid, gid } = runAsOf(scheduler, c);
    const env = containerEnv(c);
    const retention = Number(env.RETENTION_MINUTES);
    expect(retention).toBe(15 * 24 * 60);
    const logs = tempDir('logs', uid);
    const old = retention + 60;
    const file = (rel: string, minutes: number) => {
      mkdirSync(join(logs, rel, '..'), { recursive: true });
      writeFileSync(join(logs, rel), 'log\n');
      age(join(logs, rel), minutes);
    };
    file('dag_id=a/run_id=1/task_id=t/attempt=1.log', old);
    file('dag_id=a/run_id=2/task_id=t/attempt=1.log', 5);
    file('dag_id=b/weird\nname.log', old);
    file('scheduler/2020-01-01/x.py.log', old);
    symlinkSync('2020-01-01', join(logs, 'scheduler', 'latest'));
    age(join(logs, 'scheduler', 'latest'), old);
    symlinkSync('dag_id=a', join(logs, 'fresh-link'));
    for (const d of ['dag_id=a', 'dag_id=a/run_id=1', 'dag_id=a/run_id=1/task_id=t', 'dag_id=a/run_id=2', 'dag_id=a/run_id=2/task_id=t', 'dag_id=b', 'scheduler', 'scheduler/2020-01-01']) {
      if (IS_ROOT) chownSync(join(logs, d), uid, gid);
    }
    for (const f of ['dag_id=a/run_id=1/task_id=t/attempt=1.log', 'dag_id=a/run_id=2/task_id=t/attempt=1.log', 'dag_id=b/weird\nname.log', 'scheduler/2020-01-01/x.py.log']) {
      if (IS_ROOT) chownSync(join(logs, f), uid, gid);
    }
    if (IS_ROOT) for (const l of ['scheduler/latest', 'fresh-link']) lchownSync(join(logs, l), uid, gid);
    // a folder the groomer's uid may not write: its old file cannot be deleted (only as root can the test make it).
    file('root-owned/old.log', old);
    chmodSync(join(logs, 'root-owned'), 0o755);
    file('lost+found/old', old);

    const groomer = startContainer(c, { env: { ...env, LOGS_DIR: logs }, uid, gid });
    try {
      await waitFor('the first clean-up', async () => groomer.output().includes('deleted'), 20_000, groomer);
    } finally {
      await groomer.stop('SIGTERM');
    }
    expect(groomer.child.exitCode).toBe(0);
    // attempt=1.log of run 1, the file with a line break, x.py.log and the old `latest` symlink: 4, not 6 or 7.
    expect(groomer.output()).toMatch(new RegExp(`log-groomer: deleted ${IS_ROOT ? 4 : 5} files\\n`));
    expect(existsSync(join(logs, 'dag_id=a/run_id=1/task_id=t/attempt=1.log'))).toBe(false);
    expect(existsSync(join(logs, 'dag_id=b/weird\nname.log'))).toBe(false);
    expect(() => lstatSync(join(logs, 'scheduler', 'latest'))).toThrow();
    expect(lstatSync(join(logs, 'fresh-link')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(logs, 'dag_id=a/run_id=2/task_id=t/attempt=1.log'))).toBe(true);
    expect(existsSync(join(logs, 'lost+found/old'))).toBe(true);
    if (IS_ROOT) expect(existsSync(join(logs, 'root-owned/old.log'))).toBe(true);
  });
});
