import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { AirflowSidecarBindOptions } from './airflow-sidecar';
import { AirflowPod } from '../pod/airflow-pod-recipe';
import { cpuAndMemory } from '../pod/security';

/** The auth manager whose CLI has `airflow sync-perm` on Airflow 3. */
const FAB_AUTH_MANAGER = 'airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager';

/**
 * Options for `AirflowSidecar.syncPermissions()`.
 */
export interface SyncPermissionsOptions {
  /**
   * Time between two runs of `airflow sync-perm --include-dags`.
   *
   * @default Duration.minutes(10)
   */
  readonly interval?: Duration;
  /**
   * Resources of the sidecar (it loads the Flask app of the UI).
   *
   * @default - 50m CPU, 512Mi memory request, 1Gi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
}

/** @internal */
export function validateSyncPermissions(options: SyncPermissionsOptions): void {
  const seconds = (options.interval ?? Duration.minutes(10)).toSeconds();
  if (seconds < 60) {
    throw new Error(`AirflowSidecar.syncPermissions: 'interval' must be at least 1 minute, got ${seconds}s`);
  }
}

/** @internal */
export function bindSyncPermissions(options: SyncPermissionsOptions, _scope: Construct, pod: AirflowPod, bind: AirflowSidecarBindOptions): void {
  const version = bind.recipe.version;
  if (bind.component !== 'webserver' && bind.component !== 'api-server') {
    throw new Error(`AirflowSidecar.syncPermissions() belongs next to the UI, not to '${bind.component}': `
      + "add it to 'webserver.sidecars' (Airflow 2) or 'apiServer.sidecars' (Airflow 3 with the FAB auth manager)");
  }
  const authManager = bind.recipe.config.get('core', 'auth_manager');
  if (version.isAirflow3 && authManager !== FAB_AUTH_MANAGER) {
    throw new Error(`AirflowSidecar.syncPermissions() runs 'airflow sync-perm', which Airflow ${version.version} has only with the FAB auth manager, `
      + `but 'core.auth_manager' is ${authManager === undefined ? 'not set (SimpleAuthManager)' : `'${authManager}'`}: `
      + `set it to '${FAB_AUTH_MANAGER}' in 'settings', or remove the sidecar`);
  }
  const seconds = (options.interval ?? Duration.minutes(10)).toSeconds();
  pod.addAirflowContainer({
    name: 'sync-perm',
    args: ['bash', '-c', `while true; do airflow sync-perm --include-dags || echo "airflow sync-perm failed" >&2; sleep ${seconds}; done`],
    resources: options.resources ?? cpuAndMemory(50, 512, 1024),
  });
}
