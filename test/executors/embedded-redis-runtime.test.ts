/**
 * The embedded Redis's start-up, taken from its StatefulSet: `redis-server` with the container's args after the
 * kubelet's `$(REDIS_PASSWORD)` expansion, as its uid (999), `/data` a temporary folder it owns (Debian's Redis 7.0;
 * the image is 7.2). The pod's port 6379 becomes a free local port (`--port` appended, later arguments win).
 * Then Celery's broker URL: the generated Secret's template, or, with the user's password, the `broker_url_cmd`
 * from airflow.cfg run the way Airflow runs it (shlex.split, no shell) as uid 50000; the URL is opened with kombu
 * and redis-py (Celery's Redis transport, which parses and URL-decodes it).
 */
import { readdirSync } from 'fs';
import { join } from 'path';
import * as kplus from 'cdk8s-plus-28';
import { expect, it } from 'vitest';
import { AirflowExecutor, CeleryBroker } from '../../src';
import { containerEnv, containerOf, expandKubeletVars, objectOf, pythonShimDir, runAsOf } from '../support/pod-scripts';
import { describeWith } from '../support/real-components';
import { IS_ROOT, run, runOk, SERVICES_VENV, startRedis, tempDir } from '../support/real-services';
import { airflowCfg, deployInChart, synthDeployment } from '../support/synth';

/** Opens `url` with kombu (as a Celery worker does), sets a key and prints PONG-like proof; returns the result. */
function kombu(url: string) {
  const code = 'import sys, kombu\n'
    + 'with kombu.Connection(sys.argv[1], connect_timeout=5) as c:\n'
    + '    c.ensure_connection(max_retries=1)\n'
    + '    client = c.default_channel.client\n'
    + '    client.set("k", "v")\n'
    + '    print(client.get("k").decode())\n';
  return run(join(SERVICES_VENV, 'bin', 'python'), ['-c', code, url], { timeoutMs: 30_000 });
}

/** Starts the embedded Redis of `manifests` with `password` as its Secret's value. */
async function startEmbedded(manifests: any[], password: string) {
  const sts = objectOf(manifests, 'StatefulSet', 'redis');
  const c = containerOf(sts, 'redis');
  const { uid, gid } = runAsOf(sts, c);
  expect([uid, gid]).toEqual([999, 999]);
  expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/data']);
  const data = tempDir('redis-data', uid, 0o700);
  const env = containerEnv(c, { password, pw: password }, {});
  const args = [...c.command.slice(1), ...c.args].map((a: string) => expandKubeletVars(a, env)).map((a: string) => (a === '/data' ? data : a));
  expect(c.command).toEqual(['redis-server']);
  expect(args).toContain(password);
  return { redis: await startRedis({ args, uid, env }), data };
}

describeWith(['apt'], 'embedded Redis runtime: the StatefulSet\'s redis-server and the broker URL', () => {
  it('the generated password: Redis requires it, the broker-url template reaches it, data goes to /data only', async () => {
    const { manifests } = synthDeployment({ executor: AirflowExecutor.celery() });
    const password = 'GeneratedStandIn0123456789abcdef';
    const { redis, data } = await startEmbedded(manifests, password);
    try {
      expect((await redis.cli(['PING'])).stdout).toContain('NOAUTH');
      const job = manifests.find(m => m.kind === 'Job' && m.spec.template.spec.containers[0].name === 'generate-secrets');
      const spec = JSON.parse(job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'SECRETS_SPEC').value);
      const template: string = spec.flatMap((s: any) => s.keys).find((k: any) => k.key === 'broker-url').argument;
      expect(template).toMatch(/^redis:\/\/:\{password\}@[a-z0-9-]+:6379\/0$/);
      const url = template.replace('{password}', password).replace(/@[^/]+\//, `@127.0.0.1:${redis.port}/`);
      const set = await kombu(url);
      expect(set.stderr).toBe('');
      expect(set.stdout.trim()).toBe('v');
      expect((await redis.cli(['SAVE'], password)).stdout.trim()).toBe('OK');
      expect(readdirSync(data)).toContain('dump.rdb');
    } finally {
      await redis.stop();
    }
  });

  it('the user\'s password with URL-special characters: broker_url_cmd (as Airflow runs it) encodes it and Redis takes it', async () => {
    const password = 'p@ss:w/o%r#d "q\' &?=+ x';
    const { manifests } = deployInChart(chart => ({
      executor: AirflowExecutor.celery({ broker: CeleryBroker.embeddedRedis({ password: { secret: kplus.Secret.fromSecretName(chart, 'R', 'redis-pw'), key: 'pw' } }) }),
    }));
    const { redis } = await startEmbedded(manifests, password);
    try {
      const command = airflowCfg(manifests)['celery.broker_url_cmd'];
      expect(command).not.toContain('%');
      const shlexRun = 'import shlex, subprocess, sys; sys.stdout.write(subprocess.check_output(shlex.split(sys.argv[1]), text=True))';
      const worker = objectOf(manifests, 'Deployment', 'worker');
      const passwordEnv = containerOf(worker, 'worker').env.find((e: any) => e.valueFrom?.secretKeyRef?.name === 'redis-pw').name;
      const url = (await runOk('/usr/bin/python3', ['-c', shlexRun, command], {
        ...(IS_ROOT ? { uid: 50000, gid: 0 } : {}), cwd: '/', env: { PATH: `${pythonShimDir()}:/usr/bin:/bin`, [passwordEnv]: password },
      })).trim();
      expect(url).not.toContain(password);
      const local = url.replace(/@[^/]+\//, `@127.0.0.1:${redis.port}/`);
      const set = await kombu(local);
      expect(set.stderr).toBe('');
      expect(set.stdout.trim()).toBe('v');
      // the oracle can fail: a wrong password is refused.
      expect((await kombu(local.replace(/:\/\/:[^@]+@/, '://:wrong@'))).stderr).toMatch(/WRONGPASS|invalid username-password|AuthenticationError/);
    } finally {
      await redis.stop();
    }
  });
});
