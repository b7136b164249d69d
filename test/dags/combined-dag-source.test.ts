import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, DagSource, GitSyncSidecar } from '../../src';
import { containerNames, podTemplate } from '../support/dags';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, podSpec, testChart } from '../support/synth';

const teamA = new GitSyncSidecar({ repo: 'https://github.com/org/team-a.git', subPath: 'dags' });
const teamB = new GitSyncSidecar({ repo: 'https://github.com/org/team-b.git' });

describe('DagSource.combine', () => {
  test('each source in its own subfolder, one dags_folder, an .airflowignore limiting parsing', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { dagSource: DagSource.combine([{ subfolder: 'team-a', source: teamA }, { subfolder: 'team-b', source: teamB }]) });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests);
    const cfg = airflowCfg(manifests);
    expect(cfg['core.dags_folder']).toBe('/opt/airflow/dags');
    expect(cfg['core.dag_ignore_file_syntax']).toBe('regexp');
    const ignore = manifests.filter(m => m.kind === 'ConfigMap' && m.data['.airflowignore']);
    expect(ignore).toHaveLength(1);
    expect(ignore[0].data['.airflowignore']).toBe('^team\\-a/(?!repo(/dags(/.*)?)?$)\n^team\\-b/(?!repo(/.*)?$)\n');

    const spec = podSpec(manifests.find(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === 'dag-processor'));
    expect(containerNames(spec)).toEqual({
      init: ['wait-for-airflow-migrations', 'git-sync-init-team-a', 'git-sync-init-team-b'],
      main: ['dag-processor', 'git-sync-team-a', 'git-sync-team-b'],
    });
    expect(container(spec, 'git-sync-team-a').args).toContain('--http-bind=:8000');
    expect(container(spec, 'git-sync-team-b').args).toContain('--http-bind=:8001');
    expect(container(spec, 'dag-processor').volumeMounts).toEqual(expect.arrayContaining([
      { mountPath: '/opt/airflow/dags/team-a', name: 'dags-team-a', readOnly: true },
      { mountPath: '/opt/airflow/dags/team-b', name: 'dags-team-b', readOnly: true },
      { mountPath: '/opt/airflow/dags/.airflowignore', name: 'dags-airflowignore', readOnly: true, subPath: '.airflowignore' },
    ]));
    expect(containerNames(podTemplate(manifests).spec)).toEqual({ init: ['git-sync-init-team-a', 'git-sync-init-team-b'], main: ['base'] });
  });

  test('the ignore rules keep exactly the published folders (checked with the same regexp semantics as Airflow)', () => {
    const rules = ['^team\\-a/(?!repo(/dags(/.*)?)?$)', '^team\\-b/(?!repo(/.*)?$)'].map(r => new RegExp(r));
    const ignored = (path: string) => rules.some(r => r.test(path));
    for (const kept of ['team-a', 'team-a/repo', 'team-a/repo/dags', 'team-a/repo/dags/etl/x.py', 'team-b/repo', 'team-b/repo/y.py']) {
      expect(ignored(kept), kept).toBe(false);
    }
    for (const dropped of ['team-a/.worktrees', 'team-a/repo/tests', 'team-a/repo/dagsx', 'team-b/.worktrees/abc/y.py']) {
      expect(ignored(dropped), dropped).toBe(true);
    }
  });

  test('fails on an empty list, a bad or repeated subfolder, and a source outside its subfolder', () => {
    expect(() => DagSource.combine([])).toThrow('DagSource.combine: give at least one { subfolder, source }');
    expect(() => DagSource.combine([{ subfolder: 'Team_A', source: teamA }]))
      .toThrow("DagSource.combine: subfolder 'Team_A' must be 1-42 lower-case letters, digits and '-', starting and ending with a letter or digit");
    expect(() => DagSource.combine([{ subfolder: 'etl', source: teamA }, { subfolder: 'etl', source: teamB }]))
      .toThrow("DagSource.combine: two sources use subfolder 'etl': give each source its own subfolder");
    const chart = testChart();
    expect(() => new AirflowDeployment(chart, 'Airflow', { dagSource: DagSource.combine([{ subfolder: 'img', source: DagSource.fromImage('/opt/dags') }]) }))
      .toThrow("DagSource.combine: the source in subfolder 'img' puts DAGs in '/opt/dags', outside '/opt/airflow/dags/img': only sources that mount their files (git, S3, volumes) can be combined");
  });

  test('cannot be the writer of a shared volume', () => {
    const chart = testChart();
    const pod = new kplus.Pod(chart, 'Pod');
    const volume = kplus.Volume.fromEmptyDir(chart, 'V', 'v');
    expect(() => DagSource.combine([{ subfolder: 'a', source: teamA }]).bind(pod, {
      mode: 'LongRunning' as any, mountPath: '/d', name: 'dags', podScope: pod, sharedScope: chart, config: {} as any, targetVolume: volume,
    })).toThrow('DagSource.combine cannot write into a shared volume: populate a shared volume from a single source');
  });
});
