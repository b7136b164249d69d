import { beforeAll, expect, it } from 'vitest';
import * as YAML from 'yaml';
import { deploymentCase, RealCase, realCases } from './cases';
import { airflowContainers, expectEmpty, knownBrokenOr, mainContainer, processOf, renderedSettings, runChecks, STAND_INS } from './support';
import { AIRFLOW_VENV_VERSIONS, canEmulatePods, podSpecOf, podTemplateConfigMap } from '../support/real-airflow';
import { describeWith } from '../support/real-components';

/**
 * Airflow's own configuration code reads what we render. For each case, ONE Python process (Airflow's import costs
 * seconds) loads `airflow.configuration.conf` from our airflow.cfg at /opt/airflow/airflow.cfg and, for every
 * container that mounts it, swaps in that container's env and asks every key we set:
 * - the key is one Airflow (core + the installed providers) knows (`conf.configuration_description`), or the
 *   `_cmd` form of a sensitive one (`conf.sensitive_config_values`; Airflow reads `_cmd` only for those,
 *   airflow-core/src/airflow/configuration.py `_get_cmd_option` in 3.2.2, airflow/configuration.py in 2.11);
 * - `conf.get` returns what the library meant (`AirflowConfig.get`, before rendering), or the container's
 *   `AIRFLOW__SECTION__KEY` env value, which Airflow puts first;
 * - typed keys (integer, boolean, float in Airflow's description) parse with `getint`/`getboolean`/`getfloat`;
 * - no warning (deprecated or moved option) is raised;
 * - `_cmd` settings run (`shlex.split`, no shell) and print the URL the container needs.
 * Then `airflow config lint` (Airflow 3, airflow-core/src/airflow/cli/commands/config_command.py `lint_config`)
 * runs in the same process.
 */

/**
 * `airflow config lint` notes on options whose Airflow 3 default changed (`ConfigChange(default_change=True)`),
 * printed whenever the option has another value: we set `[core] executor` on purpose.
 */
const LINT_NOTES_ON_PURPOSE = [/^Changed default value of `executor` in `core` from `SequentialExecutor` to `LocalExecutor`\. You currently have `[A-Za-z,]+` set\.\s*$/];

interface ConfigResult { readonly case: RealCase; readonly version: string; readonly result: any; readonly podTemplate?: any }

interface CheckOptions {
  /** changes the rendered airflow.cfg (to prove the oracle fails) */
  readonly mutate?: (cfg: string) => string;
  /** keys to ask besides the rendered ones */
  readonly extraKeys?: string[];
  /** a task's pod_override for the KubernetesExecutor check; when given, that check runs too */
  readonly podOverride?: unknown;
  /** changes the pod template file (to prove the oracle fails) */
  readonly mutateTemplate?: (yaml: string) => string;
}

async function checkCase(c: RealCase, options: CheckOptions = {}): Promise<ConfigResult> {
  const { mutate, extraKeys = [], podOverride, mutateTemplate } = options;
  const version = c.airflow.version.version;
  const settings = renderedSettings(c);
  const containers = airflowContainers(c.manifests);
  const scheduler = processOf(c, mainContainer(c, 'scheduler'));
  const pod = {
    ...scheduler,
    files: scheduler.files.map(f => f.path === '/opt/airflow/airflow.cfg' && mutate ? { ...f, content: mutate(f.content) }
      : f.path.endsWith('/pod_template_file.yaml') && mutateTemplate ? { ...f, content: mutateTemplate(f.content) } : f),
  };
  const components = containers.map(a => {
    const env = processOf(c, a).env;
    const envKeys = Object.keys(env).filter(n => /^AIRFLOW__[A-Z0-9_]+__[A-Z0-9_]+$/.test(n))
      .map(n => { const [, s, k] = /^AIRFLOW__([A-Z0-9_]+?)__(.+)$/.exec(n)!; return `${s.toLowerCase()}.${k.toLowerCase()}`; });
    // a Celery worker imports our celery_config_options module the way the provider does (celery_executor_utils
    // builds its app from conf.getimport('celery', 'celery_config_options'), with $AIRFLOW_HOME/config on sys.path)
    const python = a.containerName === 'worker' && settings['celery.celery_config_options'] !== undefined ? CELERY_APP_PY : undefined;
    return { name: a.id, env, env_keys: envKeys, python };
  });
  const withTemplate = podOverride !== undefined;
  const results = await runChecks(version, pod, {
    checks: withTemplate ? ['config', 'pod_template'] : ['config'],
    config: { keys: [...Object.keys(settings), ...extraKeys], components, process_env_keys: Object.keys(scheduler.env) },
    pod_template: { override: podOverride },
  });
  return { case: c, version, result: results.config, podTemplate: results.pod_template };
}

