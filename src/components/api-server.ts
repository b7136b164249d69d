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
 * Props for `AirflowApiServer`.
 */
export interface AirflowApiServerProps extends AirflowWebProps, AirflowApiServerOptions {}

/**
 * The Airflow 3 API server (`airflow api-server`): the UI, the REST API and the Execution API task pods call.
 *
 * Probed on `/api/v2/version`. It needs no DAG files. Default resources: 250m CPU, 1Gi memory request,
 * 2Gi memory limit, for one worker (`workers` scales them).
 */
export class AirflowApiServer extends AirflowWebComponent {
  constructor(scope: Construct, id: string, props: AirflowApiServerProps) {
    const version = props.recipe.version;
    if (!version.isAirflow3) {
      throw new Error(`AirflowApiServer runs on Airflow 3 only, but the recipe uses Airflow ${version.version}: use AirflowWebserver on Airflow 2`);
    }
    const workers = applyApiServerWorkers(props.recipe, props.workers, props.resources);
    super(scope, id, { ...props, resources: workers.resources }, {
      component: 'api-server',
      args: ['airflow', 'api-server'],
      dags: false,
      resources: workers.resources,
      terminationGracePeriod: Duration.seconds(30),
    }, '/api/v2/version');
    for (const warning of workers.warnings) AirflowWarnings.of(this).add(warning);
  }
}
