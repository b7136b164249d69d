import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { one } from './synth';
import { AirflowConfig, AirflowVersion, DagPodMode, DagSourceBindOptions } from '../../src';

/** Bind options for a DAG source unit test. */
export function bindOptions(
  chart: Chart, pod: kplus.AbstractPod, mode: DagPodMode, version: AirflowVersion = AirflowVersion.DEFAULT,
): DagSourceBindOptions {
  const config = (chart.node.tryFindChild('Config') as AirflowConfig | undefined) ?? new AirflowConfig(chart, 'Config', { version });
  const sharedScope = chart.node.tryFindChild('Dags') ?? new Construct(chart, 'Dags');
  return { mode, mountPath: '/opt/airflow/dags', name: 'dags', podScope: pod, sharedScope, config };
}

/** The KubernetesExecutor pod template inside its ConfigMap. */
export function podTemplate(manifests: any[]): any {
  return parse(one(manifests, 'ConfigMap', 'pod-template').data['pod_template_file.yaml']);
}

/** Names of init containers and containers of a pod spec. */
export function containerNames(spec: any): { init: string[]; main: string[] } {
  return { init: (spec.initContainers ?? []).map((c: any) => c.name), main: spec.containers.map((c: any) => c.name) };
}
