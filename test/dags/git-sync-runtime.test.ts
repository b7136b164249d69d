import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { expect, test } from 'vitest';
import { GitSyncSidecar } from '../../src';
import { CACHE_DIR, describeWith } from '../support/real-components';
import { podSpec, synthDeployment } from '../support/synth';

/**
 * The real git-sync (the version GitSyncSidecar pins) run with the init container's rendered flags against a local
 * repository. Its module must come from the Go module proxy (scripts/setup/git-sync.sh); when the proxy refuses it,
 * this says SKIPPED with the proxy's answer.
 */
describeWith(['git-sync'], 'git-sync v4 with the rendered flags', () => {
  test('the one-shot init container syncs the repository and publishes the link Airflow reads', () => {
    const repo = mkdtempSync(join(tmpdir(), 'dags-repo-'));
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, 'hello_dag.py'), 'print("hello")\n');
    execFileSync('git', ['-C', repo, 'add', '.']);
    execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'dag']);

    const { manifests } = synthDeployment({ dagSource: new GitSyncSidecar({ repo: 'https://github.com/example/dags.git', gitRef: 'main' }) });
    const init = (podSpec(manifests.find(m => m.kind === 'Deployment' && m.metadata.name === 'airflow-dag-processor')).initContainers as any[])
      .find(c => c.image.includes('git-sync'));
    const root = mkdtempSync(join(tmpdir(), 'git-sync-root-'));
    const flags = (init.args as string[]).map(a => a.startsWith('--repo=') ? `--repo=file://${repo}` : a.startsWith('--root=') ? `--root=${root}` : a);
    expect(flags).toContain('--one-time');
    execFileSync(join(CACHE_DIR, 'bin', 'git-sync-v4.7.1'), flags, { stdio: 'pipe', timeout: 60_000 });
    const link = flags.find(f => f.startsWith('--link='))!.slice('--link='.length);
    expect(existsSync(join(root, link, 'hello_dag.py'))).toBe(true);
    expect(readFileSync(join(root, link, 'hello_dag.py'), 'utf-8')).toBe('print("hello")\n');
  });
});
