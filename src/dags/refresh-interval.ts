import { Duration } from 'cdk8s';
import { AirflowConfig } from '../config/airflow-config';

/**
 * Makes Airflow list the DAG folder as often as a sync source refreshes it (a default the user may override):
 * `[scheduler] dag_dir_list_interval` on Airflow 2, `[dag_processor] refresh_interval` on Airflow 3.
 *
 * @internal
 */
export function setRefreshInterval(config: AirflowConfig, period: Duration): void {
  const [section, key] = config.version.isAirflow3 ? ['dag_processor', 'refresh_interval'] : ['scheduler', 'dag_dir_list_interval'];
  config.setDefault(section, key, String(Math.max(1, Math.round(period.toSeconds()))));
}
