import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowVersion } from '../../src';
import { parseCfg, testChart } from '../support/synth';

describe('AirflowConfig', () => {
  test('renders sections and keys in alphabetical order, user settings over defaults', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', { settings: { 'core.parallelism': '64', 'api.workers': '2' } });
    config.setDefault('core', 'parallelism', '32');
    config.setDefault('core', 'load_examples', 'False');
    expect(config.render()).toBe('[api]\nworkers = 2\n\n[core]\nload_examples = False\nparallelism = 64\n');
    const [cm] = Testing.synth(chart);
    expect(cm.kind).toBe('ConfigMap');
    expect(parseCfg(cm.data['airflow.cfg'])).toEqual({ 'api.workers': '2', 'core.load_examples': 'False', 'core.parallelism': '64' });
  });

  test('renders values set after construction (lazy)', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config');
    config.set('core', 'parallelism', '8');
    expect(parseCfg(Testing.synth(chart)[0].data['airflow.cfg'])).toEqual({ 'core.parallelism': '8' });
  });

  test('secret settings never reach the ConfigMap and change the checksum', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config');
    const before = config.checksum;
    const secret = kplus.Secret.fromSecretName(chart, 'S', 'my-secret');
    config.setSecret('core', 'fernet_key', { secret, key: 'fernet' }, 'secrets.fernetKey');
    expect(config.render()).not.toContain('fernet');
    expect(config.secretSettings).toEqual([{ section: 'core', key: 'fernet_key', value: { secret, key: 'fernet' } }]);
    expect(config.checksum).not.toBe(before);
  });

  test('the checksum follows the rendered file', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', { version: AirflowVersion.V2_11_0 });
    const before = config.checksum;
    config.set('core', 'parallelism', '8');
    expect(config.checksum).not.toBe(before);
    expect(config.checksum).toMatch(/^[0-9a-f]{16}$/);
  });

  test('fails on a setting name that is not section.key', () => {
    expect(() => new AirflowConfig(testChart(), 'Config', { settings: { parallelism: '8' } }))
      .toThrow("'settings' keys must be 'section.key' in lower case (for example 'core.parallelism'), got 'parallelism'");
    expect(() => new AirflowConfig(testChart(), 'Config', { settings: { 'Core.Parallelism': '8' } })).toThrow("got 'Core.Parallelism'");
  });

  test('fails at synth when a user setting overrides a key the library owns', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', { settings: { 'core.executor': 'CeleryExecutor', 'database.sql_alchemy_pool_size': '3' } });
    config.setOwned('core', 'executor', 'KubernetesExecutor', 'executor');
    config.setSecret('database', 'sql_alchemy_pool_size', { secret: kplus.Secret.fromSecretName(chart, 'S', 's'), key: 'c' }, 'database');
    expect(() => Testing.synth(chart)).toThrow("Airflow setting 'core.executor' is managed by this library: set 'executor' instead of overriding it in 'settings'");
    expect(() => Testing.synth(chart)).toThrow("Airflow setting 'database.sql_alchemy_pool_size' is managed by this library: set 'database' instead");
  });

  test('refuses a line break in a value: it would write new sections and keys (issue #12)', () => {
    const injection = 'UTC\n[webserver]\nexpose_config = True';
    expect(() => new AirflowConfig(testChart(), 'Config', { settings: { 'core.default_timezone': injection } }))
      .toThrow("Airflow setting 'core.default_timezone' (in 'settings') holds a line break, which would end the value and write new lines into airflow.cfg: write the value on one line");
    expect(() => new AirflowConfig(testChart(), 'Config', { unknownSettings: { 'openlineage.namespace': 'a\rb' } }))
      .toThrow("Airflow setting 'openlineage.namespace' (in 'unknownSettings') holds a line break");
    expect(() => new AirflowConfig(testChart(), 'Config').set('core', 'default_timezone', injection)).toThrow('holds a line break');
    expect(() => new AirflowConfig(testChart(), 'Config').setOwned('core', 'executor', 'a\nb', 'executor')).toThrow("(in 'executor') holds a line break");
  });

  test('escapes % as %% (Airflow\'s parser interpolates %)', () => {
    const config = new AirflowConfig(testChart(), 'Config', { settings: { 'logging.log_format': '[%(asctime)s] %(message)s' } });
    expect(config.render()).toBe('[logging]\nlog_format = [%%(asctime)s] %%(message)s\n');
    expect(config.get('logging', 'log_format')).toBe('[%(asctime)s] %(message)s');
  });

  test('refuses settings Airflow marks sensitive in settings and unknownSettings, without echoing the value', () => {
    const cases: Array<[string, { [k: string]: { [n: string]: string } }, AirflowVersion]> = [
      ['secrets.backend_kwargs', { settings: { 'secrets.backend_kwargs': '{"token": "s.topsecret"}' } }, AirflowVersion.V3_2_2],
      ['smtp.smtp_password', { settings: { 'smtp.smtp_password': 'topsecret' } }, AirflowVersion.V2_11_0],
      ['sentry.sentry_dsn', { unknownSettings: { 'sentry.sentry_dsn': 'https://topsecret@sentry.example/1' } }, AirflowVersion.V3_2_2],
      ['smtp.smtp_password', { unknownSettings: { 'smtp.smtp_password': 'topsecret' } }, AirflowVersion.V3_2_2],
    ];
    for (const [name, props, version] of cases) {
      const prop = Object.keys(props)[0];
      const env = `AIRFLOW__${name.replace('.', '__').toUpperCase()}`;
      let message = '';
      try {
        new AirflowConfig(testChart(), 'Config', { version, ...props });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe(`Airflow marks setting '${name}' (in '${prop}') as sensitive, so it is never written into the airflow.cfg ConfigMap: `
        + `give it in 'secretSettings' as a kplus.SecretValue (it becomes ${env} from a secretKeyRef), or set ${env}_CMD or ${env}_SECRET`);
      expect(message).not.toContain('topsecret');
    }
  });

  test('secretSettings become AIRFLOW__SECTION__KEY from a secretKeyRef, never airflow.cfg, and reserve the key', () => {
    const chart = testChart();
    const secret = kplus.Secret.fromSecretName(chart, 'S', 'smtp');
    const config = new AirflowConfig(chart, 'Config', {
      version: AirflowVersion.V2_11_0,
      secretSettings: { 'smtp.smtp_password': { secret, key: 'password' }, 'myplugin.token': { secret, key: 'token' } },
    });
    expect(config.render()).toBe('');
    expect(config.secretSettings.map(s => `${s.section}.${s.key}`)).toEqual(['myplugin.token', 'smtp.smtp_password']);
    expect(() => new AirflowConfig(testChart(), 'C', { secretSettings: { 'core.fernet_kye': { secret, key: 'k' } } }))
      .toThrow("Airflow 3.2.2 has no setting 'core.fernet_kye' (in 'secretSettings'): did you mean 'core.fernet_key'?");
  });

  test('checks every user setting against the Airflow release when the construct is created', () => {
    expect(() => new AirflowConfig(testChart(), 'Config', { settings: { 'core.paralelism': '8' } }))
      .toThrow("Airflow 3.2.2 has no setting 'core.paralelism' (in 'settings'): did you mean 'core.parallelism'?");
    expect(() => new AirflowConfig(testChart(), 'Config', { version: AirflowVersion.V2_11_0, settings: { 'api.workers': '2' } }))
      .toThrow("Airflow 2.11.0 has no setting 'api.workers' (in 'settings'): did you mean 'webserver.workers'?");
    expect(() => new AirflowConfig(testChart(), 'Config', { version: AirflowVersion.V3_0_6, settings: { 'webserver.workers': '2' } }))
      .toThrow("Airflow setting 'webserver.workers' was renamed to 'api.workers' in Airflow 3.0: write 'api.workers' instead");
    expect(() => new AirflowConfig(testChart(), 'Config', { settings: { 'core.parallelism': 'lots' } }))
      .toThrow("Airflow setting 'core.parallelism' must be an integer, got 'lots'");
  });

  test('reports every wrong setting at once, one a line', () => {
    expect(() => new AirflowConfig(testChart(), 'Config', { settings: { 'core.parallelism': 'lots', 'core.dag_concurrency': '4', 'core.load_examples': 'False' } }))
      .toThrow(new Error([
        "Airflow setting 'core.parallelism' must be an integer, got 'lots'",
        "Airflow setting 'core.dag_concurrency' was renamed to 'core.max_active_tasks_per_dag' in Airflow 2.2.0: write 'core.max_active_tasks_per_dag' instead",
      ].join('\n')));
  });

  test('set() checks like settings and throws at once', () => {
    const config = new AirflowConfig(testChart(), 'Config', { version: AirflowVersion.V2_11_0 });
    expect(() => config.set('kubernetes', 'namespace', 'x'))
      .toThrow("Airflow setting 'kubernetes.namespace' was renamed to 'kubernetes_executor.namespace' in Airflow 2.5.0: write 'kubernetes_executor.namespace' instead");
    expect(() => config.set('scheduler', 'standalone_dag_processor', 'yes'))
      .toThrow("Airflow setting 'scheduler.standalone_dag_processor' must be a boolean (True or False), got 'yes'");
    expect(() => config.set('Core', 'parallelism', '8')).toThrow("'settings' keys must be 'section.key' in lower case (for example 'core.parallelism'), got 'Core.parallelism'");
    config.set('webserver', 'workers', '4');
    expect(config.get('webserver', 'workers')).toBe('4');
    expect(config.get('kubernetes', 'namespace')).toBeUndefined();
  });

  test('library values (setDefault, setOwned, reserve, setSecret) are not checked', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config');
    config.setDefault('my_plugin', 'mode', 'fast');
    config.setOwned('core', 'parallelism', 'not checked', 'parallelism');
    config.reserve('my_plugin', 'token', 'plugin');
    expect(parseCfg(config.render())).toEqual({ 'my_plugin.mode': 'fast', 'core.parallelism': 'not checked' });
  });

  test('unknownSettings are written as they are, override defaults and are returned by get()', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', {
      settings: { 'core.parallelism': '64' },
      unknownSettings: { 'openlineage.namespace': 'prod', 'core.paralelism_typo': 'x', 'core.max_active_runs_per_dag': 'not a number' },
    });
    config.setDefault('core', 'max_active_runs_per_dag', '16');
    expect(parseCfg(Testing.synth(chart)[0].data['airflow.cfg'])).toEqual({
      'core.max_active_runs_per_dag': 'not a number',
      'core.parallelism': '64',
      'core.paralelism_typo': 'x',
      'openlineage.namespace': 'prod',
    });
    expect(config.get('openlineage', 'namespace')).toBe('prod');
  });

  test('unknownSettings keys must be section.key, and not repeat a key of settings', () => {
    expect(() => new AirflowConfig(testChart(), 'Config', { unknownSettings: { 'My.Plugin': 'x' } }))
      .toThrow("'unknownSettings' keys must be 'section.key' in lower case (for example 'core.parallelism'), got 'My.Plugin'");
    expect(() => new AirflowConfig(testChart(), 'Config', { settings: { 'core.parallelism': '8' }, unknownSettings: { 'core.parallelism': '9' } }))
      .toThrow("Airflow setting 'core.parallelism' is in both 'settings' and 'unknownSettings': keep one");
    const config = new AirflowConfig(testChart(), 'Config', { unknownSettings: { 'core.parallelism': '9' } });
    expect(() => config.set('core', 'parallelism', '8')).toThrow("Airflow setting 'core.parallelism' is in both 'settings' and 'unknownSettings': keep one");
  });

  test('unknownSettings cannot override keys the library owns either', () => {
    const chart = testChart();
    const config = new AirflowConfig(chart, 'Config', { unknownSettings: { 'core.executor': 'CeleryExecutor' } });
    config.setOwned('core', 'executor', 'KubernetesExecutor', 'executor');
    expect(() => Testing.synth(chart)).toThrow("Airflow setting 'core.executor' is managed by this library: set 'executor' instead of overriding it in 'unknownSettings'");
  });

  test('extra files are mounted where they say and a duplicate fails', () => {
    const config = new AirflowConfig(testChart(), 'Config');
    config.addFile('webserver_config.py', '/opt/airflow/webserver_config.py', 'AUTH_TYPE = 1\n');
    expect(config.extraFiles).toEqual([{ fileName: 'webserver_config.py', mountPath: '/opt/airflow/webserver_config.py' }]);
    expect(() => config.addFile('webserver_config.py', '/x', '')).toThrow("AirflowConfig.addFile: the config already has a file 'webserver_config.py'");
    expect(() => config.addFile('airflow.cfg', '/x', '')).toThrow("the config already has a file 'airflow.cfg'");
  });
});
