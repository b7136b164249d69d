import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
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
 * It serves the logs of running triggers on port 8794, behind a headless Service (`logService`): the API
 * server or webserver fetches them from the pod while a task is deferred.
 *
 * Default resources: 100m CPU, 512Mi memory request, 1Gi memory limit.
 */
export class AirflowTriggerer extends AirflowComponent {
  /** The headless Service in front of the triggerer's log server (port 8794, named `triggerer-logs`). */
  public readonly logService: kplus.Service;

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
    const names = props.recipe._names;
    this.logService = new kplus.Service(this, 'LogService', {
      metadata: names.metadata(this, 'Service', 'triggerer'),
      clusterIP: 'None',
      ports: [{ name: 'triggerer-logs', port: TRIGGERER_LOG_PORT, targetPort: TRIGGERER_LOG_PORT }],
    });
    names.selectService(this.logService, this.podComponent);
  }
}
