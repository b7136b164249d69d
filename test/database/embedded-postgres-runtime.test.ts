/**
 * The embedded PostgreSQL's start-up, as its StatefulSet sets it up, with Debian's PostgreSQL 15 (the image is
 * postgres:17): the container's uid/gid (999), its env (PGDATA inside the data mount, POSTGRES_USER/DB, a stand-in
 * POSTGRES_PASSWORD), its mounts as temporary folders (the data claim as the kubelet leaves it with fsGroup 999:
 * group 999, setgid, `lost+found` from ext4; /var/run/postgresql and /tmp), its probe command, and the
 * connection URL template of its generated Secret.
 *
 * The official image's docker-entrypoint.sh is not a Debian package: the test performs its steps, cited from
 * docker-library/postgres docker-entrypoint.sh (`docker_create_db_directories`: `mkdir -p "$PGDATA"`,
 * `chmod 00700 "$PGDATA" || :` on every start; `docker_init_database_dir`: `initdb --username="$POSTGRES_USER"
 * --pwfile=...`; `docker_setup_db`: `CREATE DATABASE "$POSTGRES_DB"`; `pg_hba.conf` `host all all all scram-sha-256`).
 */
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync } from 'fs';
import { join } from 'path';
import { expect, it } from 'vitest';
import { containerEnv, containerOf, imageUserEnv, objectOf, podSpecOf, runAsOf } from '../support/pod-scripts';
import { describeWith } from '../support/real-components';
import { freePort, IS_ROOT, postgresBin, psqlAs, run, runOk, startProcess, tempDir, tempFile, waitFor } from '../support/real-services';
import { synthDeployment } from '../support/synth';

const PASSWORD = 'StandIn0123456789abcdefABCDEF0123';

/** What the kubelet does to a volume for fsGroup (pkg/volume/volume_linux.go SetVolumeOwnership): group, g+rw(x), setgid dirs. */
function fsGroupWalk(path: string, gid: number): void {
  const st = statSync(path);
  chownSync(path, st.uid, gid);
  // eslint-disable-next-line no-bitwise
  chmodSync(path, (st.mode & 0o7777) | (st.isDirectory() ? 0o2070 : 0o060));
  if (st.isDirectory()) for (const name of readdirSync(path)) fsGroupWalk(join(path, name), gid);
}

