import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import * as YAML from 'yaml';
import { AirflowConfig, AirflowDeployment, AirflowVersion } from '../../src';
import {
  airflowSettingOfEnvVar,
  airflowSettingsData,
  checkAirflowEnvVar,
  checkAirflowSetting,
  levenshtein,
  SETTINGS_ERROR_TEMPLATES,
} from '../../src/config/airflow-settings-check';
import { parseCfg, testChart } from '../support/synth';

const AF2 = AirflowVersion.V2_11_0;
const AF3 = AirflowVersion.V3_2_2;
const URL3 = 'https://airflow.apache.org/docs/apache-airflow/3.2.2/configurations-ref.html';
const URL2 = 'https://airflow.apache.org/docs/apache-airflow/2.11.0/configurations-ref.html';

/** [release, setting, value, the exact message] */
const BAD_SETTINGS: Array<[AirflowVersion, string, string, string]> = [
  // unknown settings, with the closest known one
  [AF2, 'core.paralelism', '8', "Airflow 2.11.0 has no setting 'core.paralelism' (in 'settings'): did you mean 'core.parallelism'?"],
  [AF3, 'core.paralelism', '8', "Airflow 3.2.2 has no setting 'core.paralelism' (in 'settings'): did you mean 'core.parallelism'?"],
  [AF3, 'scheduler.max_active_run_per_dag', '8', "Airflow 3.2.2 has no setting 'scheduler.max_active_run_per_dag' (in 'settings'): did you mean 'core.max_active_runs_per_dag'?"],
  [AF2, 'schedular.min_file_process_interval', '30', "Airflow 2.11.0 has no setting 'schedular.min_file_process_interval' (in 'settings'): did you mean 'scheduler.min_file_process_interval'?"],
  [AF2, 'kubernetes.namspace', 'x', "Airflow 2.11.0 has no setting 'kubernetes.namspace' (in 'settings'): did you mean 'kubernetes_executor.namespace'?"],
  // an Airflow 3 name on Airflow 2: the name Airflow 2 has for it
  [AF2, 'api.secret_key', 'x', "Airflow 2.11.0 has no setting 'api.secret_key' (in 'settings'): did you mean 'webserver.secret_key'?"],
  [AF2, 'api.port', '8080', "Airflow 2.11.0 has no setting 'api.port' (in 'settings'): did you mean 'webserver.web_server_port'?"],
  [AF2, 'dag_processor.refresh_interval', '60', "Airflow 2.11.0 has no setting 'dag_processor.refresh_interval' (in 'settings'): did you mean 'scheduler.dag_dir_list_interval'?"],
  [AF3, 'dag_processor.refresh_intervall', '60', "Airflow 3.2.2 has no setting 'dag_processor.refresh_intervall' (in 'settings'): did you mean 'dag_processor.refresh_interval'?"],
  // nothing close
  [AF3, 'core.foo_bar_baz_qux', 'x', `Airflow 3.2.2 has no setting 'core.foo_bar_baz_qux' (in 'settings'): see ${URL3}`],
  [AF2, 'scheduler.make_it_fast', 'True', `Airflow 2.11.0 has no setting 'scheduler.make_it_fast' (in 'settings'): see ${URL2}`],
  // unknown sections
  [AF3, 'openlineage.namespace', 'prod', "Airflow 3.2.2 has no section 'openlineage' (setting 'openlineage.namespace' in 'settings'): "
    + `write settings of other providers or plugins in 'unknownSettings', see ${URL3}`],
  [AF2, 'elasticsearch.host', 'es:9200', "Airflow 2.11.0 has no section 'elasticsearch' (setting 'elasticsearch.host' in 'settings'): "
    + `write settings of other providers or plugins in 'unknownSettings', see ${URL2}`],
  // renamed and moved settings
  [AF2, 'core.dag_concurrency', '16', "Airflow setting 'core.dag_concurrency' was renamed to 'core.max_active_tasks_per_dag' in Airflow 2.2.0: write 'core.max_active_tasks_per_dag' instead"],
  [AF3, 'core.dag_concurrency', '16', "Airflow setting 'core.dag_concurrency' was renamed to 'core.max_active_tasks_per_dag' in Airflow 2.2.0: write 'core.max_active_tasks_per_dag' instead"],
  [AF2, 'core.sql_alchemy_pool_size', '5', "Airflow setting 'core.sql_alchemy_pool_size' was renamed to 'database.sql_alchemy_pool_size' in Airflow 2.3.0: write 'database.sql_alchemy_pool_size' instead"],
  [AF2, 'kubernetes.delete_worker_pods', 'True', "Airflow setting 'kubernetes.delete_worker_pods' was renamed to 'kubernetes_executor.delete_worker_pods' in Airflow 2.5.0: write 'kubernetes_executor.delete_worker_pods' instead"],
  [AF3, 'kubernetes.namespace', 'x', "Airflow setting 'kubernetes.namespace' was renamed to 'kubernetes_executor.namespace' in Airflow 2.5.0: write 'kubernetes_executor.namespace' instead"],
  [AF2, 'scheduler.statsd_allow_list', 'x', "Airflow setting 'scheduler.statsd_allow_list' was renamed to 'metrics.metrics_allow_list' in Airflow 2.6.0: write 'metrics.metrics_allow_list' instead"],
  [AF3, 'webserver.secret_key', 'x', "Airflow setting 'webserver.secret_key' was renamed to 'api.secret_key' in Airflow 3.0.2: write 'api.secret_key' instead"],
  [AF3, 'webserver.web_server_port', '8080', "Airflow setting 'webserver.web_server_port' was renamed to 'api.port' in Airflow 3.0: write 'api.port' instead"],
  [AF3, 'webserver.navbar_color', '#fff', "Airflow setting 'webserver.navbar_color' was renamed to 'fab.navbar_color' in Airflow 3.0.2: write 'fab.navbar_color' instead"],
  [AF3, 'webserver.page_size', '50', "Airflow setting 'webserver.page_size' was renamed to 'api.fallback_page_limit' in Airflow 3.2.0: write 'api.fallback_page_limit' instead"],
  [AF3, 'scheduler.dag_dir_list_interval', '60', "Airflow setting 'scheduler.dag_dir_list_interval' was renamed to 'dag_processor.refresh_interval' in Airflow 3.0: write 'dag_processor.refresh_interval' instead"],
  [AF3, 'celery.stalled_task_timeout', '300', "Airflow setting 'celery.stalled_task_timeout' was renamed to 'scheduler.task_queued_timeout' in Airflow 2.6.0: write 'scheduler.task_queued_timeout' instead"],
  // removed in Airflow 3
  [AF3, 'core.check_slas', 'True', "Airflow setting 'core.check_slas' was removed in Airflow 3.0: The SLA feature is removed in Airflow 3.0, to be replaced with Airflow Alerts in future"],
  [AF3, 'smtp.smtp_password', 'x', "Airflow setting 'smtp.smtp_password' was removed in Airflow 3.0: Please use the SMTP connection (`smtp_default`)."],
  [AF3, 'webserver.x_frame_enabled', 'False', "Airflow setting 'webserver.x_frame_enabled' was removed in Airflow 3.0: remove it from 'settings'"],
  [AF3, 'scheduler.allow_trigger_in_future', 'True', "Airflow setting 'scheduler.allow_trigger_in_future' was removed in Airflow 3.0: remove it from 'settings'"],
  // values
  [AF3, 'core.parallelism', 'ten', "Airflow setting 'core.parallelism' must be an integer, got 'ten'"],
  [AF3, 'core.parallelism', '6.4', "Airflow setting 'core.parallelism' must be an integer, got '6.4'"],
  [AF3, 'api.workers', '', "Airflow setting 'api.workers' must be an integer, got ''"],
  [AF2, 'scheduler.dag_dir_list_interval', '1m', "Airflow setting 'scheduler.dag_dir_list_interval' must be an integer, got '1m'"],
  [AF3, 'scheduler.catchup_by_default', 'yes', "Airflow setting 'scheduler.catchup_by_default' must be a boolean (True or False), got 'yes'"],
  [AF3, 'api.enable_swagger_ui', 'on', "Airflow setting 'api.enable_swagger_ui' must be a boolean (True or False), got 'on'"],
  [AF2, 'scheduler.standalone_dag_processor', 'enabled', "Airflow setting 'scheduler.standalone_dag_processor' must be a boolean (True or False), got 'enabled'"],
  [AF3, 'scheduler.job_heartbeat_sec', '5s', "Airflow setting 'scheduler.job_heartbeat_sec' must be a number, got '5s'"],
  [AF3, 'core.dagbag_import_timeout', 'soon', "Airflow setting 'core.dagbag_import_timeout' must be a number, got 'soon'"],
  [AF2, 'core.dagbag_import_timeout', '30s', "Airflow setting 'core.dagbag_import_timeout' must be a number, got '30s'"],
  [AF3, 'logging.logging_level', 'info', "Airflow setting 'logging.logging_level' must be one of 'CRITICAL', 'FATAL', 'ERROR', 'WARN', 'WARNING', 'INFO', 'DEBUG', got 'info'"],
  [AF2, 'core.dag_ignore_file_syntax', 'regex', "Airflow setting 'core.dag_ignore_file_syntax' must be one of 'regexp', 'glob', got 'regex'"],
  [AF3, 'api.grid_view_sorting_order', 'alphabetical', "Airflow setting 'api.grid_view_sorting_order' must be one of 'topological', 'hierarchical_alphabetical', got 'alphabetical'"],
  // a setting of a later release (3.3.0) on 3.2.2
  [AF3, 'state_store.default_retention_days', '7', "Airflow setting 'state_store.default_retention_days' was added in Airflow 3.3.0, but 'airflowVersion' is 3.2.2: use Airflow 3.3.0 or later, or remove it from 'settings'"],
  // not section.key
  [AF3, 'parallelism', '8', "'settings' keys must be 'section.key' in lower case (for example 'core.parallelism'), got 'parallelism'"],
];

