import { embeddedPods } from '../support/manifests';

/** One pod of the deployment: a workload's template, a Job's, or the task pod template inside its ConfigMap. */
export interface AirflowPodInfo {
  readonly name: string;
  readonly kind: string;
  readonly component: string;
  readonly spec: any;
  readonly object: any;
}

/** Every pod running Airflow code (a container mounts `airflow.cfg`): workloads, Jobs, and task pods. */
export function airflowPods(manifests: any[]): AirflowPodInfo[] {
  const pods: AirflowPodInfo[] = [];
  for (const m of manifests) {
    if (!['Deployment', 'StatefulSet', 'Job'].includes(m.kind)) continue;
    const labels = m.spec.template.metadata?.labels ?? {};
    if (airflowContainers(m.spec.template.spec).length === 0) continue;
    pods.push({ name: m.metadata.name, kind: m.kind, component: labels['app.kubernetes.io/component'], spec: m.spec.template.spec, object: m });
  }
  for (const { where, pod } of embeddedPods(manifests)) {
    pods.push({ name: where, kind: 'Pod', component: 'task', spec: pod.spec, object: pod });
  }
  return pods;
}

/** The pods of `component` (`task` for the task pod template). */
export function podsOf(manifests: any[], component: string): AirflowPodInfo[] {
  return airflowPods(manifests).filter(p => p.component === component);
}

/** The containers of a pod spec that run Airflow (they mount `airflow.cfg`). */
export function airflowContainers(spec: any): any[] {
  return [...(spec.initContainers ?? []), ...spec.containers]
    .filter((c: any) => (c.volumeMounts ?? []).some((m: any) => m.mountPath === '/opt/airflow/airflow.cfg'));
}

/** The annotations of the ServiceAccount a pod runs as. */
export function serviceAccountAnnotations(manifests: any[], spec: any): { [key: string]: string } {
  const sa = manifests.find(m => m.kind === 'ServiceAccount' && m.metadata.name === spec.serviceAccountName);
  if (!sa) throw new Error(`no ServiceAccount '${spec.serviceAccountName}'`);
  return sa.metadata.annotations ?? {};
}

/** The volume named `name` of a pod spec. */
export function volume(spec: any, name: string): any {
  return (spec.volumes ?? []).find((v: any) => v.name === name);
}

/** Container names of a pod spec, init containers first. */
export function containerNames(spec: any): { init: string[]; main: string[] } {
  return { init: (spec.initContainers ?? []).map((c: any) => c.name), main: spec.containers.map((c: any) => c.name) };
}
