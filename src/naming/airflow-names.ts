import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { shortHash } from '../utils/hash';

/** The label keys every object carries (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const NAME_LABEL = 'app.kubernetes.io/name';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const VERSION_LABEL = 'app.kubernetes.io/version';

/** `-<8 hex>`: the content hash a Job name ends with (see `nameJobByContent`). */
const JOB_HASH_SUFFIX = 9;

/**
 * Kubernetes' limits on object names, per kind, where they are below a DNS-1123 subdomain's 253:
 * - a Service name is a DNS-1035 label (`ValidateServiceName` = `apimachineryvalidation.NameIsDNS1035Label`,
 *   kubernetes pkg/apis/core/validation/validation.go): at most 63, starting with a letter;
 * - a StatefulSet's pods carry `controller-revision-hash: <name>-<hash>` (a label value, at most 63), so the
 *   controller refuses names over 52 (kubernetes pkg/apis/apps/validation ValidateStatefulSetName is a subdomain,
 *   the 52 comes from the revision label: kubernetes/kubernetes#64023);
 * - a CronJob's Jobs are named `<name>-<11 digits>` and carry it as a label: `ValidateCronJob` refuses names over 52
 *   (pkg/apis/batch/validation/validation.go, `if len(cronJob.ObjectMeta.Name) > apimachineryvalidation.DNS1035LabelMaxLength-11`);
 * - a Job's pods carry `job-name: <name>` (a label value): `ValidateJob` generates the label, so names over 63 fail.
 * Every other kind is held to 63 as well: the names are labels in `kubectl` output and in dashboards.
 */
const NAME_LIMITS: { [kind: string]: number } = { StatefulSet: 52, CronJob: 52, Job: 63 - JOB_HASH_SUFFIX };
const DEFAULT_NAME_LIMIT = 63;
/** Kinds whose objects are not namespaced: their names must be unique in the cluster. */
const CLUSTER_SCOPED = new Set(['StorageClass']);

