import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DagPodMode } from '../dags/dag-source';
import { GitOpsTool } from '../deploy/git-ops';
import { codePointOrder } from '../naming/airflow-names';
import { airflowJob } from '../pod/airflow-job';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';
import { cpuAndMemory } from '../pod/security';

/** The component of the pools Job: `<release>-pools-<content hash>`. */
const COMPONENT = 'pools';
/** Where the Job writes the pools file before importing it (the pod's /tmp emptyDir). */
const POOLS_FILE = '/tmp/pools.json';

/**
 * An Airflow pool: a limit on the task instances that run at once in it (tasks choose it with `pool="<name>"`).
 */
export interface AirflowPoolOptions {
  /** The pool's name, e.g. `warehouse` (`default_pool` resizes Airflow's default pool). */
  readonly name: string;
  /** Task slots; -1 for unlimited. */
  readonly slots: number;
  /**
   * What the pool is for, shown in the UI.
   *
   * @default ''
   */
  readonly description?: string;
  /**
   * Whether deferred tasks count against the pool's slots.
   *
   * @default false
   */
  readonly includeDeferred?: boolean;
}

/**
 * Props for `AirflowPools`.
 */
export interface AirflowPoolsProps {
  /** The Airflow pod recipe (image, config, database connection). */
  readonly recipe: AirflowPodRecipe;
  /** The pools to create or update. */
  readonly pools: AirflowPoolOptions[];
  /**
   * The GitOps tool applying the manifests: decides the Job's TTL and sync wave (see `GitOpsTool`).
   *
   * @default - none (`kubectl apply`): the finished Job is deleted after 24 hours.
   */
  readonly gitOps?: GitOpsTool;
}

/**
 * The Job that creates or updates Airflow pools with `airflow pools import` once the migrations are done (it waits in
 * its `wait-for-airflow-migrations` init container, like the components).
 *
 * `airflow pools import` calls `create_pool` for each entry, which creates the pool or updates its slots, description
 * and `include_deferred` (`Pool.create_or_update_pool`, airflow-core 3.2.2 `models/pool.py`, 2.11.0 the same;
 * `cli/commands/pool_command.py` `pool_import_helper`): running it again changes nothing. The list is in the Job's
 * environment, so the Job's name (a hash of its content, as every one-shot Job here) changes when the list changes,
 * and a new Job runs; no Helm hook. A pool removed from the list is not deleted (tasks may still name it): delete it
 * with `airflow pools delete <name>`.
 */
export class AirflowPools extends Construct {
  /** The Job. */
  public readonly job: kplus.Job;
  /** The Job's ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;

  constructor(scope: Construct, id: string, props: AirflowPoolsProps) {
    super(scope, id);
    const recipe = props.recipe;
    const json = poolsJson(props.pools);
    const { job, serviceAccount } = airflowJob(this, {
      recipe,
      component: COMPONENT,
      jobId: 'Resource',
      gitOps: props.gitOps,
      argoWave: 0,
      backoffLimit: 6,
      activeDeadline: Duration.minutes(30),
      // LONG_RUNNING: the pod gets the wait-for-airflow-migrations init container (as the FAB create-admin Job).
      mode: DagPodMode.LONG_RUNNING,
      container: {
        name: 'pools',
        // the list travels in the environment (no quoting in the script), written to the pod's /tmp and imported.
        args: ['bash', '-c', `printf '%s' "$AIRFLOW_POOLS_JSON" > ${POOLS_FILE} && exec airflow pools import ${POOLS_FILE}`],
        resources: cpuAndMemory(100, 512, 1024),
        envVariables: { AIRFLOW_POOLS_JSON: kplus.EnvValue.fromValue(json) },
      },
    });
    this.job = job;
    this.serviceAccount = serviceAccount;
  }
}

/**
 * The file `airflow pools import` reads: `{ "<name>": { "slots", "description", "include_deferred" } }`, pools in code
 * point order (the list's order does not change the Job).
 */
function poolsJson(pools: AirflowPoolOptions[]): string {
  if (!Array.isArray(pools) || pools.length === 0) {
    throw new Error("'pools' is empty: give at least one pool ({ name, slots }), or leave 'pools' out");
  }
  const seen = new Set<string>();
  for (const [i, pool] of pools.entries()) {
    const name = pool?.name;
    // Airflow refuses an empty or blank name and one longer than its column (String(256), `local_client.create_pool`).
    if (typeof name !== 'string' || name.trim() === '' || name.length > 256 || name !== name.trim()) {
      throw new Error(`'pools[${i}].name' must be 1 to 256 characters without leading or trailing spaces, got ${JSON.stringify(name)}`);
    }
    if (seen.has(name)) throw new Error(`'pools' has the pool '${name}' twice: keep one`);
    seen.add(name);
    if (!Number.isInteger(pool.slots) || pool.slots < -1) {
      throw new Error(`'pools[${i}].slots' of pool '${name}' must be a whole number >= 0, or -1 for unlimited, got ${pool.slots}`);
    }
    if (pool.description !== undefined && typeof pool.description !== 'string') {
      throw new Error(`'pools[${i}].description' of pool '${name}' must be a string`);
    }
    if (pool.includeDeferred !== undefined && typeof pool.includeDeferred !== 'boolean') {
      throw new Error(`'pools[${i}].includeDeferred' of pool '${name}' must be true or false`);
    }
  }
  const sorted = [...pools].sort((a, b) => codePointOrder(a.name, b.name));
  const file: { [name: string]: { slots: number; description: string; include_deferred: boolean } } = {};
  for (const p of sorted) file[p.name] = { slots: p.slots, description: p.description ?? '', include_deferred: p.includeDeferred ?? false };
  return JSON.stringify(file);
}