/** [release, variable, value or undefined, the exact message] */
const BAD_ENV: Array<[AirflowVersion, string, string | undefined, string]> = [
  [AF3, 'AIRFLOW__CORE__PARALELISM', '8', "Airflow 3.2.2 has no setting 'AIRFLOW__CORE__PARALELISM' (in 'env'): did you mean 'AIRFLOW__CORE__PARALLELISM'?"],
  [AF2, 'AIRFLOW__KUBERNETES__NAMESPACE', 'airflow', "Airflow setting 'AIRFLOW__KUBERNETES__NAMESPACE' was renamed to 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE' in Airflow 2.5.0: "
    + "write 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE' instead"],
  [AF3, 'AIRFLOW__WEBSERVER__SECRET_KEY', undefined, "Airflow setting 'AIRFLOW__WEBSERVER__SECRET_KEY' was renamed to 'AIRFLOW__API__SECRET_KEY' in Airflow 3.0.2: write 'AIRFLOW__API__SECRET_KEY' instead"],
  [AF3, 'AIRFLOW__WEBSERVER__SECRET_KEY_CMD', 'cat /x', "Airflow setting 'AIRFLOW__WEBSERVER__SECRET_KEY_CMD' was renamed to 'AIRFLOW__API__SECRET_KEY_CMD' in Airflow 3.0.2: "
    + "write 'AIRFLOW__API__SECRET_KEY_CMD' instead"],
  [AF3, 'AIRFLOW__CORE__FERNET_KEYY_SECRET', 'path', "Airflow 3.2.2 has no setting 'AIRFLOW__CORE__FERNET_KEYY_SECRET' (in 'env'): did you mean 'AIRFLOW__CORE__FERNET_KEY_SECRET'?"],
  [AF3, 'AIRFLOW__CORE__PARALLELISM', 'many', "Airflow setting 'AIRFLOW__CORE__PARALLELISM' must be an integer, got 'many'"],
  [AF3, 'AIRFLOW__CORE__CHECK_SLAS', 'False', "Airflow setting 'AIRFLOW__CORE__CHECK_SLAS' was removed in Airflow 3.0: The SLA feature is removed in Airflow 3.0, to be replaced with Airflow Alerts in future"],
  [AF3, 'AIRFLOW__CORE__PARALLELISM_CMD', 'echo 8', "Airflow ignores 'AIRFLOW__CORE__PARALLELISM_CMD': the _CMD and _SECRET variables work only for sensitive settings "
    + "and 'core.parallelism' is not one: set 'AIRFLOW__CORE__PARALLELISM' instead"],
  [AF2, 'AIRFLOW__CORE__LOAD_EXAMPLES_SECRET', 'p', "Airflow ignores 'AIRFLOW__CORE__LOAD_EXAMPLES_SECRET': the _CMD and _SECRET variables work only for sensitive settings "
    + "and 'core.load_examples' is not one: set 'AIRFLOW__CORE__LOAD_EXAMPLES' instead"],
  [AF3, 'AIRFLOW__core__parallelism', '8', "Environment variable 'AIRFLOW__core__parallelism' is not an Airflow setting: write AIRFLOW__<SECTION>__<KEY> in upper case, e.g. AIRFLOW__CORE__PARALLELISM"],
  [AF3, 'AIRFLOW__PARALLELISM', '8', "Environment variable 'AIRFLOW__PARALLELISM' is not an Airflow setting: write AIRFLOW__<SECTION>__<KEY> in upper case, e.g. AIRFLOW__CORE__PARALLELISM"],
  [AF3, 'AIRFLOW__OPENLINEAGE__TRANSPORT', '{}', "Airflow 3.2.2 has no section 'openlineage' (setting 'AIRFLOW__OPENLINEAGE__TRANSPORT' in 'env'): "
    + `write settings of other providers or plugins in 'unknownSettings', see ${URL3}`],
];

