import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AirflowComponent, AirflowComponentOptions, AirflowComponentProps, jobCheckProbes } from './airflow-component';
import { cpuAndMemory } from '../pod/security';

/**
 * Options for `AirflowScheduler`.
 */
export interface AirflowSchedulerOptions extends AirflowComponentOptions {}

/**
 * Props for `AirflowScheduler`.
 */
export interface AirflowSchedulerProps extends AirflowComponentProps {}

/**
 * The Airflow scheduler: `airflow scheduler`, several replicas allowed (Airflow 2+ schedulers are active-active).
 *
 * It parses DAG files itself only on Airflow 2 without a standalone dag-processor
 * (`[scheduler] standalone_dag_processor`); otherwise it needs no DAG files.
 * Default resources: 500m CPU, 1Gi memory request, 2Gi memory limit.
 */
export class AirflowScheduler extends AirflowComponent {
  constructor(scope: Construct, id: string, props: AirflowSchedulerProps) {
    const version = props.recipe.version;
    const parsesDags = !version.isAirflow3 && props.recipe.config.get('scheduler', 'standalone_dag_processor') !== 'True';
    super(scope, id, props, {
      component: 'scheduler',
      args: ['airflow', 'scheduler'],
      dags: parsesDags,
      resources: cpuAndMemory(500, 1024, 2048),
      terminationGracePeriod: Duration.seconds(10),
      ...jobCheckProbes('SchedulerJob'),
    });
  }
}
