// Internal helpers of the autoscaling constructs; not exported from the package index.
import { Duration } from 'cdk8s';
import { EDGE_EXECUTOR_CLASS } from './edge-worker-pool';
import type { HpaAutoscalingOptions, KedaAutoscalingOptions } from './worker-autoscaling';
import { DatabaseEngine } from '../database/metadata-database';

/**
 * KEDA options with every default applied, in the units of the `ScaledObject`.
 *
 * @internal
 */
export interface ResolvedKedaAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly pollingSeconds: number;
  readonly cooldownSeconds: number;
}

/**
 * HPA options with every default applied.
 *
 * @internal
 */
export interface ResolvedHpaAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilization: number;
  readonly memoryUtilization?: number;
}

/**
 * Checks KEDA options and applies the defaults; errors start with `where`.
 *
 * @internal
 */
export function resolveKeda(options: KedaAutoscalingOptions, defaultMinReplicas: number, where: string): ResolvedKedaAutoscaling {
  const minReplicas = options.minReplicas ?? defaultMinReplicas;
  const maxReplicas = options.maxReplicas ?? 10;
  checkReplicas(where, minReplicas, maxReplicas, 0);
  return {
    minReplicas,
    maxReplicas,
    pollingSeconds: wholeSeconds(where, 'pollingInterval', options.pollingInterval ?? Duration.seconds(5), 1),
    cooldownSeconds: wholeSeconds(where, 'cooldownPeriod', options.cooldownPeriod ?? Duration.seconds(30), 0),
  };
}

/**
 * Checks HPA options and applies the defaults.
 *
 * @internal
 */
export function resolveHpa(options: HpaAutoscalingOptions): ResolvedHpaAutoscaling {
  const where = 'WorkerAutoscaling.hpa';
  const minReplicas = options.minReplicas ?? 1;
  const maxReplicas = options.maxReplicas ?? 5;
  if (!Number.isInteger(minReplicas) || minReplicas < 1) {
    throw new Error(`${where}: 'minReplicas' must be a whole number >= 1, got ${minReplicas}: `
      + 'a HorizontalPodAutoscaler cannot scale to zero, use WorkerAutoscaling.keda() for that');
  }
  checkReplicas(where, minReplicas, maxReplicas, 1);
  const cpuUtilization = percent(where, 'cpuUtilization', options.cpuUtilization ?? 80, 'CPU');
  const memoryUtilization = options.memoryUtilization === undefined ? undefined : percent(where, 'memoryUtilization', options.memoryUtilization, 'memory');
  return { minReplicas, maxReplicas, cpuUtilization, memoryUtilization };
}

function checkReplicas(where: string, minReplicas: number, maxReplicas: number, lowest: number): void {
  if (!Number.isInteger(minReplicas) || minReplicas < lowest) {
    throw new Error(`${where}: 'minReplicas' must be a whole number >= ${lowest}, got ${minReplicas}`);
  }
  if (!Number.isInteger(maxReplicas) || maxReplicas < 1) {
    throw new Error(`${where}: 'maxReplicas' must be a whole number >= 1, got ${maxReplicas}`);
  }
  if (minReplicas > maxReplicas) {
    throw new Error(`${where}: 'minReplicas' (${minReplicas}) is greater than 'maxReplicas' (${maxReplicas}): lower minReplicas or raise maxReplicas`);
  }
}

function wholeSeconds(where: string, prop: string, duration: Duration, lowest: number): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < lowest) {
    throw new Error(`${where}: '${prop}' must be a whole number of seconds >= ${lowest}, got ${seconds}s`);
  }
  return seconds;
}

function percent(where: string, prop: string, value: number, resource: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw new Error(`${where}: '${prop}' must be a whole number from 1 to 100 (percent of the ${resource} request), got ${value}`);
  }
  return value;
}

/**
 * What the KEDA query of a Celery worker pool counts.
 *
 * @internal
 */
