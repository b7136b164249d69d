import { spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, test } from 'vitest';
import { AirflowConfig, AirflowVersion } from '../../src';
import { CACHE_DIR, describeWith } from '../support/real-components';
import { testChart } from '../support/synth';

/**
 * `airflow.cfg` is read by Airflow's `AirflowConfigParser`, a `configparser.ConfigParser` with the default
 * `BasicInterpolation` (airflow-core 3.2.2 `src/airflow/_shared/configuration/parser.py`, apache-airflow 2.11.0
 * `airflow/configuration.py`): values must come back exactly as given, `%` included.
 */
const GIVEN: { [name: string]: string } = {
  'logging.log_format': '[%(asctime)s] %(message)s',
  'logging.simple_log_format': '%(asctime)s %(levelname)s - %(message)s',
  'core.default_timezone': 'Europe/Paris',
  'webserver.instance_name': '100% uptime; #1 = best',
  'core.hostname_callable': 'airflow.utils.net.getfqdn',
};

/** Python reading `file` with `configparser.ConfigParser()` (interpolation on, like Airflow), every value as JSON. */
const PARSE_WITH_CONFIGPARSER = `
import configparser, json, sys
p = configparser.ConfigParser()
p.read(sys.argv[1])
print(json.dumps({f"{s}.{k}": p.get(s, k) for s in p.sections() for k in p.options(s)}))
`;

type PythonResult = { status: number | null; out: string; err: string };

function parseWithPython(python: string, script: string, cfg: string, env: NodeJS.ProcessEnv = {}): PythonResult {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'airflow.cfg');
  writeFileSync(file, cfg);
  const result = spawnSync(python, ['-c', script, file], {
    encoding: 'utf-8', env: { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8', AIRFLOW_HOME: dir, AIRFLOW_CONFIG: file, ...env }, timeout: 120_000,
  });
  return { status: result.status, out: result.stdout, err: result.stderr };
}

function renderGiven(version: AirflowVersion, given: { [name: string]: string }): string {
  return new AirflowConfig(testChart(), 'Config', { version, settings: given }).render();
}

describe('airflow.cfg reads back exactly what was given (python3 configparser with interpolation)', () => {
  test('every value, % included, parses back unchanged', () => {
    const cfg = renderGiven(AirflowVersion.V2_11_0, GIVEN);
    expect(cfg).toContain('log_format = [%%(asctime)s] %%(message)s');
    const result = parseWithPython('python3', PARSE_WITH_CONFIGPARSER, cfg);
    expect(result.err).toBe('');
    expect(JSON.parse(result.out)).toEqual(GIVEN);
  });

  test('the oracle fails on an unescaped % (the bug this guards against)', () => {
    const broken = '[logging]\nlog_format = [%(asctime)s] %(message)s\n';
    const result = parseWithPython('python3', PARSE_WITH_CONFIGPARSER, broken);
    expect(result.status).not.toBe(0);
    expect(result.err).toContain('InterpolationMissingOptionError');
  });
});

/** Airflow's own `conf` (from the venv of the real release) reading the rendered file, every given value as JSON. */
const parseWithAirflow = (names: string[]) => `
import json
from airflow.configuration import conf
print(json.dumps({n: conf.get(*n.split('.')) for n in ${JSON.stringify(names)}}))
`;

describeWith(['airflow'], 'airflow.cfg read by Airflow\'s own conf (real Airflow venvs)', () => {
  for (const [venv, version] of [['airflow-3.2.2', AirflowVersion.of('3.2.2')], ['airflow-2.11.0', AirflowVersion.V2_11_0]] as const) {
    test(`${venv}: conf.get returns every given value unchanged`, () => {
      const python = join(CACHE_DIR, 'venvs', venv, 'bin', 'python');
      // Airflow 3 moved [webserver] instance_name to [api].
      const given = Object.fromEntries(Object.entries(GIVEN).map(([n, v]) => [version.isAirflow3 ? n.replace('webserver.', 'api.') : n, v]));
      const result = parseWithPython(python, parseWithAirflow(Object.keys(given)), renderGiven(version, given));
      expect(result.status, result.err).toBe(0);
      expect(JSON.parse(result.out.trim().split('\n').pop()!)).toEqual(given);
    }, 120_000);

    test(`${venv}: the oracle fails on an unescaped %`, () => {
      const python = join(CACHE_DIR, 'venvs', venv, 'bin', 'python');
      const broken = '[logging]\nlog_format = [%(asctime)s] %(message)s\n';
      const script = 'from airflow.configuration import conf\nprint(conf.get("logging", "log_format"))';
      const result = parseWithPython(python, script, broken);
      expect(result.status).not.toBe(0);
      expect(result.err).toMatch(/Interpolation/);
    }, 120_000);
  }
});
