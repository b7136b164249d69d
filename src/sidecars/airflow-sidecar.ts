import { ApiObjectMetadataDefinition } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { bindKerberos, KerberosSidecarOptions, validateKerberos } from './kerberos';
import { bindSyncPermissions, SyncPermissionsOptions, validateSyncPermissions } from './sync-permissions';
import { AirflowPod, AirflowPodRecipe } from '../pod/airflow-pod-recipe';

/**
 * What a sidecar gets when it is bound to the pod of a component.
 */
export interface AirflowSidecarBindOptions {
  /** The component the pod belongs to, e.g. `webserver`, `scheduler`, `worker`. */
  readonly component: string;
  /** The pod recipe (image, `airflow.cfg`, secret environment) the pod is built from. */
  readonly recipe: AirflowPodRecipe;
  /** The component's main Airflow container. */
  readonly container: kplus.Container;
  /** The metadata of the pod template, for labels and annotations. */
  readonly podMetadata: ApiObjectMetadataDefinition;
}

/**
 * A container (and what it needs) added next to a component's Airflow container: `sidecars` of a
 * component or Celery worker pool.
 */
export interface IAirflowSidecar {
  /**
   * Adds the sidecar to one pod, after the component's main container.
   *
   * @param scope a construct owned by the pod, for the volumes the sidecar creates.
   * @param pod the pod, through which containers built from the recipe are added and volumes mounted.
   */
  bind(scope: Construct, pod: AirflowPod, options: AirflowSidecarBindOptions): void;
}

type Binder = (scope: Construct, pod: AirflowPod, options: AirflowSidecarBindOptions) => void;

/**
 * Ready-made sidecars, one line each: `sidecars: [AirflowSidecar.syncPermissions()]`.
 *
 * They are built from the pod recipe: the Airflow image, `airflow.cfg` and the database connection, with the
 * restricted security context of every Airflow container.
 */
export class AirflowSidecar implements IAirflowSidecar {
  /**
   * Runs `airflow sync-perm --include-dags` in a loop next to the UI, so that roles get the permissions of
   * new DAGs (`access_control`) without a restart.
   *
   * For the Airflow 2 webserver (`webserver.sidecars`). On Airflow 3 the command belongs to the FAB auth
   * manager: only with `core.auth_manager` set to the FabAuthManager, next to the API server.
   */
  public static syncPermissions(options: SyncPermissionsOptions = {}): AirflowSidecar {
    validateSyncPermissions(options);
    return new AirflowSidecar('sync-perm', (scope, pod, bind) => bindSyncPermissions(options, scope, pod, bind));
  }

  /**
   * Keeps a Kerberos ticket for `principal` fresh with `airflow kerberos`: an init container gets the
   * first ticket, a sidecar renews it every `reinitFrequency`.
   *
   * The ticket cache is an in-memory emptyDir shared with the Airflow containers (`KRB5CCNAME` and
   * `[kerberos] ccache`), the keytab is mounted read-only into the Kerberos containers only, `krb5.conf`
   * comes from a ConfigMap (`KRB5_CONFIG`). For workers (`CeleryWorkerPool.sidecars`), the scheduler and the
   * triggerer. Set `core.security: 'kerberos'` in `settings` if your hooks should authenticate with it.
   */
  public static kerberos(options: KerberosSidecarOptions): AirflowSidecar {
    validateKerberos(options);
    return new AirflowSidecar('kerberos', (scope, pod, bind) => bindKerberos(options, scope, pod, bind));
  }

  /** The name of the sidecar container. */
  public readonly containerName: string;

  private constructor(containerName: string, private readonly binder: Binder) {
    this.containerName = containerName;
  }

  /**
   * Adds the sidecar to one pod (components and worker pools call this).
   */
  public bind(scope: Construct, pod: AirflowPod, options: AirflowSidecarBindOptions): void {
    this.binder(scope, pod, options);
  }
}