describe('checkAirflowSetting', () => {
  test(`has at least 25 wrong settings to check (${BAD_SETTINGS.length})`, () => {
    expect(BAD_SETTINGS.length + BAD_ENV.length).toBeGreaterThanOrEqual(25);
  });

  test.each(BAD_SETTINGS.map(([version, name, value, message]) => ({ version: version.version, v: version, name, value, message })))(
    'Airflow $version: $name = "$value"', ({ v, name, value, message }) => {
      expect(checkAirflowSetting(v, name, value)).toBe(message);
    });

  test('accepts known settings with well-typed values on both major versions', () => {
    const good: Array<[AirflowVersion, string, string]> = [
      [AF2, 'core.parallelism', '64'],
      [AF2, 'webserver.secret_key', 'x'],
      [AF2, 'webserver.workers', '4'],
      [AF2, 'scheduler.dag_dir_list_interval', '60'],
      [AF2, 'kubernetes_executor.namespace', 'airflow'],
      [AF2, 'fab.update_fab_perms', 'True'],
      [AF2, 'celery.worker_concurrency', '16'],
      [AF3, 'core.parallelism', ' 64 '],
      [AF3, 'core.parallelism', '-1'],
      [AF3, 'api.workers', '2'],
      [AF3, 'api.secret_key', 'x'],
      [AF3, 'dag_processor.refresh_interval', '60'],
      [AF3, 'core.load_examples', 'False'],
      [AF3, 'scheduler.catchup_by_default', 'TRUE'],
      [AF3, 'scheduler.catchup_by_default', 'f'],
      [AF3, 'scheduler.catchup_by_default', '1'],
      [AF3, 'scheduler.catchup_by_default', 'false # a comment'],
      [AF3, 'core.dagbag_import_timeout', '30'],
      [AF3, 'core.dagbag_import_timeout', '30.5'],
      [AF3, 'core.dagbag_import_timeout', '1e3'],
      [AF3, 'core.default_task_execution_timeout', ''],
      [AF3, 'logging.logging_level', 'INFO'],
      [AF3, 'logging.celery_logging_level', ''],
      [AF3, 'core.simple_auth_manager_all_admins', 'True'],
      [AF3, 'fab.navbar_color', '#fff'],
      [AF3, 'api.workers', '${API_WORKERS}'],
      [AF3, 'core.parallelism', '$PARALLELISM'],
    ];
    for (const [version, name, value] of good) {
      const error = checkAirflowSetting(version, name, value);
      expect({ version: version.version, name, value, error }).toEqual({ version: version.version, name, value, error: undefined });
    }
  });

  test('applies a rename only from the release it happened in', () => {
    expect(checkAirflowSetting(AirflowVersion.V3_0_6, 'webserver.page_size', '50')).toBeUndefined();
    expect(checkAirflowSetting(AirflowVersion.V3_1_8, 'webserver.page_size', '50'))
      .toBe("Airflow setting 'webserver.page_size' was renamed to 'api.page_size' in Airflow 3.1.0: write 'api.page_size' instead");
    expect(checkAirflowSetting(AirflowVersion.V3_1_8, 'api.page_size', '50')).toBeUndefined();
    expect(checkAirflowSetting(AirflowVersion.V3_0_6, 'webserver.access_logfile', '-'))
      .toBe("Airflow setting 'webserver.access_logfile' was renamed to 'api.access_logfile' in Airflow 3.0: write 'api.access_logfile' instead");
    expect(checkAirflowSetting(AirflowVersion.of('3.0.1'), 'webserver.secret_key', 'x')).toBeUndefined();
    expect(checkAirflowSetting(AirflowVersion.V2_10_5, 'core.dag_concurrency'))
      .toBe("Airflow setting 'core.dag_concurrency' was renamed to 'core.max_active_tasks_per_dag' in Airflow 2.2.0: write 'core.max_active_tasks_per_dag' instead");
  });

  test('without a value only the name is checked', () => {
    expect(checkAirflowSetting(AF3, 'core.parallelism')).toBeUndefined();
    expect(checkAirflowSetting(AF3, 'core.paralelism')).toBe("Airflow 3.2.2 has no setting 'core.paralelism' (in 'settings'): did you mean 'core.parallelism'?");
  });

  test('names the prop the setting came from', () => {
    expect(checkAirflowSetting(AF3, 'core.paralelism', '8', 'config.set')).toBe("Airflow 3.2.2 has no setting 'core.paralelism' (in 'config.set'): did you mean 'core.parallelism'?");
    expect(checkAirflowSetting(AF3, 'webserver.x_frame_enabled', 'True', 'config.set'))
      .toBe("Airflow setting 'webserver.x_frame_enabled' was removed in Airflow 3.0: remove it from 'config.set'");
  });

  test('levenshtein distance', () => {
    expect(levenshtein('', '')).toBe(0);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('paralelism', 'parallelism')).toBe(1);
    expect(levenshtein('abc', '')).toBe(3);
  });
});

