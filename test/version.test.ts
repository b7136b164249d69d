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