describeWith(['apt'], 'embedded PostgreSQL runtime: the StatefulSet\'s user, env, mounts and probe', () => {
  const title = 'starts on a fresh fsGroup volume, answers its probe and the generated URL, and survives the kubelet\'s fsGroup walk';
  (IS_ROOT ? it : it.skip)(IS_ROOT ? title : `SKIPPED: needs root to run as uid 999 and own the volume as root: ${title}`, async () => {
    const { manifests } = synthDeployment({});
    const sts = objectOf(manifests, 'StatefulSet', 'postgresql');
    const c = containerOf(sts, 'postgres');
    const { uid, gid } = runAsOf(sts, c);
    expect([uid, gid, podSpecOf(sts).securityContext.fsGroup]).toEqual([999, 999, 999]);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(Object.keys(mounts).sort()).toEqual(['/tmp', '/var/lib/postgresql/data', '/var/run/postgresql']);

    // the claim as the kubelet hands it over: root-owned, group 999 with setgid, ext4's lost+found.
    const dataMount = tempDir('pg-claim', 0);
    mkdirSync(join(dataMount, 'lost+found'), { mode: 0o700 });
    fsGroupWalk(dataMount, 999);
    chmodSync(join(dataMount, 'lost+found'), 0o700);
    chownSync(join(dataMount, 'lost+found'), 0, 0);
    const runDir = tempDir('pg-run', 0, 0o2777);
    const tmp = tempDir('pg-tmp', 0, 0o2777);
    const mountDirs: Record<string, string> = { '/var/lib/postgresql/data': dataMount, '/var/run/postgresql': runDir, '/tmp': tmp };
    const map = (path: string) => {
      const mount = Object.keys(mountDirs).find(m => path === m || path.startsWith(`${m}/`))!;
      return mountDirs[mount] + path.slice(mount.length);
    };
    const env = containerEnv(c, { password: PASSWORD });
    expect(env.PGDATA.startsWith('/var/lib/postgresql/data/')).toBe(true);
    const pgdata = map(env.PGDATA);
    const bin = postgresBin();
    const as = { uid, gid, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: tmp, ...imageUserEnv('postgres', uid, gid, '/var/lib/postgresql') }, cwd: tmp };

    // initdb into the mount itself fails on lost+found: PGDATA must be a folder inside it (as the container's env says).
    const intoMount = await run(join(bin, 'initdb'), ['-D', dataMount, '--no-sync'], as);
    expect(intoMount.stderr).toMatch(/exists but is not empty|lost\+found/);

    await runOk('mkdir', ['-p', pgdata], as);
    await runOk('chmod', ['00700', pgdata], as);
    const pwfile = tempFile('pw', `${env.POSTGRES_PASSWORD}\n`, uid);
    await runOk(join(bin, 'initdb'), ['-D', pgdata, `--username=${env.POSTGRES_USER}`, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync'],
      { ...as, timeoutMs: 60_000 });
    const port = await freePort();
    const start = () => startProcess(join(bin, 'postgres'), ['-D', pgdata, '-c', `port=${port}`, '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${runDir}`, '-c', 'fsync=off'], as);
    // the probe as the manifests give it (PGPORT maps the pod's 5432 to the local port)
    const probe = c.readinessProbe.exec.command as string[];
    expect(probe.slice(0, 1)).toEqual(['pg_isready']);
    const ready = async () => (await run(join(bin, probe[0]), probe.slice(1), { env: { PGPORT: String(port) } })).code === 0;

    let server = start();
    try {
      await waitFor('PostgreSQL', async () => (await run(join(bin, 'psql'), ['-h', runDir, '-p', String(port), '-U', env.POSTGRES_USER, '-d', 'postgres', '-c', 'SELECT 1'])).code === 0, 30_000, server);
      await runOk(join(bin, 'psql'), ['-h', runDir, '-p', String(port), '-U', env.POSTGRES_USER, '-d', 'postgres', '-c', `CREATE DATABASE "${env.POSTGRES_DB}"`]);
      await waitFor('the readiness probe', ready, 10_000, server);

      // the generated Secret's URL (its template from the secret generator Job), the Service mapped to the local port.
      const job = manifests.find(m => m.kind === 'Job' && m.spec.template.spec.containers[0].name === 'generate-secrets');
      const spec = JSON.parse(job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'SECRETS_SPEC').value);
      const template: string = spec.flatMap((s: any) => s.keys).find((k: any) => k.key === 'connection').argument;
      const url = template.replace('{password}', PASSWORD).replace(/@[^/]+\//, `@127.0.0.1:${port}/`);
      const who = await psqlAs({ url, sql: 'SELECT current_user, current_database()' });
      expect(who.stderr).toBe('');
      expect(who.stdout.trim()).toBe('airflow|airflow');
      await psqlAs({ url, sql: 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42);' });
    } finally {
      await server.stop('SIGINT');
    }

    // a pod restart: the kubelet walks the claim again (group rw, setgid) and PostgreSQL refuses such a data folder...
    fsGroupWalk(dataMount, 999);
    const refused = await run(join(bin, 'postgres'), ['-D', pgdata, '-c', `port=${port}`, '-c', `unix_socket_directories=${runDir}`], { ...as, timeoutMs: 20_000 });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('has invalid permissions');
    // ...until the entrypoint's `chmod 00700 "$PGDATA"` (run as the container's uid, which owns it) on every start.
    await runOk('chmod', ['00700', pgdata], as);
    server = start();
    try {
      await waitFor('the readiness probe after the restart', ready, 30_000, server);
      const url = `postgresql://airflow:${PASSWORD}@127.0.0.1:${port}/airflow`;
      expect((await psqlAs({ url, sql: 'SELECT x FROM kept' })).stdout.trim()).toBe('42');
    } finally {
      await server.stop('SIGINT');
    }
  });
});