/** ASCII lower case, the same under every locale (`toLocaleLowerCase` maps `I` to a dotless `ı` in Turkish). */
export function asciiLower(value: string): string {
  return value.replace(/[A-Z]/g, c => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** `KedaConnection` -> `keda-connection`, `podCleanup` -> `pod-cleanup` (ASCII only, the same under every locale). */
export function kebabCase(id: string): string {
  return asciiLower(id.replace(/([a-z0-9])([A-Z])/g, '$1-$2')).replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** Code-point order, the same under every locale (`localeCompare` is not). */
export function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const RELEASE_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Names registered per app root: `<namespace>/<kind>/<name>` -> construct path, to find clashes at construction. */
const registries = new WeakMap<IConstruct, Map<string, string>>();
const roleBindings = new WeakMap<kplus.Role, kplus.RoleBinding>();
const RELEASE_SYMBOL = Symbol.for('cdk8s-airflow.AirflowNames');

/**
 * The release an `AirflowDeployment` names its objects after, like a Helm release: every object is
 * `<release>-<component>[-<part>]` and carries the six `app.kubernetes.io` labels.
 *
 * Constructs used outside an `AirflowDeployment` take the release of their `AirflowConfig` (its `releaseName`),
 * and others the release `airflow`.
 *
 * @internal
 */
export class AirflowNames {
  /**
   * The names of the deployment (or standalone `AirflowConfig`) `scope` belongs to; `airflow` when it belongs to none.
   * Constructs built from a recipe pass its config, which belongs to the deployment even when they do not.
   */
  public static of(scope: IConstruct): AirflowNames {
    for (const s of [...scope.node.scopes].reverse()) {
      const found = (s as any)[RELEASE_SYMBOL] as AirflowNames | undefined;
      if (found) return found;
    }
    return DEFAULT_NAMES;
  }

  /** Whether `scope` or one of its parents registered a release. */
  public static isRegistered(scope: IConstruct): boolean {
    return AirflowNames.of(scope) !== DEFAULT_NAMES;
  }

  /**
   * Registers the release of a deployment (or of a standalone `AirflowConfig`). `fromId` says the release was derived
   * from the construct id rather than given as `releaseName`.
   */
  public static register(scope: IConstruct, release: string, version: string | undefined, fromId: boolean): AirflowNames {
    if (!RELEASE_PATTERN.test(release) || release.length > 40) {
      throw new Error('\'releaseName\' must be at most 40 lowercase letters, digits and \'-\', starting with a letter and ending with a letter or digit '
        + `(every object is named '<release>-<component>' and a Service name must be a DNS-1035 label), got '${release}'`
        + (fromId ? ` (derived from the construct id '${scope.node.id}'): set 'releaseName'` : ''));
    }
    const names = new AirflowNames(release, version);
    Object.defineProperty(scope, RELEASE_SYMBOL, { value: names });
    return names;
  }

  /** The default release of a deployment with construct id `id`: the id in ASCII lower case, other characters as '-'. */
  public static releaseFromId(id: string): string {
    return asciiLower(id).replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  }

  /** @internal */
  constructor(
    /** The release. */
    public readonly release: string,
    /** The Airflow version, for the `app.kubernetes.io/version` label. */
    public readonly version: string | undefined) {
  }

  /**
   * The name of an object of `kind`: `<release>-<component>[-<part>]`, checked against the kind's limit and against
   * the names already taken in the namespace.
   */
  public name(scope: IConstruct, kind: string, component: string, part?: string): string {
    const name = [this.release, component, part].filter(p => p !== undefined && p !== '').join('-');
    const limit = NAME_LIMITS[kind] ?? DEFAULT_NAME_LIMIT;
    if (name.length > limit) {
      throw new Error(`'releaseName' '${this.release}' makes the ${kind} name '${name}' ${name.length} characters long, over Kubernetes' limit of ${limit}`
        + `${kind === 'Job' ? ' (63 less the content hash the name ends with)' : ''}: `
        + `give a shorter 'releaseName' (at most ${limit - (name.length - this.release.length)} characters here)${part ? ` or a shorter name than '${part}'` : ''}`);
    }
    const namespace = CLUSTER_SCOPED.has(kind) ? '' : Chart.of(scope).namespace ?? '';
    const root = scope.node.root;
    const registry = registries.get(root) ?? new Map<string, string>();
    registries.set(root, registry);
    const key = `${namespace}/${kind}/${name}`;
    const taken = registry.get(key);
    if (taken !== undefined) {
      throw new Error(`two objects would be the ${kind} '${name}'${namespace ? ` in namespace '${namespace}'` : ''} (${taken} and ${scope.node.path}): `
        + `give each AirflowDeployment in a namespace its own 'releaseName'${part ? `, and each ${component} a distinct name` : ''}`);
    }
    registry.set(key, scope.node.path);
    return name;
  }

  /** The six labels of every object and pod of `component` (`version` only where the Airflow version is known). */
  public labels(component: string): { [key: string]: string } {
    const labels: { [key: string]: string } = {
      [NAME_LABEL]: 'airflow',
      [INSTANCE_LABEL]: this.release,
      [COMPONENT_LABEL]: component,
      [PART_OF_LABEL]: 'airflow',
      [MANAGED_BY_LABEL]: 'cdk8s-airflow',
    };
    if (this.version !== undefined) labels[VERSION_LABEL] = this.version;
    return labels;
  }

  /**
   * The labels a workload selects its pods by: name, instance and component only, never the version (a selector
   * is immutable).
   */
  public selector(component: string): { [key: string]: string } {
    return { [NAME_LABEL]: 'airflow', [INSTANCE_LABEL]: this.release, [COMPONENT_LABEL]: component };
  }

  /** `metadata` for an object: its name and labels. */
  public metadata(scope: IConstruct, kind: string, component: string, part?: string): { name: string; labels: { [key: string]: string } } {
    return { name: this.name(scope, kind, component, part), labels: this.labels(component) };
  }

  /**
   * Makes a workload (created with `select: false`) select its pods by `selector(...)` plus `extra`, and labels the pods
   * with those and the six labels.
   */
  public selectPods(workload: kplus.Workload, component: string, extra: { [key: string]: string } = {}): void {
    const selector = { ...this.selector(component), ...extra };
    workload.select(kplus.LabelSelector.of({ labels: selector }));
    for (const [key, value] of Object.entries({ ...this.labels(component), ...selector })) workload.podMetadata.addLabel(key, value);
  }

  /** Labels the pods of a workload that selects none (a Job, a CronJob) with the six labels. */
  public labelPods(workload: kplus.AbstractPod & { readonly podMetadata: { addLabel(key: string, value: string): void } }, component: string): void {
    for (const [key, value] of Object.entries(this.labels(component))) workload.podMetadata.addLabel(key, value);
  }

  /** Binds `role` to `subject` through one RoleBinding per Role, named and labelled like it. */
  public bindRole(role: kplus.Role, component: string, subject: kplus.ISubject): kplus.RoleBinding {
    let binding = roleBindings.get(role);
    if (!binding) {
      binding = new kplus.RoleBinding(role, 'Binding', { metadata: this.metadata(role, 'RoleBinding', component), role });
      roleBindings.set(role, binding);
    }
    binding.addSubjects(subject);
    return binding;
  }

  /** Points a Service at the pods `selectPods` labelled. */
  public selectService(service: kplus.Service, component: string, extra: { [key: string]: string } = {}): void {
    for (const [key, value] of Object.entries({ ...this.selector(component), ...extra })) service.selectLabel(key, value);
  }
}

const DEFAULT_NAMES = new AirflowNames('airflow', undefined);

/**
 * Names a Job after everything it runs: `<name>-<hash of the rendered object>`. A Job's pod template is immutable
 * (kubernetes pkg/apis/batch/validation ValidateJobSpecUpdate: `spec.template` may not change), so a Job whose
 * content changes must be a new Job; one whose content stays the same keeps its name and is not rerun.
 *
 * @internal
 */
export function nameJobByContent(job: kplus.Job): void {
  const apiObject = ApiObject.of(job);
  const base = apiObject.name;
  const render = apiObject.toJson.bind(apiObject);
  // the hash covers the whole rendered object (JSON patches of escape hatches included) but its own name.
  apiObject.toJson = () => {
    const json = render();
    const hash = shortHash(JSON.stringify({ ...json, metadata: { ...json.metadata, name: undefined } }));
    return { ...json, metadata: { ...json.metadata, name: `${base}-${hash}` } };
  };
}