describe('checkAirflowEnvVar', () => {
  test.each(BAD_ENV.map(([version, name, value, message]) => ({ version: version.version, v: version, name, value, message })))(
    'Airflow $version: $name', ({ v, name, value, message }) => {
      expect(checkAirflowEnvVar(v, name, value)).toBe(message);
    });

  test('accepts Airflow settings, their _CMD / _SECRET variants for sensitive ones, and ignores other variables', () => {
    const good: Array<[AirflowVersion, string, string | undefined]> = [
      [AF3, 'AIRFLOW__CORE__PARALLELISM', '64'],
      [AF3, 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE', undefined],
      [AF3, 'AIRFLOW__API_AUTH__JWT_SECRET', 'x'],
      [AF3, 'AIRFLOW__API_AUTH__JWT_SECRET_SECRET', 'airflow/jwt'],
      [AF3, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD', 'cat /secrets/conn'],
      [AF3, 'AIRFLOW__CORE__FERNET_KEY_SECRET', 'airflow/fernet'],
      [AF2, 'AIRFLOW__WEBSERVER__SECRET_KEY_CMD', 'cat /x'],
      [AF2, 'AIRFLOW__WEBSERVER__WORKERS', '4'],
      [AF3, 'AIRFLOW_HOME', '/opt/airflow'],
      [AF3, 'AIRFLOW_CONN_MY_DB', 'postgresql://x'],
      [AF3, 'AIRFLOW_VAR_ENVIRONMENT', 'prod'],
      [AF3, 'AIRFLOW_CONFIG', '/opt/airflow/airflow.cfg'],
      [AF3, '_AIRFLOW_DB_MIGRATE', 'true'],
      [AF3, 'PYTHONPATH', '/x'],
    ];
    for (const [version, name, value] of good) {
      expect({ name, error: checkAirflowEnvVar(version, name, value) }).toEqual({ name, error: undefined });
    }
  });

  test('maps variables to settings', () => {
    expect(airflowSettingOfEnvVar(AF3, 'AIRFLOW__CORE__PARALLELISM')).toEqual({ section: 'core', key: 'parallelism', suffix: '' });
    expect(airflowSettingOfEnvVar(AF3, 'AIRFLOW__KUBERNETES_EXECUTOR__POD_TEMPLATE_FILE')).toEqual({ section: 'kubernetes_executor', key: 'pod_template_file', suffix: '' });
    expect(airflowSettingOfEnvVar(AF3, 'AIRFLOW__CORE__FERNET_KEY_CMD')).toEqual({ section: 'core', key: 'fernet_key', suffix: '_CMD' });
    expect(airflowSettingOfEnvVar(AF3, 'AIRFLOW__API_AUTH__JWT_SECRET')).toEqual({ section: 'api_auth', key: 'jwt_secret', suffix: '' });
    expect(airflowSettingOfEnvVar(AF3, 'AIRFLOW__API_AUTH__JWT_SECRET_SECRET')).toEqual({ section: 'api_auth', key: 'jwt_secret', suffix: '_SECRET' });
    expect(airflowSettingOfEnvVar(AF3, 'AIRFLOW_HOME')).toBeUndefined();
    expect(airflowSettingOfEnvVar(AF3, 'AIRFLOW_CONN_X')).toBeUndefined();
    expect(airflowSettingOfEnvVar(AF3, 'AIRFLOW_VAR_X')).toBeUndefined();
  });
});

describe('error templates', () => {
  const templates = Object.entries(SETTINGS_ERROR_TEMPLATES);
  const asPattern = (template: string) => new RegExp(template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '.*'));

  test('docs/errors.md documents every settings error template word for word', () => {
    const docs = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
    const missing = templates.filter(([, template]) => !docs.includes(`\`${template}\``)).map(([name]) => name);
    expect(missing).toEqual([]);
  });

  test('every template is exercised by a test message', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', { settings: { 'core.executor': 'LocalExecutor' } });
    config.setOwned('core', 'executor', 'KubernetesExecutor', 'executor');
    const messages = [
      ...BAD_SETTINGS.map(([, , , message]) => message),
      ...BAD_ENV.map(([, , , message]) => message),
      ...[{ settings: { 'sentry.sentry_dsn': 'pw' } }, { unknownSettings: { 'core.default_timezone': 'UTC\n[webserver]' } }].map(props => {
        try {
          new AirflowConfig(testChart(), 'Bad', props);
        } catch (e) {
          return (e as Error).message;
        }
        return '';
      }),
      (() => {
        try {
          new AirflowConfig(testChart(), 'Env')._checkUserEnvironment({ AIRFLOW_CONN_X: kplus.EnvValue.fromValue('postgresql://u:p@h/d') }, 'env');
        } catch (e) {
          return (e as Error).message;
        }
        return '';
      })(),
      (() => {
        try {
          new AirflowConfig(testChart(), 'Dup', { settings: { 'core.parallelism': '8' }, unknownSettings: { 'core.parallelism': '8' } });
        } catch (e) {
          return (e as Error).message;
        }
        return '';
      })(),
      ...(() => {
        try {
          Testing.synth(chart);
        } catch (e) {
          return (e as Error).message.split('\n');
        }
        return [];
      })(),
    ];
    const unused = templates.filter(([, template]) => !messages.some(m => asPattern(template).test(m))).map(([name]) => name);
    expect(unused).toEqual([]);
  });
});

