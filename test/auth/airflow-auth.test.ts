import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowAuth, AirflowDeployment, AirflowVersion, SimpleAuthRole } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { CACHE_DIR, describeWith } from '../support/real-components';
import { airflowCfg, container, deployInChart, env, errorOf, one, podSpec, synthDeployment, testChart } from '../support/synth';

function generatedKeys(manifests: any[]): string {
  return manifests.find(m => m.metadata.annotations?.['airflow.cdk8s.io/generates-secret-keys']).metadata.annotations['airflow.cdk8s.io/generates-secret-keys'];
}

describe('AirflowAuth.simple (Airflow 3 default): every replica and restart accepts the same password (issue #12)', () => {
  const { manifests } = synthDeployment({ apiServer: { replicas: 2 } });

  test('the passwords file comes from a Secret generated once in the cluster, copied into /tmp by every API server pod', () => {
    expectValidManifests(manifests);
    expect(generatedKeys(manifests)).toContain('airflow-simple-auth:password-admin|passwords.json');
    const cfg = airflowCfg(manifests);
    expect(cfg['core.simple_auth_manager_users']).toBe('admin:admin');
    expect(cfg['core.simple_auth_manager_all_admins']).toBe('False');
    expect(cfg['core.simple_auth_manager_passwords_file']).toBe('/tmp/simple-auth/passwords.json');
    const api = one(manifests, 'Deployment', '-api-server');
    expect(api.spec.replicas).toBe(2);
    const spec = podSpec(api);
    const copy = spec.initContainers.find((c: any) => c.name === 'copy-simple-auth-passwords');
    expect(copy.args).toEqual(['bash', '-c', 'mkdir -p /tmp/simple-auth && cp /opt/airflow/simple-auth/passwords.json /tmp/simple-auth/passwords.json']);
    const mount = copy.volumeMounts.find((m: any) => m.mountPath === '/opt/airflow/simple-auth');
    expect(mount.readOnly).toBe(true);
    expect(spec.volumes.find((v: any) => v.name === mount.name).secret).toEqual({ secretName: 'airflow-simple-auth', items: [{ key: 'passwords.json', path: 'passwords.json' }] });
    // only the API server reads the passwords.
    for (const m of manifests.filter(o => o.kind === 'Deployment' && o !== api)) {
      expect(JSON.stringify(podSpec(m))).not.toContain('simple-auth');
    }
  });

  test('users and roles; the user\'s own passwords Secret', () => {
    const { manifests: mine } = deployInChart(chart => ({
      auth: AirflowAuth.simple({
        users: [{ username: 'alice' }, { username: 'bob', role: SimpleAuthRole.VIEWER }],
        passwords: { secret: kplus.Secret.fromSecretName(chart, 'P', 'my-passwords'), key: 'file.json' },
      }),
    }));
    expect(airflowCfg(mine)['core.simple_auth_manager_users']).toBe('alice:admin,bob:viewer');
    expect(JSON.stringify(mine)).not.toContain('airflow-simple-auth');
    const spec = podSpec(one(mine, 'Deployment', '-api-server'));
    expect(spec.volumes.find((v: any) => v.secret?.secretName === 'my-passwords').secret.items).toEqual([{ key: 'file.json', path: 'passwords.json' }]);
  });

  test('bad input', () => {
    expect(errorOf(() => AirflowAuth.simple({ users: [] }))).toBe("AirflowAuth.simple: 'users' must not be empty: give at least one user");
    expect(errorOf(() => AirflowAuth.simple({ users: [{ username: 'a b' }] })))
      .toBe("AirflowAuth.simple: username 'a b' must be 1 to 64 letters, digits, '.', '_' or '-'");
    expect(errorOf(() => AirflowAuth.simple({ users: [{ username: 'a' }, { username: 'a' }] }))).toBe("AirflowAuth.simple: user 'a' is given twice");
    expect(errorOf(() => synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, auth: AirflowAuth.simple() })))
      .toBe("AirflowAuth.simple() is the SimpleAuthManager of Airflow 3, but 'airflowVersion' is 2.11.0: use AirflowAuth.fab()");
  });
});

