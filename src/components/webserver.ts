import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AirflowWebComponent, AirflowWebOptions, AirflowWebProps } from './web-ui';
import { cpuAndMemory } from '../pod/security';

/**
 * Options for `AirflowWebserver`.
 */
export interface AirflowWebserverOptions extends AirflowWebOptions {}

/**
 * Props for `AirflowWebserver`.
 */
export interface AirflowWebserverProps extends AirflowWebProps {}

/** Where the Airflow 2 webserver's gunicorn writes its pid file: the writable `/tmp` emptyDir. @internal */
export const WEBSERVER_PID_FILE = '/tmp/airflow-webserver.pid';

/**
 * The Airflow 2 webserver (`airflow webserver`), probed on `/health`.
 *
 * It reads serialized DAGs from the database and needs no DAG files. Default resources: 250m CPU,
 * 1Gi memory request, 2Gi memory limit.
 */
export class AirflowWebserver extends AirflowWebComponent {
  constructor(scope: Construct, id: string, props: AirflowWebserverProps) {
    const version = props.recipe.version;
    if (version.isAirflow3) {
      throw new Error(`AirflowWebserver runs on Airflow 2 only, but the recipe uses Airflow ${version.version}: use AirflowApiServer on Airflow 3`);
    }
    super(scope, id, props, {
      component: 'webserver',
      // `airflow webserver` always hands gunicorn `--pid <AIRFLOW_HOME>/airflow-webserver.pid` unless `--pid` is given
      // (apache/airflow 2.11.0 airflow/cli/commands/webserver_command.py, `setup_locations("webserver", pid=args.pid)`),
      // and gunicorn creates it with mkstemp next to it: /opt/airflow is on the read-only root filesystem, /tmp is an emptyDir.
      args: ['airflow', 'webserver', '--pid', WEBSERVER_PID_FILE],
      dags: false,
      resources: cpuAndMemory(250, 1024, 2048),
      terminationGracePeriod: Duration.seconds(30),
    }, '/health');
  }
}
