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

  test('extra files are mounted where they say and a duplicate fails', () => {
    const config = new AirflowConfig(testChart(), 'Config');
    config.addFile('webserver_config.py', '/opt/airflow/webserver_config.py', 'AUTH_TYPE = 1\n');
    expect(config.extraFiles).toEqual([{ fileName: 'webserver_config.py', mountPath: '/opt/airflow/webserver_config.py' }]);
    expect(() => config.addFile('webserver_config.py', '/x', '')).toThrow("AirflowConfig.addFile: the config already has a file 'webserver_config.py'");
    expect(() => config.addFile('airflow.cfg', '/x', '')).toThrow("the config already has a file 'airflow.cfg'");
  });
});