describe('AirflowAuth.fab: a first admin through an idempotent Job (issue #12)', () => {
  test.each([[AirflowVersion.V2_11_0, 'default on Airflow 2'], [AirflowVersion.V3_2_2, 'asked for on Airflow 3']])('%s', (version) => {
    const { manifests } = synthDeployment({ airflowVersion: version, auth: version.isAirflow3 ? AirflowAuth.fab() : undefined });
    expectValidManifests(manifests);
    const job = manifests.find(m => m.kind === 'Job' && m.metadata.name.startsWith('airflow-create-admin-'));
    expect(job.metadata.name).toMatch(/^airflow-create-admin-[0-9a-z]+$/);
    const c = container(podSpec(job), 'create-admin');
    expect(c.args).toEqual(['bash', '-c', "exec airflow users create --role Admin --username 'admin' --email 'admin@example.com' "
      + '--firstname Admin --lastname User --password "$AIRFLOW_ADMIN_PASSWORD"']);
    expect(env(c, 'AIRFLOW_ADMIN_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'airflow-fab-admin', key: 'password' });
    expect(podSpec(job).initContainers.map((i: any) => i.name)).toContain('wait-for-airflow-migrations');
    expect(generatedKeys(manifests)).toContain('airflow-fab-admin:password');
    const cfg = airflowCfg(manifests);
    if (version.isAirflow3) expect(cfg['core.auth_manager']).toBe('airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager');
    const webserverConfig = manifests.find(m => m.kind === 'ConfigMap' && m.data?.['webserver_config.py']).data['webserver_config.py'];
    expect(webserverConfig).toContain('AUTH_TYPE = AUTH_DB');
  });

  test('the user\'s own webserver_config.py (OAuth, LDAP) and admin Secret', () => {
    const { manifests } = deployInChart(chart => ({
      auth: AirflowAuth.fab({
        webserverConfig: 'from flask_appbuilder.security.manager import AUTH_OAUTH\nAUTH_TYPE = AUTH_OAUTH\n',
        admin: { username: 'root', email: 'ops@example.org', password: { secret: kplus.Secret.fromSecretName(chart, 'A', 'my-admin'), key: 'pw' } },
      }),
    }));
    expect(manifests.find(m => m.kind === 'ConfigMap' && m.data?.['webserver_config.py']).data['webserver_config.py']).toContain('AUTH_OAUTH');
    const job = manifests.find(m => m.kind === 'Job' && m.metadata.name.startsWith('airflow-create-admin-'));
    expect(env(container(podSpec(job), 'create-admin'), 'AIRFLOW_ADMIN_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'my-admin', key: 'pw' });
    expect(JSON.stringify(manifests)).not.toContain('airflow-fab-admin');
  });

  test('bad input', () => {
    expect(errorOf(() => AirflowAuth.fab({ admin: { username: 'a b' } })))
      .toBe("AirflowAuth.fab: 'admin.username' must be 1 to 64 letters, digits, '.', '_', '@' or '-', got 'a b'");
    expect(errorOf(() => AirflowAuth.fab({ admin: { email: 'nope' } }))).toBe("AirflowAuth.fab: 'admin.email' must be an e-mail address, got 'nope'");
  });
});

/**
 * Airflow 3.2.2's own SimpleAuthManager with the passwords file as the Secret generator writes it (template
 * `{"admin": "{password-admin}"}`) and the copy the init container makes: login with the documented password works
 * on any number of pods (each one's init() leaves the file as it is), a wrong password is refused (the oracle).
 */
describeWith(['airflow'], 'SimpleAuthManager login with the mounted passwords file (real Airflow 3.2.2)', () => {
  const login = (password: string) => {
    const airflow = new AirflowDeployment(testChart(), 'Airflow', {});
    const home = mkdtempSync(join(tmpdir(), 'auth-'));
    writeFileSync(join(home, 'airflow.cfg'), airflow.config.render());
    const file = join(home, 'passwords.json');
    // what the generator writes: the template with the generated value.
    writeFileSync(file, '{"admin": "{password-admin}"}'.replace('{password-admin}', 'S3cretFromSecret'));
    const before = readFileSync(file, 'utf-8');
    const script = [
      'from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager',
      'from airflow.api_fastapi.auth.managers.simple.services.login import SimpleAuthManagerLogin',
      'from airflow.api_fastapi.auth.managers.simple.datamodels.login import LoginBody',
      'import sys',
      'from airflow.api_fastapi.app import init_auth_manager',
      '# two API server replicas start on the same file content: neither may change it.',
      'SimpleAuthManager().init()',
      'assert type(init_auth_manager()).__name__ == "SimpleAuthManager"',
      'try:',
      '    token = SimpleAuthManagerLogin.create_token(body=LoginBody(username="admin", password=sys.argv[1]))',
      '    print("LOGIN OK", len(token) > 20)',
      'except Exception as e:',
      '    print("LOGIN REFUSED", getattr(e, "status_code", e))',
    ].join('\n');
    const result = spawnSync(join(CACHE_DIR, 'venvs', 'airflow-3.2.2', 'bin', 'python'), ['-c', script, password], {
      encoding: 'utf-8',
      timeout: 120_000,
      env: {
        PATH: '/usr/bin:/bin',
        HOME: home,
        AIRFLOW_HOME: home,
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: file,
        AIRFLOW__API_AUTH__JWT_SECRET: 'test-jwt-secret-test-jwt-secret',
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${home}/airflow.db`,
      },
    });
    return { out: result.stdout + result.stderr, unchanged: readFileSync(file, 'utf-8') === before };
  };
  test('the documented password logs in, and init() on every replica leaves the file unchanged', () => {
    const { out, unchanged } = login('S3cretFromSecret');
    expect(out).toContain('LOGIN OK True');
    expect(unchanged).toBe(true);
  }, 120_000);
  test('the oracle: a wrong password is refused', () => {
    expect(login('wrong').out).toContain('LOGIN REFUSED 401');
  }, 120_000);
});

describe('AirflowAuth.keycloak (Airflow 3, provider keycloak)', () => {
  test('the auth manager, its settings, and the client secret only in the API server', () => {
    const { manifests } = deployInChart(chart => ({
      auth: AirflowAuth.keycloak({
        serverUrl: 'https://keycloak.example.com',
        realm: 'airflow',
        clientId: 'airflow-ui',
        clientSecret: { secret: kplus.Secret.fromSecretName(chart, 'K', 'keycloak-client'), key: 'secret' },
      }),
    }));
    expectValidManifests(manifests, { external: { secrets: ['keycloak-client'] } });
    const cfg = airflowCfg(manifests);
    expect(cfg['core.auth_manager']).toBe('airflow.providers.keycloak.auth_manager.keycloak_auth_manager.KeycloakAuthManager');
    expect(cfg['keycloak_auth_manager.server_url']).toBe('https://keycloak.example.com');
    expect(cfg['keycloak_auth_manager.realm']).toBe('airflow');
    expect(cfg['keycloak_auth_manager.client_id']).toBe('airflow-ui');
    expect(cfg['keycloak_auth_manager.client_secret']).toBeUndefined();
    const api = container(podSpec(one(manifests, 'Deployment', '-api-server')), 'api-server');
    expect(env(api, 'AIRFLOW__KEYCLOAK_AUTH_MANAGER__CLIENT_SECRET').valueFrom.secretKeyRef).toEqual({ name: 'keycloak-client', key: 'secret' });
    const scheduler = container(podSpec(one(manifests, 'Deployment', '-scheduler')), 'scheduler');
    expect(env(scheduler, 'AIRFLOW__KEYCLOAK_AUTH_MANAGER__CLIENT_SECRET')).toBeUndefined();
    expect(JSON.stringify(manifests)).not.toContain('simple-auth');
  });

  test('bad input', () => {
    const clientSecret = { secret: kplus.Secret.fromSecretName(testChart(), 'K', 'k'), key: 's' };
    expect(errorOf(() => AirflowAuth.keycloak({ serverUrl: 'https://u:topsecret@kc.example.com', realm: 'r', clientId: 'c', clientSecret })))
      .toBe("AirflowAuth.keycloak: 'serverUrl' https://***@kc.example.com holds credentials (the part before '@'), which would be written in clear "
        + "into the airflow.cfg ConfigMap: remove them from the URL and give the client's secret in 'clientSecret'");
    expect(errorOf(() => AirflowAuth.keycloak({ serverUrl: 'kc.example.com', realm: 'r', clientId: 'c', clientSecret })))
      .toBe("AirflowAuth.keycloak: 'serverUrl' must be an http:// or https:// URL like 'https://keycloak.example.com', got 'kc.example.com'");
    expect(errorOf(() => AirflowAuth.keycloak({ serverUrl: 'https://kc', realm: 'my realm', clientId: 'c', clientSecret })))
      .toBe("AirflowAuth.keycloak: 'realm' must be letters, digits, '.', '_' or '-', got 'my realm'");
    expect(errorOf(() => synthDeployment({ airflowVersion: AirflowVersion.V2_11_0, auth: AirflowAuth.keycloak({ serverUrl: 'https://kc', realm: 'r', clientId: 'c', clientSecret }) })))
      .toBe("AirflowAuth.keycloak() is an auth manager of Airflow 3, but 'airflowVersion' is 2.11.0: use AirflowAuth.fab() (OAuth through webserverConfig)");
  });
});
