import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AirflowComponent, AirflowComponentOptions, AirflowComponentProps, jobCheckProbes } from './airflow-component';
import { cpuAndMemory } from '../pod/security';

/**
 * Options for `AirflowDagProcessor`.
 */
export interface AirflowDagProcessorOptions extends AirflowComponentOptions {}

/**
 * Props for `AirflowDagProcessor`.
 */
export interface AirflowDagProcessorProps extends AirflowComponentProps {}

/**
 * The standalone DAG processor: `airflow dag-processor`, which parses DAG files (always on Airflow 3,
 * optional on Airflow 2 with `[scheduler] standalone_dag_processor = True`).
 *
 * Default resources: 250m CPU, 1Gi memory request, 2Gi memory limit.
 */
export class AirflowDagProcessor extends AirflowComponent {
  constructor(scope: Construct, id: string, props: AirflowDagProcessorProps) {
    const version = props.recipe.version;
    if (!version.isAirflow3 && props.recipe.config.get('scheduler', 'standalone_dag_processor') !== 'True') {
      throw new Error(`AirflowDagProcessor on Airflow ${version.version} needs '[scheduler] standalone_dag_processor = True' in the config, or the scheduler keeps parsing DAGs too`);
    }
    super(scope, id, props, {
      component: 'dag-processor',
      args: ['airflow', 'dag-processor'],
      dags: true,
      resources: cpuAndMemory(250, 1024, 2048),
      terminationGracePeriod: Duration.seconds(60),
      ...jobCheckProbes('DagProcessorJob'),
    });
  }
}