/** True when `version` is `since` (e.g. `3.0` or `3.0.2`) or later. */
function releasedBy(version: AirflowVersion, since: string): boolean {
  const [major, minor, patch] = [...since.split('.').map(Number), 0, 0];
  return version.major !== major ? version.major > major : version.minor !== minor ? version.minor > minor : version.patch >= patch;
}

/** Every setting the library writes: airflow.cfg entries, Secret-backed settings, and AIRFLOW__* env vars of every container. */
interface EnvVar {
  readonly name: string;
  readonly value?: string;
}

function writtenSettings(airflow: AirflowDeployment, manifests: any[]): { cfg: Record<string, string>; env: EnvVar[] } {
  const env: EnvVar[] = [];
  const visit = (node: any): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node && typeof node === 'object') {
      if (Array.isArray(node.containers) || Array.isArray(node.initContainers)) {
        for (const c of [...(node.initContainers ?? []), ...(node.containers ?? [])]) {
          for (const e of c.env ?? []) env.push({ name: e.name, value: e.value });
        }
      }
      Object.values(node).forEach(visit);
    }
  };
  for (const m of manifests) {
    visit(m);
    // the KubernetesExecutor's pod template lives in a ConfigMap
    for (const [file, text] of Object.entries<string>(m.kind === 'ConfigMap' ? m.data ?? {} : {})) {
      if (file.endsWith('.yaml')) visit(YAML.parse(text));
    }
  }
  return { cfg: parseCfg(airflow.config.render()), env };
}