const CELERY_APP_PY = `
from airflow.providers.celery.executors import celery_executor_utils as u
RESULT = {"broker_url": u.app.conf.broker_url, "worker_prefetch_multiplier": u.app.conf.worker_prefetch_multiplier,
          "task_default_queue": u.app.conf.task_default_queue}
`;

/** What `conf.get(section, key)` must return for a container: its env first (Airflow's order), else our model's value. */
function intended(c: RealCase, env: Record<string, string>, name: string): string | undefined {
  const [section, key] = name.split('.');
  const fromEnv = env[`AIRFLOW__${section.toUpperCase()}__${key.toUpperCase()}`];
  return fromEnv ?? c.airflow.config.get(section, key);
}

/** A task's `executor_config={"pod_override": ...}` as DAG authors write it: more resources, an env var, a scratch volume. */
const TASK_POD_OVERRIDE = {
  apiVersion: 'v1',
  kind: 'Pod',
  spec: {
    containers: [{
      name: 'base',
      env: [{ name: 'TASK_ONLY', value: '1' }],
      resources: { requests: { cpu: '2', memory: '4Gi' } },
      volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
    }],
    volumes: [{ name: 'scratch', emptyDir: {} }],
  },
};

function hasPodTemplate(c: RealCase): boolean {
  return c.manifests.some(m => m.kind === 'ConfigMap' && m.data?.['pod_template_file.yaml'] !== undefined);
}

/** Checks the executor's merged pod against our template; returns the problems. */
function podProblems(c: RealCase, result: any): string[] {
  const problems: string[] = [];
  const template = podTemplateConfigMap(c.manifests).pod;
  const pod = result.pod;
  const check = (ok: boolean, what: string) => { if (!ok) problems.push(what); };
  const same = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
  check(same(result.base, template), `the provider's model of our template differs from it (a field the k8s client drops or renames): ${JSON.stringify(result.base)}`);
  const tBase = template.spec.containers.find((x: any) => x.name === 'base');
  const base = pod.spec.containers[0];
  check(pod.spec.containers.filter((x: any) => x.name === 'base').length === 1 && base.name === 'base', `containers[0] is '${base.name}', not 'base'`);
  check(same(pod.spec.securityContext, template.spec.securityContext), `pod securityContext ${JSON.stringify(pod.spec.securityContext)}`);
  check(same(base.securityContext, tBase?.securityContext), `base securityContext ${JSON.stringify(base.securityContext)}`);
  check(base.image === tBase?.image, `image ${base.image} (the executor's kube_image ${result.kube_image}) is not the template's ${tBase?.image}`);
  for (const m of tBase?.volumeMounts ?? []) check((base.volumeMounts ?? []).some((x: any) => same(x, m)), `mount ${JSON.stringify(m)} lost`);
  check((base.volumeMounts ?? []).some((x: any) => x.mountPath === '/scratch'), 'the task\'s scratch mount lost');
  for (const v of template.spec.volumes ?? []) check((pod.spec.volumes ?? []).some((x: any) => same(x, v)), `volume ${v.name} lost`);
  check((pod.spec.volumes ?? []).some((x: any) => x.name === 'scratch'), 'the task\'s scratch volume lost');
  for (const e of tBase?.env ?? []) check((base.env ?? []).some((x: any) => same(x, e)), `env ${e.name} lost`);
  for (const n of ['AIRFLOW_IS_K8S_EXECUTOR_POD', 'TASK_ONLY']) check((base.env ?? []).some((x: any) => x.name === n), `env ${n} missing`);
  check(same(base.resources?.requests, { cpu: '2', memory: '4Gi' }), `the task's resources ${JSON.stringify(base.resources)}`);
  check(same(base.args, ['airflow', 'tasks', 'run', 'example_dag', 'example_task', 'manual__2026-01-01T00:00:00+00:00']), `args ${JSON.stringify(base.args)}`);
  for (const x of [...(template.spec.initContainers ?? []), ...template.spec.containers.filter((y: any) => y.name !== 'base')]) {
    check([...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((y: any) => same(y, x)), `container ${x.name} lost or changed`);
  }
  for (const k of ['serviceAccountName', 'automountServiceAccountToken', 'restartPolicy', 'terminationGracePeriodSeconds', 'nodeSelector', 'tolerations', 'imagePullSecrets']) {
    check(same(pod.spec[k], template.spec[k]), `${k} ${JSON.stringify(pod.spec[k])}`);
  }
  // the config and the DAGs: airflow.cfg mounted, and [core] dags_folder inside a mount when the dag-processor has one
  check((base.volumeMounts ?? []).some((m: any) => m.mountPath === '/opt/airflow/airflow.cfg'), 'airflow.cfg not mounted');
  const dagsFolder = c.airflow.config.get('core', 'dags_folder') ?? '/opt/airflow/dags';
  const processor = airflowContainers(c.manifests).find(a => (a.component === 'dag-processor' || a.component === 'scheduler') && !a.id.includes('wait-for'));
  const dagMount = (mounts: any[]) => mounts.find((m: any) => dagsFolder === m.mountPath || dagsFolder.startsWith(m.mountPath + '/'));
  const processorSpec = processor ? podSpecOf(processor.object) : undefined;
  const processorMounts = processorSpec
    ? [...(processorSpec.initContainers ?? []), ...processorSpec.containers].find((x: any) => x.name === processor!.containerName).volumeMounts
    : [];
  if (dagMount(processorMounts ?? [])) {
    check(dagMount(base.volumeMounts ?? []) !== undefined, `no mount holds dags_folder ${dagsFolder}`);
  }
  return problems;
}

function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().filter(k => v[k] !== undefined && v[k] !== null).map(k => [k, sortKeys(v[k])]));
  return v;
}

