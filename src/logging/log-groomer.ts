import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { ResolvedLogGroomer } from './logs-binding';
import { cpuAndMemory, restrictedContainerSecurityContext } from '../pod/security';

/**
 * The log groomer: a sidecar that deletes old files under `/opt/airflow/logs` while logs stay on disk.
 *
 * It runs the Airflow image (nothing else to pull) with a small `find` loop instead of Airflow itself: no
 * configuration, no Secret and no database connection reach it, only the logs volume. Files not modified
 * for `retention` are deleted, then folders that have been empty as long (a folder Airflow has just created
 * for a new log file is never removed under it).
 */
export interface LogGroomerOptions {
  /**
   * Whether the long-running pods that write logs get the groomer. `true` adds it to the scheduler,
   * dag-processor, triggerer and Celery workers (with `AirflowLogs.persistentVolume()`, to the scheduler only:
   * the volume is shared).
   *
   * @default - only where logs outlive the pod: the scheduler with `AirflowLogs.persistentVolume()`, the
   * StatefulSet workers (one claim each) with `AirflowLogs.local()`. Not for emptyDirs, which go with their
   * pod (enable it for long-lived pods whose logs would otherwise fill the node's ephemeral storage), nor with
   * remote logging, where `[logging] delete_local_logs` removes task logs once they are uploaded.
   */
  readonly enabled?: boolean;
  /**
   * How long a log file is kept after its last write: whole minutes, at least 1 hour.
   *
   * @default Duration.days(15)
   */
  readonly retention?: Duration;
  /**
   * Time between two clean-ups: whole seconds, at least 1 minute.
   *
   * @default Duration.minutes(15)
   */
  readonly interval?: Duration;
  /**
   * Resources of the groomer container.
   *
   * @default - 5m CPU request, 32Mi memory request, 64Mi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * The groomer script: a constant, configured through environment variables only.
 *
 * - `LOGS_DIR`: the folder to clean (`/opt/airflow/logs`).
 * - `RETENTION_MINUTES`: files not modified for longer are deleted, then folders empty for as long.
 * - `GROOM_INTERVAL_SECONDS`: the pause between two clean-ups.
 *
 * POSIX `sh` plus `find`, `wc`, `date` and `sleep` (all in the official Airflow image); it exits 0 on TERM.
 * `lost+found` (ext4 volumes) is skipped; errors of `find` (a file removed by another groomer of a shared
 * volume, an unreadable folder) are ignored.
 *
 * @internal
 */
export const LOG_GROOMER_SCRIPT = `set -u
logs="\${LOGS_DIR:-/opt/airflow/logs}"

log() {
  echo "$(date -u '+%Y-%m-%dT%H:%M:%SZ') log-groomer: $*"
}

trap 'exit 0' TERM INT
log "deleting files under $logs not modified for $RETENTION_MINUTES minutes, every $GROOM_INTERVAL_SECONDS seconds"
while :; do
  # one character per file or symlink really deleted (-delete is false when it fails, e.g. EACCES): a count
  # that a name with a line break cannot skew.
  deleted=$(find "$logs" -mindepth 1 ! -path "$logs/lost+found" ! -path "$logs/lost+found/*" \\
    \\( -type f -o -type l \\) -mmin "+$RETENTION_MINUTES" -delete -printf . 2>/dev/null | wc -c)
  # a folder goes only once it has been empty and unchanged for the retention too.
  find "$logs" -mindepth 1 ! -path "$logs/lost+found" ! -path "$logs/lost+found/*" \\
    -type d -empty -mmin "+$RETENTION_MINUTES" -delete 2>/dev/null
  [ "$deleted" -eq 0 ] || log "deleted $deleted files"
  sleep "$GROOM_INTERVAL_SECONDS" &
  wait $!
done
`;

/**
 * Checks the groomer options (`enabled` stays undefined unless given: the default depends on the store and the pod).
 *
 * @internal
 */
export function resolveLogGroomer(options: LogGroomerOptions | undefined, where: string): ResolvedLogGroomer {
  const retentionMs = (options?.retention ?? Duration.days(15)).toMilliseconds();
  if (retentionMs < 3_600_000 || retentionMs % 60_000 !== 0) {
    throw new Error(`${where}: 'groomer.retention' must be whole minutes, at least 1 hour, got ${retentionMs / 60_000} minutes`);
  }
  const intervalMs = (options?.interval ?? Duration.minutes(15)).toMilliseconds();
  if (intervalMs < 60_000 || intervalMs % 1000 !== 0) {
    throw new Error(`${where}: 'groomer.interval' must be whole seconds, at least 1 minute, got ${intervalMs / 1000} seconds`);
  }
  return {
    enabled: options?.enabled,
    retentionMinutes: retentionMs / 60_000,
    intervalSeconds: intervalMs / 1000,
    resources: options?.resources ?? cpuAndMemory(5, 32, 64),
  };
}

/**
 * The groomer container: the Airflow image running `LOG_GROOMER_SCRIPT` on the logs volume only.
 *
 * @internal
 */
export function logGroomerContainer(groomer: ResolvedLogGroomer, image: string, imagePullPolicy: kplus.ImagePullPolicy,
  logs: kplus.Volume, logsPath: string): kplus.ContainerProps {
  return {
    name: 'log-groomer',
    image,
    imagePullPolicy,
    // no entrypoint: the groomer needs neither the database nor airflow.cfg.
    command: ['/bin/sh', '-c', LOG_GROOMER_SCRIPT],
    resources: groomer.resources,
    securityContext: restrictedContainerSecurityContext(),
    envVariables: {
      LOGS_DIR: kplus.EnvValue.fromValue(logsPath),
      RETENTION_MINUTES: kplus.EnvValue.fromValue(String(groomer.retentionMinutes)),
      GROOM_INTERVAL_SECONDS: kplus.EnvValue.fromValue(String(groomer.intervalSeconds)),
    },
    volumeMounts: [{ path: logsPath, volume: logs }],
  };
}