export interface WorkerQueryOptions {
  /** The metadata database engine (the SQL dialect). */
  readonly engine: DatabaseEngine;
  /** The queues the pool serves. */
  readonly queues: string[];
  /** Tasks one worker runs at once. */
  readonly workerConcurrency: number;
  /** Whether tasks of the KubernetesExecutor share the table (`CeleryExecutor,KubernetesExecutor`) and must not be counted. */
  readonly excludeKubernetesExecutor: boolean;
  /**
   * Whether tasks of the EdgeExecutor share the table (`CeleryExecutor,...,EdgeExecutor`) and must not be counted: a task
   * names it `EdgeExecutor` or by its class path.
   */
  readonly excludeEdgeExecutor?: boolean;
}

/**
 * The query KEDA runs for a worker pool: the running and queued task instances of the pool's queues divided
 * by its worker concurrency, rounded up, which is the number of workers the pool needs (KEDA's target is 1).
 *
 * With `CeleryExecutor,KubernetesExecutor` a task instance that names `KubernetesExecutor` is not counted
 * (the `executor` column is empty for tasks of the default executor, Celery). With edge workers as well
 * (`withEdge`), tasks naming the EdgeExecutor (`EdgeExecutor` or its class path) are left out too. The Airflow 2
 * `CeleryKubernetesExecutor` needs no filter: its `kubernetes` queue is never a pool queue.
 *
 * @internal
 */
export function kedaWorkerQuery(options: WorkerQueryOptions): string {
  if (options.queues.length === 0) {
    throw new Error("kedaWorkerQuery: 'queues' is empty, so the query would count nothing: give the pool at least one queue");
  }
  const concurrency = options.workerConcurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`kedaWorkerQuery: 'workerConcurrency' must be a whole number >= 1, got ${concurrency}`);
  }
  const queues = options.queues.map(q => sqlString(q, options.engine)).join(', ');
  const where = `state IN ('running', 'queued') AND queue IN (${queues})`;
  if (options.excludeEdgeExecutor) {
    // the `executor` column holds what the task named (NULL: the default executor, Celery).
    const others = [...(options.excludeKubernetesExecutor ? ['KubernetesExecutor'] : []), 'EdgeExecutor', EDGE_EXECUTOR_CLASS]
      .map(e => sqlString(e, options.engine)).join(', ');
    const executor = ` AND (executor IS NULL OR executor NOT IN (${others}))`;
    return options.engine === DatabaseEngine.MYSQL
      ? `SELECT CEIL(COUNT(*) / ${concurrency}) FROM task_instance WHERE ${where}${executor}`
      : `SELECT ceil(COUNT(*)::decimal / ${concurrency}) FROM task_instance WHERE ${where}${executor}`;
  }
  if (options.engine === DatabaseEngine.MYSQL) {
    const executor = options.excludeKubernetesExecutor ? " AND (executor IS NULL OR executor <> 'KubernetesExecutor')" : '';
    return `SELECT CEIL(COUNT(*) / ${concurrency}) FROM task_instance WHERE ${where}${executor}`;
  }
  const executor = options.excludeKubernetesExecutor ? " AND executor IS DISTINCT FROM 'KubernetesExecutor'" : '';
  return `SELECT ceil(COUNT(*)::decimal / ${concurrency}) FROM task_instance WHERE ${where}${executor}`;
}

/**
 * The query KEDA runs for the triggerer: the triggers in the database divided by the capacity of one
 * triggerer, rounded up (`trigger` is a reserved word in MySQL, hence the backticks there).
 *
 * @internal
 */
export function kedaTriggererQuery(engine: DatabaseEngine, capacity: number): string {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new Error(`kedaTriggererQuery: 'capacity' must be a whole number >= 1, got ${capacity}`);
  }
  return engine === DatabaseEngine.MYSQL
    ? `SELECT CEIL(COUNT(*) / ${capacity}) FROM \`trigger\``
    : `SELECT ceil(COUNT(*)::decimal / ${capacity}) FROM trigger`;
}

/**
 * A SQL string literal: quotes doubled; for MySQL, whose default mode reads backslash escapes, backslashes
 * doubled too (under NO_BACKSLASH_ESCAPES that changes the value but still cannot end the literal).
 *
 * @internal
 */
export function sqlString(value: string, engine: DatabaseEngine): string {
  const escaped = engine === DatabaseEngine.MYSQL ? value.replace(/\\/g, '\\\\') : value;
  return `'${escaped.replace(/'/g, "''")}'`;
}