describeWith(['airflow'], 'real Airflow reads our airflow.cfg and env', () => {
  const cases = realCases();
  const results = new Map<string, ConfigResult>();

  beforeAll(async () => {
    if (!canEmulatePods()) throw new Error('the real-Airflow tests need root with unshare/nsenter (util-linux) to lay out the pod filesystem');
    // one case at a time: each is one Airflow process of ~300 MB, and the machine has 2 cores.
    for (const c of cases) results.set(c.name, await checkCase(c, { podOverride: hasPodTemplate(c) ? TASK_POD_OVERRIDE : undefined }));
  }, 900_000);

  it('covers the installed releases', () => {
    const versions = new Set(cases.map(c => c.airflow.version.version));
    for (const v of versions) expect(AIRFLOW_VENV_VERSIONS, `no venv for Airflow ${v}: add scripts/setup/airflow/requirements-${v}.txt`).toContain(v);
    expect([...versions].some(v => v.startsWith('3.'))).toBe(true);
    expect([...versions].some(v => v.startsWith('2.11.'))).toBe(true);
  });

  for (const c of cases) {
    it(`${c.name}: Airflow ${c.airflow.version.version} loads airflow.cfg and knows every key we set`, () => {
      const { result } = results.get(c.name)!;
      expect(result.fatal, 'importing airflow.configuration').toBeUndefined();
      expect(result.airflow_version).toBe(c.airflow.version.version);
      expectEmpty('import warnings', result.import_warnings);
      expectEmpty('keys Airflow does not know', result.unknown_keys);
    });

    it(`${c.name}: every Airflow container reads back each key as intended, typed, without warnings`, () => {
      const { result } = results.get(c.name)!;
      const settings = renderedSettings(c);
      const containers = airflowContainers(c.manifests);
      expect(containers.length).toBeGreaterThan(3);
      for (const a of containers) {
        const got = result.components[a.id];
        const env = processOf(c, a).env;
        expectEmpty(`${a.id}: conf.get errors`, got.errors);
        expectEmpty(`${a.id}: typed reads`, got.typed_errors);
        expectEmpty(`${a.id}: warnings`, got.warnings);
        for (const name of Object.keys(settings).filter(n => !/_cmd$/.test(n))) {
          expect(got.values[name], `${a.id}: ${name}`).toBe(intended(c, env, name));
        }
        for (const [name, value] of Object.entries(env)) {
          const m = /^AIRFLOW__([A-Z0-9_]+?)__(.+)$/.exec(name);
          if (!m || /_CMD$/.test(name)) continue;
          expect(got.values[`${m[1].toLowerCase()}.${m[2].toLowerCase()}`], `${a.id}: ${name}`).toBe(value);
        }
      }
    });

    if (c.manifests.some(m => m.kind === 'ConfigMap' && m.data?.['airflow_celery_config.py'] !== undefined)) {
      it(`${c.name}: Celery workers build the provider's Celery app from our celery_config_options module`, () => {
        const { result } = results.get(c.name)!;
        const workers = airflowContainers(c.manifests).filter(a => a.containerName === 'worker');
        expect(workers.length).toBeGreaterThan(0);
        for (const w of workers) {
          const got = result.components[w.id];
          expect(got.python_error, w.id).toBeUndefined();
          expect(got.python.broker_url, w.id).toBe(got.values['celery.broker_url']);
        }
      });
    }

    it(`${c.name}: _cmd settings run and print what the containers need`, () => {
      const { result } = results.get(c.name)!;
      const cmds = Object.keys(renderedSettings(c)).filter(n => n.endsWith('_cmd'));
      for (const a of airflowContainers(c.manifests)) {
        const got = result.components[a.id];
        const env = processOf(c, a).env;
        for (const cmd of cmds) {
          const base = cmd.replace(/_cmd$/, '');
          const [section, key] = base.split('.');
          // a container with AIRFLOW__SECTION__KEY does not run the command (Airflow reads env first); the other test checks it
          if (env[`AIRFLOW__${section.toUpperCase()}__${key.toUpperCase()}`] !== undefined) continue;
          const value: string = got.values[base];
          expect(value, `${a.id}: ${base} from ${cmd}`).toBeTruthy();
          if (base === 'database.sql_alchemy_conn') {
            // PgBouncer: the upstream URL's user and password, PgBouncer's host and port, the alias, no ssl* parameter.
            expect(value).toMatch(/^postgresql:\/\/airflow:up%40pass@[a-z0-9-]+pgbouncer[a-z0-9-]*:6543\/airflow_metadata\?application_name=airflow$/);
          } else if (base === 'celery.broker_url') {
            const url = new URL(value);
            expect(url.protocol).toBe('redis:');
            expect(decodeURIComponent(url.password)).toBe(STAND_INS.AIRFLOW_CELERY_BROKER_PASSWORD);
          } else {
            throw new Error(`no expectation for ${cmd}: add one`);
          }
        }
      }
    });

    if (hasPodTemplate(c)) {
      it(`${c.name}: the KubernetesExecutor's own pod generator merges a task's pod into our template and keeps it`, () => {
        const { podTemplate } = results.get(c.name)!;
        expect(podTemplate.fatal, 'the provider building the pod').toBeUndefined();
        expect(podTemplate.pod_template_file).toBe('/opt/airflow/pod_templates/pod_template_file.yaml');
        expectEmpty('merged pod', podProblems(c, podTemplate));
      });
    }

    it(`${c.name}: airflow config lint finds nothing but the notes we expect`, () => {
      const { result } = results.get(c.name)!;
      expect(result.lint.available).toBe(true);
      let issues: string[] = result.lint.issues.filter((i: string) => !LINT_NOTES_ON_PURPOSE.some(r => r.test(i)));
      if (!c.airflow.version.isAirflow3) {
        // Airflow 2.11's lint (the same CONFIGS_CHANGES, for moving to 3.0) names every option 3.0 removes that 2.11
        // still has by default; only those we set are ours
        const ours = Object.keys(renderedSettings(c)).map(n => n.split('.')[1]);
        issues = issues.filter(i => ours.some(k => i.includes(`\`${k}\``)));
      }
      expectEmpty('lint issues', issues);
    });
  }
});

