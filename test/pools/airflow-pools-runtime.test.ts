import { afterAll, beforeAll, expect, it } from 'vitest';
import { AirflowPoolOptions, AirflowVersion } from '../../src';
import { STAND_INS } from '../real/support';
import { canEmulatePods, imageEnv, PodFilesystem, podProcess, PodProcess, podSpecOf, workload } from '../support/real-airflow';
import { describeWith } from '../support/real-components';
import { PostgresService, startPostgres } from '../support/real-services';
import { synthDeployment } from '../support/synth';

/**
 * The pools Job's exact container (args, env, files, read-only root: test/support/real-airflow.ts `PodFilesystem`) runs
 * against a real Airflow 3.2.2 and PostgreSQL, after the migrations Job's own `airflow db migrate`: twice with the same
 * list (idempotent: same rows, exit 0), then with a changed list (the pools are updated in place).
 */
const VERSION = AirflowVersion.V3_2_2;
const POOLS: AirflowPoolOptions[] = [
  { name: 'warehouse', slots: 4, description: 'the "DWH", max 4 queries; 100% busy', includeDeferred: true },
  { name: 'default_pool', slots: 64 },
];

function manifests(pools: AirflowPoolOptions[]): any[] {
  return synthDeployment({ airflowVersion: VERSION, pools }).manifests;
}

/** The pools Job's (or migrations Job's) container with the database URL as the stand-in of its Secret. */
function jobProcess(all: any[], component: string, container: string, url: string): PodProcess {
  return podProcess(all, workload(all, component), container, { ...STAND_INS, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: url });
}

async function runPod(pod: PodProcess, timeoutMs = 600_000): Promise<{ code: number | null; output: string }> {
  const fs = new PodFilesystem(pod);
  try {
    const r = await fs.run(pod.args, { ...imageEnv(VERSION.version), ...pod.env }, { timeoutMs });
    return { code: r.code, output: r.stdout + r.stderr };
  } finally {
    fs.remove();
  }
}

describeWith(['airflow', 'apt'], 'the pools Job against real Airflow 3.2.2 and PostgreSQL (issue #15)', () => {
  let pg: PostgresService;
  let url: string;
  const rows = async () => (await pg.sql('SELECT pool, slots, description, include_deferred FROM slot_pool ORDER BY pool', 'pools')).trim();
  beforeAll(async () => {
    if (!canEmulatePods()) throw new Error('needs root with unshare/nsenter to lay out the pod filesystem');
    pg = await startPostgres();
    await pg.sql("CREATE ROLE pools LOGIN PASSWORD 'pools-pw'; CREATE DATABASE pools OWNER pools;");
    url = `postgresql://pools:pools-pw@127.0.0.1:${pg.port}/pools`;
    const all = manifests(POOLS);
    const migrate = jobProcess(all, 'migrate', podSpecOf(workload(all, 'migrate')).containers[0].name, url);
    const r = await runPod(migrate, 900_000);
    if (r.code !== 0) throw new Error(`airflow db migrate exited ${r.code}\n${r.output}`);
  }, 1_000_000);
  afterAll(async () => { await pg?.stop(); });

  it('the Job waits for the migrations (its init container passes on the migrated database)', async () => {
    const all = manifests(POOLS);
    const init = podSpecOf(workload(all, 'pools')).initContainers[0];
    expect(init.args.slice(0, 3)).toEqual(['airflow', 'db', 'check-migrations']);
    const r = await runPod(jobProcess(all, 'pools', init.name, url), 300_000);
    expect(r.code, r.output).toBe(0);
  }, 400_000);

  it('runs twice with the same list: exit 0 both times, the same pools', async () => {
    const pod = jobProcess(manifests(POOLS), 'pools', 'pools', url);
    const first = await runPod(pod);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('Uploaded 2 pool(s)');
    const after = await rows();
    expect(after).toBe([
      'default_pool|64||f',
      'warehouse|4|the "DWH", max 4 queries; 100% busy|t',
    ].join('\n'));
    const second = await runPod(pod);
    expect(second.code, second.output).toBe(0);
    expect(await rows()).toBe(after);
  }, 900_000);

  it('a changed list updates the pools in place and adds the new one', async () => {
    const pod = jobProcess(manifests([{ ...POOLS[0], slots: 8, includeDeferred: false }, POOLS[1], { name: 'spark', slots: -1 }]), 'pools', 'pools', url);
    const r = await runPod(pod);
    expect(r.code, r.output).toBe(0);
    expect(await rows()).toBe([
      'default_pool|64||f',
      'spark|-1||f',
      'warehouse|8|the "DWH", max 4 queries; 100% busy|f',
    ].join('\n'));
  }, 900_000);

  it('the oracle fails: an entry without a description is refused by airflow pools import (exit non-zero)', async () => {
    const pod = jobProcess(manifests(POOLS), 'pools', 'pools', url);
    const broken = { ...pod, env: { ...pod.env, AIRFLOW_POOLS_JSON: '{"broken": {"slots": 1}}' } };
    const r = await runPod(broken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('Failed to update pool(s): broken');
  }, 900_000);
});
