import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AirflowComponent, AirflowComponentOptions, AirflowComponentProps, jobCheckProbes } from './airflow-component';
import { cpuAndMemory } from '../pod/security';

/** The port the triggerer serves its logs on. */
export const TRIGGERER_LOG_PORT = 8794;

/**
 * Options for `AirflowTriggerer`.
 */
export interface AirflowTriggererOptions extends AirflowComponentOptions {}

/**
 * Props for `AirflowTriggerer`.
 */
export interface AirflowTriggererProps extends AirflowComponentProps {}

/**
 * The Airflow triggerer: `airflow triggerer`, which runs deferred tasks' triggers; it reads DAG files.
 *
 * Default resources: 100m CPU, 512Mi memory request, 1Gi memory limit.
 */
export class AirflowTriggerer extends AirflowComponent {
  constructor(scope: Construct, id: string, props: AirflowTriggererProps) {
    super(scope, id, props, {
      component: 'triggerer',
      args: ['airflow', 'triggerer'],
      dags: true,
      resources: cpuAndMemory(100, 512, 1024),
      terminationGracePeriod: Duration.seconds(60),
      ports: [{ name: 'triggerer-logs', number: TRIGGERER_LOG_PORT }],
      ...jobCheckProbes('TriggererJob'),
    });
  }
}