describeWith(['airflow'], 'the config oracle can fail', () => {
  const c = realCases()[0];
  let percent: ConfigResult;
  let renamed: ConfigResult;
  let sidecarFirst: ConfigResult;
  let misspelled: ConfigResult;
  beforeAll(async () => {
    // a sidecar listed before the main container: the executor merges its `base` container by position
    // (pod_generator.py `reconcile_containers`), so the task's command and image land in the sidecar
    sidecarFirst = await checkCase(c, {
      podOverride: TASK_POD_OVERRIDE,
      mutateTemplate: y => { const pod = YAML.parse(y); pod.spec.containers.unshift({ name: 'sidecar', image: 'busybox:1.36' }); return YAML.stringify(pod); },
    });
    // a misspelled field: the provider's k8s models drop it without a word
    misspelled = await checkCase(c, { podOverride: TASK_POD_OVERRIDE, mutateTemplate: y => y.replace(/^(\s+)securityContext:\n(\s+)allowPrivilegeEscalation/m, '$1securityContxt:\n$2allowPrivilegeEscalation') });
    // a `%` left unescaped, as `settings: { 'logging.log_format': '[%(asctime)s] %(message)s' }` renders today (issue #12)
    percent = await checkCase(c, { mutate: cfg => cfg.replace('[logging]\n', '[logging]\nlog_format = [%(asctime)s] %(message)s\n'), extraKeys: ['logging.log_format'] });
    // a key Airflow 3 renamed, and one no Airflow knows
    renamed = await checkCase(c, { mutate: cfg => cfg.replace('[core]\n', '[core]\ndag_concurrency = 4\nno_such_option = 1\n'), extraKeys: ['core.dag_concurrency', 'core.no_such_option'] });
  }, 300_000);

  it('a `%` left unescaped: Airflow\'s parser fails on the key, in every container', () => {
    // Airflow's parser is configparser with `%` interpolation (airflow/configuration.py AirflowConfigParser); the
    // logging config reads log_format while `airflow` is imported, so every Airflow process dies at start.
    expect(percent.result.fatal).toMatch(/InterpolationMissingOptionError: ?Bad value substitution: option 'log_format' in section 'logging' contains an interpolation key 'asctime' which is not a valid option name\. Raw value: '\[%\(asctime\)s\] %\(message\)s'/);
  });

  it('a template with a sidecar first, or with a misspelled field, fails the pod-template check', () => {
    expect(podProblems(c, sidecarFirst.podTemplate).join('\n')).toContain('mount {"mountPath":"/opt/airflow/airflow.cfg"');
    const problems = podProblems(c, misspelled.podTemplate).join('\n');
    expect(problems).toContain('the provider\'s model of our template differs from it');
    expect(problems).toContain('base securityContext undefined');
  });

  it('a renamed key is reported by lint, an unknown one by the known-keys check', () => {
    expect(renamed.result.lint.issues.join('\n')).toContain('`dag_concurrency` configuration parameter renamed to `max_active_tasks_per_dag` in the `core` section.');
    expect(renamed.result.unknown_keys).toContain('core.no_such_option');
  });
});

