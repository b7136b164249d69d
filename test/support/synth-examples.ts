// Prints the YAML of every example chart, in one process: run by test/examples/locale.test.ts under several locales.
import { Chart, Testing, Yaml } from 'cdk8s';
import { CeleryKedaChart } from '../../examples/celery-keda';
import { CompactChart } from '../../examples/compact';
import { EksEfsS3Chart } from '../../examples/eks-efs-s3';
import { OnPremGitChart } from '../../examples/onprem-git';
import { ProductionChart } from '../../examples/production';
import { QuickstartChart } from '../../examples/quickstart';
import { AirflowDeployment, AirflowVersion, DagSource, GitSyncSidecar } from '../../src';

for (const [id, Example] of [['quickstart', QuickstartChart], ['production', ProductionChart], ['celery-keda', CeleryKedaChart],
  ['eks-efs-s3', EksEfsS3Chart], ['onprem-git', OnPremGitChart], ['compact', CompactChart]] as const) {
  process.stdout.write(`# ${id}\n${Yaml.stringify(...Testing.synth(new Example(Testing.app(), id)))}`);
}

// keys whose order differs under Czech collation ('ch' sorts after 'h'), and ids with an 'I' (Turkish dotless i).
const chart = new Chart(Testing.app(), 'locale', { namespace: 'airflow' });
new AirflowDeployment(chart, 'AirflowInstance', {
  airflowVersion: AirflowVersion.V2_11_0,
  settings: { 'scheduler.child_process_log_directory': '/opt/airflow/logs/scheduler', 'scheduler.dag_dir_list_interval': '60' },
  dagSource: DagSource.combine([{ subfolder: 'ingest', source: new GitSyncSidecar({ repo: 'https://github.com/example/dags.git' }) }]),
});
process.stdout.write(`# locale\n${Yaml.stringify(...Testing.synth(chart))}`);
