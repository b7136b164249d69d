import * as kplus from 'cdk8s-plus-28';
import { DagSourceBindOptions } from './dag-source';

/**
 * The volume a sync source writes into: the given target volume, or an emptyDir of its own named after the source.
 *
 * @internal
 */
export function syncVolume(options: DagSourceBindOptions): kplus.Volume {
  return options.targetVolume ?? sharedEmptyDir(options, `${options.name}-volume`, options.name);
}

/**
 * A container name for this source: `base` for a single source (`name` = `dags`), `base-<subfolder>` when combined.
 *
 * @internal
 */
export function syncContainerName(base: string, options: DagSourceBindOptions): string {
  return options.name === 'dags' ? base : `${base}-${options.name.replace(/^dags-/, '')}`;
}

/**
 * A writable `/tmp` for a sync container whose root filesystem is read-only.
 *
 * @internal
 */
export function syncTmpVolume(options: DagSourceBindOptions): kplus.Volume {
  return sharedEmptyDir(options, `${options.name}-tmp`, `${options.name}-tmp`);
}

/**
 * One emptyDir `Volume` construct per source and name, made in the scope every pod shares: a cdk8s-plus `Volume`
 * only names what each pod spec lists, so one serves every pod (each pod still gets its own emptyDir).
 */
function sharedEmptyDir(options: DagSourceBindOptions, id: string, name: string): kplus.Volume {
  return (options.sharedScope.node.tryFindChild(id) as kplus.Volume | undefined) ?? kplus.Volume.fromEmptyDir(options.sharedScope, id, name);
}
