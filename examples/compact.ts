import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowApp, AirflowDeployment, AirflowExecutor, AirflowTopology } from '../src';

/**
 * A compact Airflow for dev and CI clusters: the API server, scheduler, dag-processor and triggerer as containers of
 * ONE pod (plus the embedded PostgreSQL), tasks run by the LocalExecutor inside the scheduler container. No high
 * availability: a restart of the pod restarts every component (see README, "A compact mode for small clusters").
 */
export class CompactChart extends Chart {
  public readonly airflow: AirflowDeployment;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'airflow' });
    this.airflow = new AirflowDeployment(this, 'Airflow', {
      topology: AirflowTopology.compact(),
      executor: AirflowExecutor.local(),
      loadExamples: true,
      // at most 8 tasks at once, each a process of the scheduler container: size its memory for them.
      parallelism: 8,
      scheduler: {
        resources: {
          cpu: { request: kplus.Cpu.millis(500) },
          memory: { request: Size.gibibytes(2), limit: Size.gibibytes(4) },
        },
      },
    });
  }
}

if (require.main === module) {
  const app = new AirflowApp();
  new CompactChart(app, 'compact');
  app.synth();
}
