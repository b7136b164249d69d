import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowVersion, DagPodMode, GitAuth, GitSubmodules, GitSyncSidecar } from '../../src';
import { bindOptions, containerNames, podTemplate } from '../support/dags';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, env, podSpec, testChart } from '../support/synth';

const KNOWN_HOSTS = 'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

function bindTo(source: GitSyncSidecar, mode: DagPodMode, version?: AirflowVersion) {
  const chart = testChart();
  const pod = new kplus.Pod(chart, 'Pod', { containers: [{ name: 'airflow', image: 'apache/airflow:3.2.2' }] });
  const options = bindOptions(chart, pod, mode, version);
  const binding = source.bind(pod, options);
  return { chart, binding, spec: Testing.synth(chart).find(m => m.kind === 'Pod').spec, manifests: Testing.synth(chart), config: options.config };
}

describe('GitSyncSidecar on one pod', () => {
  test('a long-running pod gets a one-shot init container and a sidecar with v4 flags only', () => {
    const { spec, binding, config } = bindTo(new GitSyncSidecar({ repo: 'https://github.com/org/dags.git', gitRef: 'main', subPath: 'dags/' }), DagPodMode.LONG_RUNNING);
    expect(containerNames(spec)).toEqual({ init: ['git-sync-init'], main: ['airflow', 'git-sync'] });
    const init = container(spec, 'git-sync-init');
    expect(init.image).toBe('registry.k8s.io/git-sync/git-sync:v4.7.1');
    expect(init.args).toEqual([
      '--repo=https://github.com/org/dags.git', '--ref=main', '--root=/git', '--link=repo', '--depth=1', '--submodules=recursive',
      '--sync-timeout=120s', '--max-failures=3', '--one-time', '--git-gc=off',
    ]);
    const sidecar = container(spec, 'git-sync');
    expect(sidecar.args).toEqual([
      '--repo=https://github.com/org/dags.git', '--ref=main', '--root=/git', '--link=repo', '--depth=1', '--submodules=recursive',
      '--sync-timeout=120s', '--max-failures=-1', '--period=60s', '--http-bind=:8000',
    ]);
    expect(sidecar.readinessProbe.httpGet).toEqual({ path: '/', port: 8000, scheme: 'HTTP' });
    expect(sidecar.startupProbe.httpGet.port).toBe(8000);
    for (const c of [init, sidecar]) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsGroup: 65533,
        runAsNonRoot: true,
        runAsUser: 65533,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.env.map((e: any) => e.name).filter((n: string) => n.startsWith('GIT'))).toEqual([]);
      expect(c.resources).toEqual({ limits: { memory: '256Mi' }, requests: { cpu: '10m', memory: '64Mi' } });
      expect(c.volumeMounts).toEqual([{ mountPath: '/git', name: 'dags' }, { mountPath: '/tmp', name: 'dags-tmp' }]);
    }
    expect(binding.dagsFolder).toBe('/opt/airflow/dags/repo/dags');
    expect(binding.mounts!.map(m => [m.path, m.volume.name, m.subPath])).toEqual([['/opt/airflow/dags', 'dags', undefined]]);
    expect(config.get('dag_processor', 'refresh_interval')).toBe('60');
  });

  test('a task pod gets the init container only', () => {
    const { spec } = bindTo(new GitSyncSidecar({ repo: 'https://github.com/org/dags.git' }), DagPodMode.TASK);
    expect(containerNames(spec)).toEqual({ init: ['git-sync-init'], main: ['airflow'] });
  });

  test('SSH: the key from the Secret (mode 0440) and known_hosts from one ConfigMap', () => {
    const chart = testChart();
    const key = kplus.Secret.fromSecretName(chart, 'Key', 'git-key');
    const source = new GitSyncSidecar({ repo: 'git@github.com:org/dags.git', auth: GitAuth.ssh({ privateKey: { secret: key, key: 'id_ed25519' }, knownHosts: KNOWN_HOSTS }) });
    const a = new kplus.Pod(chart, 'A', { containers: [{ image: 'x' }] });
    const b = new kplus.Pod(chart, 'B', { containers: [{ image: 'x' }] });
    source.bind(a, bindOptions(chart, a, DagPodMode.LONG_RUNNING));
    source.bind(b, { ...bindOptions(chart, b, DagPodMode.TASK) });
    const manifests = Testing.synth(chart);
    const knownHosts = manifests.filter(m => m.kind === 'ConfigMap' && m.data.known_hosts);
    expect(knownHosts).toHaveLength(1);
    expect(knownHosts[0].data.known_hosts).toBe(`${KNOWN_HOSTS}\n`);
    const spec = manifests.find(m => m.kind === 'Pod' && m.metadata.name.includes('-a-')).spec;
    expect(spec.volumes).toContainEqual({ name: 'dags-ssh-key', secret: { secretName: 'git-key', defaultMode: 0o440, items: [{ key: 'id_ed25519', path: 'key' }] } });
    const sidecar = container(spec, 'git-sync');
    expect(sidecar.args).toEqual(expect.arrayContaining([
      '--ssh-key-file=/etc/git-secret/ssh/key', '--ssh-known-hosts=true', '--ssh-known-hosts-file=/etc/git-secret/known-hosts/known_hosts',
    ]));
    expect(sidecar.volumeMounts).toContainEqual({ mountPath: '/etc/git-secret/ssh', name: 'dags-ssh-key', readOnly: true });
    expect(sidecar.volumeMounts).toContainEqual({ mountPath: '/etc/git-secret/known-hosts', name: 'dags-known-hosts', readOnly: true });
  });

  test('SSH without host key checking only when asked explicitly', () => {
    const chart = testChart();
    const key = kplus.Secret.fromSecretName(chart, 'Key', 'git-key');
    const { spec } = bindTo(new GitSyncSidecar({
      repo: 'ssh://git@git.example.com/org/dags.git', auth: GitAuth.ssh({ privateKey: { secret: key, key: 'ssh' }, disableHostKeyChecking: true }),
    }), DagPodMode.TASK);
    expect(container(spec, 'git-sync-init').args).toContain('--ssh-known-hosts=false');
    expect(spec.volumes.map((v: any) => v.name)).not.toContain('dags-known-hosts');
  });

  test('HTTPS: user name as a flag, password as a file from the Secret', () => {
    const chart = testChart();
    const token = kplus.Secret.fromSecretName(chart, 'Token', 'git-token');
    const { spec } = bindTo(new GitSyncSidecar({ repo: 'https://gitlab.example.com/org/dags.git', auth: GitAuth.https({ username: 'bot', password: { secret: token, key: 'token' } }) }), DagPodMode.TASK);
    const init = container(spec, 'git-sync-init');
    expect(init.args).toEqual(expect.arrayContaining(['--username=bot', '--password-file=/etc/git-secret/https/password']));
    expect(spec.volumes).toContainEqual({ name: 'dags-password', secret: { secretName: 'git-token', defaultMode: 0o440, items: [{ key: 'token', path: 'password' }] } });
    expect(JSON.stringify(init.env)).not.toContain('git-token');
  });

  test('GitHub App credentials', () => {
    const chart = testChart();
    const pem = kplus.Secret.fromSecretName(chart, 'Pem', 'app-key');
    const { spec } = bindTo(new GitSyncSidecar({
      repo: 'https://github.com/org/dags.git',
      auth: GitAuth.githubApp({ applicationId: 123, installationId: 456, privateKey: { secret: pem, key: 'pem' }, baseUrl: 'https://ghe.example.com/api/v3/' }),
    }), DagPodMode.TASK);
    expect(container(spec, 'git-sync-init').args).toEqual(expect.arrayContaining([
      '--github-app-application-id=123', '--github-app-installation-id=456', '--github-app-private-key-file=/etc/git-secret/github-app/private-key',
      '--github-base-url=https://ghe.example.com/api/v3/',
    ]));
  });

  test('a v3 image gets v3 flags only', () => {
    const chart = testChart();
    const key = kplus.Secret.fromSecretName(chart, 'Key', 'git-key');
    const { spec } = bindTo(new GitSyncSidecar({
      repo: 'git@github.com:org/dags.git',
      gitRef: 'release',
      image: 'registry.k8s.io/git-sync/git-sync:v3.6.9',
      period: Duration.seconds(30),
      auth: GitAuth.ssh({ privateKey: { secret: key, key: 'ssh' }, knownHosts: KNOWN_HOSTS }),
    }), DagPodMode.LONG_RUNNING);
    expect(container(spec, 'git-sync').args).toEqual([
      '--repo=git@github.com:org/dags.git', '--branch=release', '--rev=HEAD', '--root=/git', '--dest=repo', '--depth=1', '--submodules=recursive',
      '--timeout=120', '--max-sync-failures=-1', '--wait=30', '--http-bind=:8000',
      '--ssh', '--ssh-key-file=/etc/git-secret/ssh/key', '--ssh-known-hosts=true', '--ssh-known-hosts-file=/etc/git-secret/known-hosts/known_hosts',
    ]);
    const full = 'a'.repeat(40);
    const pinned = bindTo(new GitSyncSidecar({ repo: 'https://x.example.com/r.git', gitRef: full, image: 'registry.k8s.io/git-sync/git-sync:v3.6.9' }), DagPodMode.TASK);
    expect(container(pinned.spec, 'git-sync-init').args).toContain(`--rev=${full}`);
  });

  test('options: depth, timeouts, submodules, failures, proxy, extra flags and env', () => {
    const { spec, config } = bindTo(new GitSyncSidecar({
      repo: 'https://github.com/org/dags.git',
      depth: 0,
      period: Duration.minutes(2),
      syncTimeout: Duration.minutes(5),
      submodules: GitSubmodules.OFF,
      maxFailures: 10,
      initMaxFailures: 0,
      httpProxy: 'http://proxy:3128',
      noProxy: ['10.0.0.0/8', '.cluster.local'],
      extraFlags: ['--stale-worktree-timeout=5m'],
      extraEnv: { GITSYNC_VERBOSE: kplus.EnvValue.fromValue('2') },
      resources: { cpu: { request: kplus.Cpu.millis(50) } },
    }), DagPodMode.LONG_RUNNING, AirflowVersion.V2_11_0);
    const sidecar = container(spec, 'git-sync');
    expect(sidecar.args).toEqual(expect.arrayContaining(['--depth=0', '--period=120s', '--sync-timeout=300s', '--submodules=off', '--max-failures=10', '--stale-worktree-timeout=5m']));
    expect(container(spec, 'git-sync-init').args).toContain('--max-failures=0');
    expect(env(sidecar, 'HTTPS_PROXY').value).toBe('http://proxy:3128');
    expect(env(sidecar, 'NO_PROXY').value).toBe('10.0.0.0/8,.cluster.local');
    expect(env(sidecar, 'GITSYNC_VERBOSE').value).toBe('2');
    expect(sidecar.resources).toEqual({ requests: { cpu: '50m' } });
    expect(config.get('scheduler', 'dag_dir_list_interval')).toBe('120');
  });

  test('fails on bad input, naming the prop and the fix', () => {
    const chart = testChart();
    const key = { secret: kplus.Secret.fromSecretName(chart, 'Key', 'k'), key: 'ssh' };
    const cases: Array<[() => unknown, string]> = [
      [() => new GitSyncSidecar({ repo: 'github.com/org/dags' }), "GitSyncSidecar: 'repo' must be an https://, ssh:// or git@host:path URL, got 'github.com/org/dags'"],
      [() => new GitSyncSidecar({ repo: 'git@github.com:org/dags.git' }), "GitSyncSidecar: 'repo' git@github.com:org/dags.git is an SSH URL, which needs 'auth: GitAuth.ssh({ privateKey, knownHosts })'"],
      [() => new GitSyncSidecar({ repo: 'https://github.com/org/dags.git', auth: GitAuth.ssh({ privateKey: key, knownHosts: KNOWN_HOSTS }) }),
        "GitSyncSidecar: 'auth' is GitAuth.ssh but 'repo' https://github.com/org/dags.git is not an SSH URL: use ssh://... or git@host:path, or GitAuth.https"],
      [() => new GitSyncSidecar({ repo: 'http://git.example.com/dags.git', auth: GitAuth.https({ username: 'u', password: key }) }),
        "GitSyncSidecar: 'repo' http://git.example.com/dags.git uses plain http, which would send credentials in clear text: use https://"],
      [() => GitAuth.ssh({ privateKey: key }), "GitAuth.ssh: 'knownHosts' is required so that git-sync can verify the git host: set it to the host's key lines (e.g. the output of `ssh-keyscan github.com`"],
      [() => GitAuth.ssh({ privateKey: key, knownHosts: KNOWN_HOSTS, disableHostKeyChecking: true }), "GitAuth.ssh: set either 'knownHosts' or 'disableHostKeyChecking', not both"],
      [() => GitAuth.https({ username: '', password: key }), "GitAuth.https: 'username' must not be empty (for a token, use the token's user or 'git')"],
      [() => GitAuth.githubApp({ applicationId: 0, installationId: 1, privateKey: key }), "GitAuth.githubApp: 'applicationId' must be a positive whole number, got 0"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', gitRef: 'abc1234' }), "GitSyncSidecar: 'gitRef' abc1234 looks like an abbreviated commit SHA: git-sync needs the full 40-character SHA"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', gitRef: 'my branch' }), "GitSyncSidecar: 'gitRef' must be a branch, tag or full commit SHA, got 'my branch'"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', subPath: '../etc' }), "GitSyncSidecar: 'subPath' must stay inside the repository, got '../etc'"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', depth: -1 }), "GitSyncSidecar: 'depth' must be a whole number >= 0 (0 = full history), got -1"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', period: Duration.seconds(1) }), "GitSyncSidecar: 'period' must be at least 5 seconds, got 1 second"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', syncTimeout: Duration.seconds(5) }), "GitSyncSidecar: 'syncTimeout' must be at least 10 seconds, got 5 seconds"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', maxFailures: -2 }), "GitSyncSidecar: 'maxFailures' must be a whole number >= -1 (-1 retries forever), got -2"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', image: 'registry.k8s.io/git-sync/git-sync:latest' }),
        "GitSyncSidecar: 'image' must carry a version tag such as ':v4.7.1' (optionally followed by '@sha256:...'), got 'registry.k8s.io/git-sync/git-sync:latest'"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', image: 'registry.k8s.io/git-sync/git-sync:v2.0.6' }),
        "GitSyncSidecar: git-sync 2.x is not supported ('image' registry.k8s.io/git-sync/git-sync:v2.0.6): use v4 (or v3)"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', image: 'registry.k8s.io/git-sync/git-sync:v3.6.9', auth: GitAuth.githubApp({ applicationId: 1, installationId: 2, privateKey: key }) }),
        "GitSyncSidecar: GitAuth.githubApp needs git-sync v4.3 or later, but 'image' is a v3 image"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', extraFlags: ['-v=2'] }), "GitSyncSidecar: 'extraFlags' entries must be git-sync flags starting with '--', got '-v=2'"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', extraEnv: { GIT_SYNC_WAIT: kplus.EnvValue.fromValue('5') } }),
        "GitSyncSidecar: 'extraEnv' GIT_SYNC_WAIT belongs to the other git-sync generation than the v4 image (git-sync v4.4+ lets old GIT_SYNC_* names override the flags): use GITSYNC_* names or extraFlags"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', image: 'registry.k8s.io/git-sync/git-sync:v3.6.9', extraEnv: { GITSYNC_REF: kplus.EnvValue.fromValue('x') } }),
        "GitSyncSidecar: 'extraEnv' GITSYNC_REF belongs to the other git-sync generation than the v3 image"],
      [() => new GitSyncSidecar({ repo: 'https://x.example.com/r.git', httpProxy: 'proxy:3128' }), "GitSyncSidecar: 'httpProxy' must be an http:// or https:// URL, got 'proxy:3128'"],
    ];
    for (const [build, message] of cases) {
      expect(build).toThrow(message);
    }
  });
});

