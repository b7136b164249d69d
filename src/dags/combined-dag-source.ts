import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DagSourceBindOptions, DagSourceBinding, DagVolumeMount, IDagSource } from './dag-source';
import { AirflowNames } from '../naming/airflow-names';

/** Suffixes DAG sources add to their volume name (`<name>-<suffix>`). */
const VOLUME_SUFFIXES = ['ssh-key', 'known-hosts', 'password', 'github-app', 'volume', 'tmp', 'claim'];

/**
 * One DAG source in its own subfolder of the DAG folder.
 */
export interface DagFolder {
  /** The subfolder name (a DNS label: lower-case letters, digits and '-'), e.g. the team's name. */
  readonly subfolder: string;
  /** The source filling it. */
  readonly source: IDagSource;
}

/**
 * Several DAG sources at once, each in a named subfolder of one `dags_folder` (each team's repository or
 * bucket prefix in its own folder).
 *
 * Every source mounts its own volume at `<dags folder>/<subfolder>`. An `.airflowignore` (regexp syntax)
 * limits parsing to the folder each source publishes (e.g. `team-a/repo/dags`), so sync bookkeeping such as
 * git-sync's `.worktrees` and other files of a repository are never parsed.
 */
export class CombinedDagSource implements IDagSource {
  private readonly folders: DagFolder[];

  constructor(folders: DagFolder[]) {
    if (folders.length === 0) {
      throw new Error('DagSource.combine: give at least one { subfolder, source }');
    }
    const seen = new Set<string>();
    for (const { subfolder } of folders) {
      if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(subfolder)) {
        throw new Error(`DagSource.combine: subfolder '${subfolder}' must be 1-42 lower-case letters, digits and '-', starting and ending with a letter or digit`);
      }
      if (seen.has(subfolder)) {
        throw new Error(`DagSource.combine: two sources use subfolder '${subfolder}': give each source its own subfolder`);
      }
      seen.add(subfolder);
    }
    // each source names its volumes `dags-<subfolder>` plus these suffixes (git-sync-sidecar.ts, sync-volume.ts,
    // pvc-dag-source.ts): a subfolder that is another one plus a suffix would give two volumes one name.
    for (const { subfolder } of folders) {
      const clash = folders.find(f => f.subfolder !== subfolder && VOLUME_SUFFIXES.some(s => subfolder === `${f.subfolder}-${s}`));
      if (clash) {
        throw new Error(`DagSource.combine: subfolder '${subfolder}' collides with the volume names of subfolder '${clash.subfolder}' `
          + `(volumes are named 'dags-<subfolder>-${VOLUME_SUFFIXES.join('|')}'): rename subfolder '${subfolder}'`);
      }
    }
    this.folders = [...folders];
  }

  public bind(pod: kplus.AbstractPod, options: DagSourceBindOptions): DagSourceBinding {
    if (options.targetVolume) {
      throw new Error('DagSource.combine cannot write into a shared volume: populate a shared volume from a single source');
    }
    const mounts: DagVolumeMount[] = [];
    const ignoreRules: string[] = [];
    let env: { [name: string]: kplus.EnvValue } = {};
    this.folders.forEach(({ subfolder, source }, index) => {
      const mountPath = `${options.mountPath}/${subfolder}`;
      const sharedScope = options.sharedScope.node.tryFindChild(subfolder) ?? new Construct(options.sharedScope, subfolder);
      const binding = source.bind(pod, { ...options, mountPath, name: `dags-${subfolder}`, index, sharedScope });
      if (binding.dagsFolder !== mountPath && !binding.dagsFolder.startsWith(`${mountPath}/`)) {
        throw new Error(`DagSource.combine: the source in subfolder '${subfolder}' puts DAGs in '${binding.dagsFolder}', outside '${mountPath}': `
          + 'only sources that mount their files (git, S3, volumes) can be combined');
      }
      mounts.push(...(binding.mounts ?? []));
      env = { ...env, ...binding.envVariables };
      ignoreRules.push(ignoreOutside(subfolder, binding.dagsFolder.slice(mountPath.length + 1)));
    });

    const ignoreFile = ignoreRules.join('\n') + '\n';
    const configMap = (options.sharedScope.node.tryFindChild('AirflowIgnore') as kplus.ConfigMap | undefined)
      ?? new kplus.ConfigMap(options.sharedScope, 'AirflowIgnore', {
        metadata: AirflowNames.of(options.config).metadata(options.sharedScope, 'ConfigMap', 'dags', 'airflowignore'),
        data: { '.airflowignore': ignoreFile },
      });
    const ignoreVolume = kplus.Volume.fromConfigMap(options.podScope, 'AirflowIgnoreVolume', configMap, { name: 'dags-airflowignore' });
    mounts.push({ path: `${options.mountPath}/.airflowignore`, volume: ignoreVolume, subPath: '.airflowignore' });
    options.config.setOwned('core', 'dag_ignore_file_syntax', 'regexp', 'dagSource (DagSource.combine writes an .airflowignore in regexp syntax)');
    return { dagsFolder: options.mountPath, mounts, envVariables: env };
  }
}

/**
 * A regexp ignoring everything in `subfolder` except the path to `published` and what is below it.
 * E.g. `team-a` + `repo/dags` → `^team\-a/(?!repo(/dags(/.*)?)?$)`.
 */
function ignoreOutside(subfolder: string, published: string): string {
  const parts = published.split('/').filter(p => p !== '').map(escapeRegExp);
  const sub = escapeRegExp(subfolder);
  // a source publishing its whole subfolder: only hidden bookkeeping entries are ignored.
  return parts.length === 0 ? `^${sub}/\\.` : `^${sub}/(?!${allowedPath(parts)}$)`;
}

/** `['repo', 'dags']` → `repo(/dags(/.*)?)?`: the path itself, its ancestors and everything below it. */
function allowedPath(parts: string[]): string {
  const [first, ...rest] = parts;
  return rest.length === 0 ? `${first}(/.*)?` : `${first}(/${allowedPath(rest)})?`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}
