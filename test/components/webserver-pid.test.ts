import { spawnSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, test } from 'vitest';
import { AirflowVersion } from '../../src';
import { CACHE_DIR, describeWith } from '../support/real-components';
import { container, one, podSpec, synthDeployment } from '../support/synth';

function webserverArgs(): string[] {
  const { manifests } = synthDeployment({ airflowVersion: AirflowVersion.V2_11_0 });
  const c = container(podSpec(one(manifests, 'Deployment', '-webserver')), 'webserver');
  return c.args;
}

describe('Airflow 2 webserver on a read-only root filesystem (issue #12)', () => {
  test('the pid file goes to the writable /tmp emptyDir, not AIRFLOW_HOME', () => {
    const { manifests } = synthDeployment({ airflowVersion: AirflowVersion.V2_11_0 });
    const spec = podSpec(one(manifests, 'Deployment', '-webserver'));
    const c = container(spec, 'webserver');
    expect(c.args).toEqual(['airflow', 'webserver', '--pid', '/tmp/airflow-webserver.pid']);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    const tmp = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
    expect(spec.volumes.find((v: any) => v.name === tmp.name).emptyDir).toBeDefined();
  });
});

/**
 * Airflow's own CLI parser and `setup_locations` (what `webserver_command.py` hands gunicorn as `--pid`) read the
 * component's args: the pid file must be under /tmp. Without `--pid` it is `<AIRFLOW_HOME>/airflow-webserver.pid`
 * (the oracle's failing case), which gunicorn cannot create on a read-only /opt/airflow.
 */
describeWith(['airflow'], 'the webserver args through Airflow 2.11.0\'s CLI parser (real Airflow)', () => {
  const pidFileOf = (args: string[]) => {
    const home = mkdtempSync(join(tmpdir(), 'ws-'));
    const script = 'import sys\nfrom airflow.cli.cli_parser import get_parser\nfrom airflow.utils.cli import setup_locations\n'
      + 'args = get_parser().parse_args(sys.argv[1:])\nprint(setup_locations("webserver", pid=args.pid)[0])';
    const result = spawnSync(join(CACHE_DIR, 'venvs', 'airflow-2.11.0', 'bin', 'python'), ['-c', script, ...args], {
      encoding: 'utf-8', env: { PATH: '/usr/bin:/bin', HOME: home, AIRFLOW_HOME: home }, timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    return { home, pid: result.stdout.trim().split('\n').pop()! };
  };
  test('gunicorn gets --pid /tmp/airflow-webserver.pid', () => {
    expect(pidFileOf(webserverArgs().slice(1)).pid).toBe('/tmp/airflow-webserver.pid');
  }, 120_000);
  test('the oracle: without --pid the pid file is in AIRFLOW_HOME', () => {
    const { home, pid } = pidFileOf(['webserver']);
    expect(pid).toBe(join(home, 'airflow-webserver.pid'));
  }, 120_000);
});
