import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { CeleryKedaChart } from '../../examples/celery-keda';
import { EksEfsS3Chart } from '../../examples/eks-efs-s3';
import { OnPremGitChart } from '../../examples/onprem-git';
import { ProductionChart } from '../../examples/production';
import { QuickstartChart } from '../../examples/quickstart';
import { AirflowAuth, AirflowDeployment, AirflowExecutor, AirflowVersion, CeleryBroker, MetadataDatabase } from '../../src';
import { testChart } from '../support/synth';

/** One synthesized deployment the real-Airflow tests judge. */
export interface RealCase {
  readonly name: string;
  readonly chart: Chart;
  readonly airflow: AirflowDeployment;
  readonly manifests: any[];
}

function example(name: string, chart: Chart & { airflow: AirflowDeployment }): RealCase {
  return { name: `examples/${name}.ts`, chart, airflow: chart.airflow, manifests: Testing.synth(chart) };
}

/** A deployment of the given props in a test chart, synthesized. */
export function deploymentCase(name: string, props: (chart: Chart) => ConstructorParameters<typeof AirflowDeployment>[2]): RealCase {
  const chart = testChart();
  const airflow = new AirflowDeployment(chart, 'Airflow', props(chart));
  return { name, chart, airflow, manifests: Testing.synth(chart) };
}

/**
 * Every example (examples/readme.ts is the quick start's deployment with an external database and runs `app.synth()`
 * when imported, so it is not imported here), plus Airflow 2.11 deployments: the examples are all Airflow 3.
 */
export function realCases(): RealCase[] {
  // CDK8S_AIRFLOW_REAL_CASES=quickstart,production narrows the list while developing
  const only = process.env.CDK8S_AIRFLOW_REAL_CASES?.split(',');
  return [
    example('quickstart', new QuickstartChart(Testing.app(), 'quickstart')),
    example('onprem-git', new OnPremGitChart(Testing.app(), 'onprem-git')),
    example('eks-efs-s3', new EksEfsS3Chart(Testing.app(), 'eks-efs-s3')),
    example('celery-keda', new CeleryKedaChart(Testing.app(), 'celery-keda')),
    example('production', new ProductionChart(Testing.app(), 'production')),
    airflow2Kubernetes(),
    airflow2CeleryPgBouncer(),
  ].filter(c => !only || only.some(o => c.name.includes(o)));
}

/** Airflow 2.11 with the KubernetesExecutor and the embedded PostgreSQL. */
export function airflow2Kubernetes(): RealCase {
  return deploymentCase('Airflow 2.11 KubernetesExecutor', () => ({ airflowVersion: AirflowVersion.V2_11_0, loadExamples: true }));
}

/** Airflow 2.11 with Celery (embedded Redis), an external database behind PgBouncer. */
export function airflow2CeleryPgBouncer(): RealCase {
  return deploymentCase('Airflow 2.11 Celery + PgBouncer', chart => ({
    airflowVersion: AirflowVersion.V2_11_0,
    database: MetadataDatabase.external({ connection: { secret: kplus.Secret.fromSecretName(chart, 'Db', 'airflow-db'), key: 'url' } }),
    pgbouncer: {},
    executor: AirflowExecutor.celery({ broker: CeleryBroker.embeddedRedis() }),
  }));
}

/** Airflow 3 (the default release) with the FAB auth manager: its first admin comes from the create-admin Job. */
export function airflow3Fab(): RealCase {
  return deploymentCase('Airflow 3 FAB auth', () => ({ auth: AirflowAuth.fab() }));
}