describe('the library writes only settings the Airflow release knows', () => {
  // Limitation: the data holds one release per major version (2.11.1 and 3.2), without `versionAdded`, so a key added
  // after the chosen release (e.g. a 3.2 key on 3.0.6) would pass. Renames are dated, so the new name of a rename made
  // after the release is caught below.
  test.each([AirflowVersion.V2_10_5, AirflowVersion.V2_11_0, AirflowVersion.V3_0_6, AirflowVersion.V3_2_2].map(v => ({ version: v.version, v })))(
    'Airflow $version', ({ v }) => {
      const chart = testChart();
      const airflow = new AirflowDeployment(chart, 'Airflow', { airflowVersion: v });
      const manifests = Testing.synth(chart);
      const { cfg, env } = writtenSettings(airflow, manifests);
      const airflowEnv = env.filter(e => e.name.startsWith('AIRFLOW__'));
      expect(Object.keys(cfg).length).toBeGreaterThan(10);
      expect(airflowEnv.map(e => e.name)).toContain('AIRFLOW__CORE__FERNET_KEY');

      const errors = [
        ...Object.entries(cfg).map(([name, value]) => checkAirflowSetting(v, name, value, 'library')),
        ...airflow.config.secretSettings.map(s => checkAirflowSetting(v, `${s.section}.${s.key}`, undefined, 'library')),
        ...env.map(e => checkAirflowEnvVar(v, e.name, e.value, 'library')),
      ].filter(e => e !== undefined);
      expect(errors).toEqual([]);

      // no name the library writes only came into being after the chosen release
      const data = airflowSettingsData(v);
      const written = new Set([
        ...Object.keys(cfg),
        ...airflow.config.secretSettings.map(s => `${s.section}.${s.key}`),
        ...airflowEnv.map(e => airflowSettingOfEnvVar(v, e.name)).filter(s => s !== undefined).map(s => `${s!.section}.${s!.key}`),
      ]);
      const tooNew = Object.entries(data.renamed)
        .filter(([, [to, since]]) => written.has(to) && !releasedBy(v, since))
        .map(([from, [to, since]]) => `${to} (was ${from} until ${since})`);
      expect(tooNew).toEqual([]);
    });
});
