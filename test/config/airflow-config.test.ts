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
    const config = new AirflowConfig(chart, 'Config', { settings: { 'core.executor': 'CeleryExecutor', 'database.sql_alchemy_conn': 'x' } });
    config.setOwned('core', 'executor', 'KubernetesExecutor', 'executor');
    config.setSecret('database', 'sql_alchemy_conn', { secret: kplus.Secret.fromSecretName(chart, 'S', 's'), key: 'c' }, 'database');
    expect(() => Testing.synth(chart)).toThrow("Airflow setting 'core.executor' is managed by this library: set 'executor' instead of overriding it in 'settings'");
    expect(() => Testing.synth(chart)).toThrow("Airflow setting 'database.sql_alchemy_conn' is managed by this library: set 'database' instead");
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
