import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ApiServerWorkers, applyApiServerWorkers } from './api-server-workers';
import { AirflowWebComponent, AirflowWebOptions, AirflowWebProps } from './web-ui';
import { AirflowWarnings } from '../warnings';

/**
 * Options for `AirflowApiServer`.
 */
export interface AirflowApiServerOptions extends AirflowWebOptions {
  /**
   * The worker processes of each replica: `[api] workers`, `worker_timeout` and, on Airflow 3.2+, `server_type`
   * (gunicorn) with rolling worker refresh. The default resources grow with the workers (see `ApiServerWorkers`).
   *
   * @default - Airflow's: one uvicorn worker.
   */
  readonly workers?: ApiServerWorkers;
}

/**
 * Which applications one `airflow api-server` serves (`--apps`).
 */
export enum ApiServerApps {
  /** The UI, the REST API and the Execution API in one server (Airflow's default). */
  ALL = 'all',
  /** The UI and the REST API only (`--apps core`, Airflow 3.1+): tasks call a separate Execution API server. */
  CORE = 'core',
  /** The Execution API only (`--apps execution`, Airflow 3.1+): what task pods, workers and edge workers call. */
  EXECUTION = 'execution',
}

/**
 * Props for `AirflowApiServer`.
 */
export interface AirflowApiServerProps extends AirflowWebProps, AirflowApiServerOptions {
  /**
   * The applications this server runs. `EXECUTION` makes it the component `execution-api-server`
   * (`<release>-execution-api-server`), probed on the Execution API's `/execution/health`.
   *
   * @default ApiServerApps.ALL
   */
  readonly apps?: ApiServerApps;
}

/**
 * The first Airflow release whose `airflow api-server` serves only the apps given with `--apps`: the CLI passes them to
 * `create_app` since apache/airflow#52929, first released in 3.1.0 (the 3.1.0 docs add "Separating API Servers" to
 * administration-and-deployment/web-stack.rst; 3.0.3's page has no such section). airflow-core 3.2.2
 * `cli/commands/api_server_command.py` sets `AIRFLOW_API_APPS` from `--apps`, and `api_fastapi/app.py` `create_app`
 * mounts `/execution` only for `all`/`execution` and the UI, REST API and auth manager only for `all`/`core`.
 *
 * @internal
 */
export const SPLIT_API_SERVER_SINCE: readonly [number, number] = [3, 1];

/**
 * The Airflow 3 API server (`airflow api-server`): the UI, the REST API and the Execution API task pods call; with
 * `apps`, only some of them (`airflow api-server --apps core` / `--apps execution`, Airflow 3.1+).
 *
 * Probed on `/api/v2/version` (`/execution/health` when it serves only the Execution API: airflow-core 3.2.2
 * `api_fastapi/execution_api/routes/__init__.py` mounts the health router at `/health`). It needs no DAG files.
 * Default resources: 250m CPU, 1Gi memory request, 2Gi memory limit, for one worker (`workers` scales them).
 */
export class AirflowApiServer extends AirflowWebComponent {
  /** The applications this server runs. */
  public readonly apps: ApiServerApps;

  constructor(scope: Construct, id: string, props: AirflowApiServerProps) {
    const version = props.recipe.version;
    if (!version.isAirflow3) {
      throw new Error(`AirflowApiServer runs on Airflow 3 only, but the recipe uses Airflow ${version.version}: use AirflowWebserver on Airflow 2`);
    }
    const apps = props.apps ?? ApiServerApps.ALL;
    if (apps !== ApiServerApps.ALL && !version.atLeast(...SPLIT_API_SERVER_SINCE)) {
      throw new Error(`AirflowApiServer 'apps' ${apps} needs Airflow ${SPLIT_API_SERVER_SINCE.join('.')} or later (airflow api-server --apps), `
        + `but the recipe uses Airflow ${version.version}, whose API server always serves every app: upgrade Airflow or keep one API server`);
    }
    const execution = apps === ApiServerApps.EXECUTION;
    const workers = applyApiServerWorkers(props.recipe, props.workers, props.resources);
    super(scope, id, { ...props, resources: workers.resources }, {
      component: execution ? 'execution-api-server' : 'api-server',
      args: ['airflow', 'api-server', ...(apps === ApiServerApps.ALL ? [] : ['--apps', apps])],
      dags: false,
      resources: workers.resources,
      terminationGracePeriod: Duration.seconds(30),
    }, execution ? '/execution/health' : '/api/v2/version');
    this.apps = apps;
    for (const warning of workers.warnings) AirflowWarnings.of(this).add(warning);
  }
}