describe('GitSyncSidecar in an AirflowDeployment', () => {
  function deploy(version: AirflowVersion) {
    const chart = testChart();
    const key = kplus.Secret.fromSecretName(chart, 'Key', 'git-ssh');
    new AirflowDeployment(chart, 'Airflow', {
      airflowVersion: version,
      dagSource: new GitSyncSidecar({ repo: 'git@github.com:org/dags.git', gitRef: 'main', subPath: 'dags', auth: GitAuth.ssh({ privateKey: { secret: key, key: 'ssh' }, knownHosts: KNOWN_HOSTS }) }),
    });
    return Testing.synth(chart);
  }
  const byComponent = (manifests: any[], component: string) => podSpec(manifests.find(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === component));

  test('Airflow 3: dag-processor and triggerer sync, task pods sync once, scheduler and API server get nothing', () => {
    const manifests = deploy(AirflowVersion.V3_2_2);
    expectValidManifests(manifests, { external: { secrets: ['git-ssh'] } });
    for (const component of ['dag-processor', 'triggerer']) {
      expect(containerNames(byComponent(manifests, component))).toEqual({ init: ['wait-for-airflow-migrations', 'git-sync-init'], main: [component, 'git-sync'] });
      expect(container(byComponent(manifests, component), component).volumeMounts).toContainEqual({ mountPath: '/opt/airflow/dags', name: 'dags', readOnly: true });
    }
    for (const component of ['scheduler', 'api-server']) {
      expect(containerNames(byComponent(manifests, component)).main).toEqual([component]);
    }
    const template = podTemplate(manifests);
    expect(containerNames(template.spec)).toEqual({ init: ['git-sync-init'], main: ['base'] });
    expect(template.spec.containers[0].volumeMounts).toContainEqual({ mountPath: '/opt/airflow/dags', name: 'dags', readOnly: true });
    expect(airflowCfg(manifests)['core.dags_folder']).toBe('/opt/airflow/dags/repo/dags');
    expect(manifests.filter(m => m.kind === 'ConfigMap' && m.data.known_hosts)).toHaveLength(1);
  });

  test('Airflow 2: the scheduler parses DAGs and syncs them; the webserver does not', () => {
    const manifests = deploy(AirflowVersion.V2_11_0);
    expectValidManifests(manifests, { external: { secrets: ['git-ssh'] } });
    expect(containerNames(byComponent(manifests, 'scheduler')).main).toEqual(['scheduler', 'git-sync']);
    expect(containerNames(byComponent(manifests, 'webserver')).main).toEqual(['webserver']);
    expect(airflowCfg(manifests)['scheduler.dag_dir_list_interval']).toBe('60');
  });
});