/** Values users give in `settings` that our airflow.cfg does not carry to Airflow as given today. */
// both flipped with issue #12: `%` is written as `%%`; a line break in a value is refused at construction
// (test/config/airflow-config.test.ts), so it never reaches airflow.cfg.
const KNOWN_BROKEN: Record<string, string> = {};

describeWith(['airflow'], 'settings read back exactly as the user gave them', () => {
  const given: Array<{ name: string; setting: string; value: string; expected: RegExp }> = [
    {
      name: 'a `%` in a setting reads back as given',
      setting: 'logging.log_format',
      value: '[%(asctime)s] %(levelname)s %(message)s',
      expected: /InterpolationMissingOptionError: ?Bad value substitution: option 'log_format' in section 'logging' contains an interpolation key 'asctime'/,
    },
  ];
  for (const g of given) {
    knownBrokenOr(KNOWN_BROKEN, __filename, g.name, g.expected, async () => {
      const c = deploymentCase(`settings ${g.setting}`, () => ({ settings: { [g.setting]: g.value } }));
      const { result } = await checkCase(c, { extraKeys: [g.setting] });
      if (result.fatal !== undefined) throw new Error(`importing airflow failed:\n${result.fatal}`);
      for (const got of Object.values<any>(result.components)) expect(got.values[g.setting]).toBe(g.value);
    });
  }
});
