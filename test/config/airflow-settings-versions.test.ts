import { describe, expect, test } from 'vitest';
import { AirflowDeployment, AirflowVersion, AirflowWarnings } from '../../src';
import { airflowSettingsData, checkAirflowEnvVar, checkAirflowSetting } from '../../src/config/airflow-settings-check';
import { testChart } from '../support/synth';

// Settings are checked against the chosen minor: 3.0-3.2 (3.2.0.dev data), 3.3 (the 3.4.0.dev data filtered by
// versionAdded), 3.4 and newer (3.4.0.dev). Source: test/fixtures/airflow-config/SOURCES.md (config.yml @ e0c41d16,
// `version_added: 3.3.0` on the [state_store] and [sdk] options).
describe('settings of Airflow 3.3 and 3.4', () => {
  test.each([AirflowVersion.V3_3_2, AirflowVersion.V3_4_0])('state_store and sdk settings pass on %s', version => {
    expect(checkAirflowSetting(version, 'state_store.default_retention_days', '7')).toBeUndefined();
    expect(checkAirflowSetting(version, 'sdk.coordinators', '{}')).toBeUndefined();
    expect(checkAirflowSetting(version, 'callbacks.callback_execution_timeout', '300')).toBeUndefined();
    expect(checkAirflowEnvVar(version, 'AIRFLOW__STATE_STORE__DEFAULT_RETENTION_DAYS', '7')).toBeUndefined();
  });

  test('on 3.2 they fail naming the release that introduced them', () => {
    expect(checkAirflowSetting(AirflowVersion.V3_2_2, 'state_store.default_retention_days', '7')).toBe(
      "Airflow setting 'state_store.default_retention_days' was added in Airflow 3.3.0, but 'airflowVersion' is 3.2.2: use Airflow 3.3.0 or later, or remove it from 'settings'");
    expect(checkAirflowSetting(AirflowVersion.V3_2_2, 'sdk.coordinators', '{}')).toBe(
      "Airflow setting 'sdk.coordinators' was added in Airflow 3.3.0, but 'airflowVersion' is 3.2.2: use Airflow 3.3.0 or later, or remove it from 'settings'");
    expect(checkAirflowEnvVar(AirflowVersion.V3_2_2, 'AIRFLOW__SDK__COORDINATORS', '{}')).toBe(
      "Airflow setting 'AIRFLOW__SDK__COORDINATORS' was added in Airflow 3.3.0, but 'airflowVersion' is 3.2.2: use Airflow 3.3.0 or later, or remove it from 'env'");
  });

  test('a 3.4 setting fails on 3.3 and passes on 3.4', () => {
    expect(checkAirflowSetting(AirflowVersion.V3_3_2, 'sdk.dag_bundle_to_coordinator', '{}')).toBe(
      "Airflow setting 'sdk.dag_bundle_to_coordinator' was added in Airflow 3.4.0, but 'airflowVersion' is 3.3.2: use Airflow 3.4.0 or later, or remove it from 'settings'");
    expect(checkAirflowSetting(AirflowVersion.V3_4_0, 'sdk.dag_bundle_to_coordinator', '{}')).toBeUndefined();
  });

  test('a 3.2.2 setting the 3.2.0.dev data lacks is known on 3.2.2, a later addition on 3.1.8', () => {
    expect(checkAirflowSetting(AirflowVersion.V3_2_2, 'api.dag_cache_size', '64')).toBeUndefined();
    expect(checkAirflowSetting(AirflowVersion.V3_2_2, 'api.dag_cache_size', 'many')).toBe("Airflow setting 'api.dag_cache_size' must be an integer, got 'many'");
    expect(checkAirflowSetting(AirflowVersion.V3_1_8, 'api.dag_cache_size', '64')).toMatch(/was added in Airflow 3\.2\.2, but 'airflowVersion' is 3\.1\.8/);
  });

  test('values are checked against the 3.3 types', () => {
    expect(checkAirflowSetting(AirflowVersion.V3_3_2, 'state_store.default_retention_days', 'a week')).toBe(
      "Airflow setting 'state_store.default_retention_days' must be an integer, got 'a week'");
  });

  test('the edge3 and keycloak provider sections are known from 3.3 on', () => {
    const sections = Object.keys(airflowSettingsData(AirflowVersion.V3_3_2).sections);
    expect(sections).toEqual(expect.arrayContaining(['edge', 'keycloak_auth_manager', 'state_store', 'sdk', 'connection_test', 'callbacks']));
    expect(Object.keys(airflowSettingsData(AirflowVersion.V3_2_2).sections)).not.toContain('state_store');
  });

  test('Airflow 2 keeps its own messages (no 3.x "added in")', () => {
    expect(checkAirflowSetting(AirflowVersion.V2_11_1, 'state_store.default_retention_days', '7')).toMatch(/^Airflow 2\.11\.1 has no section 'state_store'/);
  });

  test('a deployment on 3.3 takes the settings; on 3.2 it fails when created', () => {
    const settings = { 'state_store.default_retention_days': '7', 'sdk.coordinators': '{}' };
    expect(() => new AirflowDeployment(testChart(), 'Airflow', { airflowVersion: AirflowVersion.V3_3_2, settings })).not.toThrow();
    expect(() => new AirflowDeployment(testChart(), 'Airflow', { airflowVersion: AirflowVersion.V3_2_2, settings }))
      .toThrow("Airflow setting 'state_store.default_retention_days' was added in Airflow 3.3.0, but 'airflowVersion' is 3.2.2");
  });
});

describe('releases newer than the newest known', () => {
  const NEWER = "'airflowVersion' 3.5.0 is newer than the newest Airflow release this library knows (3.4.0): settings are checked against 3.4.0's; upgrade cdk8s-airflow when one knows 3.5.0";

  test('AirflowDeployment warns, and checks settings against the newest data', () => {
    const chart = testChart();
    new AirflowDeployment(chart, 'Airflow', { airflowVersion: AirflowVersion.of('3.5.0'), settings: { 'sdk.dag_bundle_to_coordinator': '{}' } });
    expect(AirflowWarnings.of(chart).messages).toContain(NEWER);
    expect(airflowSettingsData(AirflowVersion.of('3.5.0'))).toBe(airflowSettingsData(AirflowVersion.V3_4_0));
  });

  test('a known release gives no such warning', () => {
    for (const version of [AirflowVersion.V3_4_0, AirflowVersion.V3_3_2, AirflowVersion.DEFAULT]) {
      const chart = testChart();
      new AirflowDeployment(chart, 'Airflow', { airflowVersion: version });
      expect(AirflowWarnings.of(chart).messages.filter(m => m.includes('newer than the newest'))).toEqual([]);
    }
  });
});
