import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AirflowWebComponent, AirflowWebOptions, AirflowWebProps } from './web-ui';
import { cpuAndMemory } from '../pod/security';

/**
 * Options for `AirflowApiServer`.
 */
export interface AirflowApiServerOptions extends AirflowWebOptions {}

/**
 * Props for `AirflowApiServer`.
 */
export interface AirflowApiServerProps extends AirflowWebProps {}

/**
 * The Airflow 3 API server (`airflow api-server`): the UI, the REST API and the Execution API task pods call.
 *
 * Probed on `/api/v2/version`. It needs no DAG files. Default resources: 250m CPU, 1Gi memory request,
 * 2Gi memory limit.
 */
export class AirflowApiServer extends AirflowWebComponent {
  constructor(scope: Construct, id: string, props: AirflowApiServerProps) {
    const version = props.recipe.version;
    if (!version.isAirflow3) {
      throw new Error(`AirflowApiServer runs on Airflow 3 only, but the recipe uses Airflow ${version.version}: use AirflowWebserver on Airflow 2`);
    }
    super(scope, id, props, {
      component: 'api-server',
      args: ['airflow', 'api-server'],
      dags: false,
      resources: cpuAndMemory(250, 1024, 2048),
      terminationGracePeriod: Duration.seconds(30),
    }, '/api/v2/version');
  }
}
