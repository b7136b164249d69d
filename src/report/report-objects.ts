import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { AirflowDeployment } from '../deployment';

/**
 * The rendered objects a report reads: those of the deployment, every object of its chart (what the manifests
 * create), and the task pod template the KubernetesExecutor keeps inside a ConfigMap.
 * @internal
 */
export interface ReportObjects {
  /** the deployment's own objects, in construct order, with the task pod template last */
  readonly deployment: any[];
  /** every object of the deployment's chart (what applying the chart's YAML creates) */
  readonly chart: any[];
  /** the namespace the chart writes into, or undefined (the kubectl context's namespace) */
  readonly namespace?: string;
}

/**
 * `renderObject` gives an object's manifest (`AirflowApp` hands in what its synth rendered; by default the object
 * renders itself).
 * @internal
 */
export function reportObjects(deployment: AirflowDeployment, renderObject: (o: ApiObject) => any = o => o.toJson()): ReportObjects {
  const chart = Chart.of(deployment);
  const render = (scope: IConstruct) => scope.node.findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart)
    .map(renderObject);
  const own = render(deployment);
  if (deployment.kubernetesExecutor) {
    for (const template of deployment.kubernetesExecutor.allPodTemplates) own.push(renderObject(ApiObject.of(template)));
  }
  return { deployment: own, chart: render(chart), namespace: chart.namespace };
}

/** A pod spec inside a workload, with where it is. @internal */
export interface PodSpecRef {
  readonly owner: any;
  readonly spec: any;
  readonly metadata: any;
}

/** The pod specs of workloads (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). @internal */
export function podSpecs(objects: any[]): PodSpecRef[] {
  const out: PodSpecRef[] = [];
  for (const o of objects) {
    const template = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template
      : ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(o.kind) ? o.spec?.template
        : o.kind === 'Pod' ? o : undefined;
    if (template?.spec) out.push({ owner: o, spec: template.spec, metadata: template.metadata ?? {} });
  }
  return out;
}

/** Every container of a pod spec, init containers first. @internal */
export function containersOf(spec: any): any[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}
