import { describe, expect, test } from 'vitest';
import { AirflowVersion } from '../src';

describe('AirflowVersion', () => {
  test('parses MAJOR.MINOR.PATCH and knows its major', () => {
    const v = AirflowVersion.of('3.1.7');
    expect([v.major, v.minor, v.patch, v.isAirflow3]).toEqual([3, 1, 7, true]);
    expect(v.officialImage).toBe('apache/airflow:3.1.7');
    expect(AirflowVersion.V2_11_0.isAirflow3).toBe(false);
    expect(AirflowVersion.DEFAULT.version).toBe('3.2.2');
  });

  test('atLeast compares major and minor', () => {
    expect(AirflowVersion.V2_10_5.atLeast(2, 10)).toBe(true);
    expect(AirflowVersion.V2_10_5.atLeast(2, 11)).toBe(false);
    expect(AirflowVersion.V3_0_6.atLeast(2, 11)).toBe(true);
  });

  test('fails on a malformed version', () => {
    expect(() => AirflowVersion.of('3.2')).toThrow("'airflowVersion' must look like MAJOR.MINOR.PATCH (for example '3.2.2'), got '3.2'");
  });

  test('fails on Airflow before 2.10 and after 3.x', () => {
    expect(() => AirflowVersion.of('2.9.3')).toThrow("'airflowVersion' 2.9.3 is not supported: use Airflow 2.10 or later, up to 3.x");
    expect(() => AirflowVersion.of('4.0.0')).toThrow("'airflowVersion' 4.0.0 is not supported");
  });
});

describe('AirflowVersion constants', () => {
  test('every supported minor at its newest confirmed patch (test/fixtures/airflow-config/SOURCES.md)', () => {
    expect([
      AirflowVersion.V2_10_5, AirflowVersion.V2_11_1, AirflowVersion.V3_0_6, AirflowVersion.V3_1_8,
      AirflowVersion.V3_2_2, AirflowVersion.V3_3_2, AirflowVersion.V3_4_0,
    ].map(v => v.version)).toEqual(['2.10.5', '2.11.1', '3.0.6', '3.1.8', '3.2.2', '3.3.2', '3.4.0']);
    expect(AirflowVersion.V2_11_0.version).toBe('2.11.0'); // kept for existing users
    expect(AirflowVersion.NEWEST_KNOWN.version).toBe('3.4.0');
  });

  test('isNewerThanKnown: above 3.4.0 only', () => {
    expect(['3.4.0', '3.3.2', '2.11.1'].map(v => AirflowVersion.of(v).isNewerThanKnown)).toEqual([false, false, false]);
    expect(['3.4.1', '3.5.0'].map(v => AirflowVersion.of(v).isNewerThanKnown)).toEqual([true, true]);
  });

  test('the default is 3.2.2, a deliberate choice documented in README and CHANGELOG', () => {
    expect(AirflowVersion.DEFAULT).toBe(AirflowVersion.V3_2_2);
  });
});
