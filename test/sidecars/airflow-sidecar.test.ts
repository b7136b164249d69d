import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { describe, expect, test } from 'vitest';
import { AirflowExecutor, AirflowSidecar, AirflowVersion, KerberosSidecarOptions } from '../../src';
import { expectValidManifests } from '../support/manifests';
import { airflowCfg, container, env, one, podSpec, testChart, errorOf, deployInChart as deploy } from '../support/synth';

const KRB5_CONF = '[libdefaults]\n  default_realm = EXAMPLE.COM\n[realms]\n  EXAMPLE.COM = { kdc = kdc.example.com }\n';

let keytabs = 0;
function kerberos(chart: ReturnType<typeof testChart>, options: Partial<KerberosSidecarOptions> = {}): AirflowSidecar {
  return AirflowSidecar.kerberos({
    principal: 'airflow/_HOST@EXAMPLE.COM',
    keytab: { secret: kplus.Secret.fromSecretName(chart, `Keytab${keytabs++}`, 'airflow-keytab'), key: 'airflow.keytab' },
    krb5Conf: KRB5_CONF,
    ...options,
  });
}

describe('AirflowSidecar.syncPermissions', () => {
  test('Airflow 2: a sync-perm loop next to the webserver, built from the recipe (config and database)', () => {
    const { manifests } = deploy(() => ({
      airflowVersion: AirflowVersion.V2_11_0, webserver: { sidecars: [AirflowSidecar.syncPermissions({ interval: Duration.minutes(5) })] },
    }));
    const webserver = one(manifests, 'Deployment', 'webserver');
    const spec = podSpec(webserver);
    expect(spec.containers.map((c: any) => c.name)).toEqual(expect.arrayContaining(['webserver', 'sync-perm']));
    expect(spec.containers[0].name).toBe('webserver');
    const sync = container(spec, 'sync-perm');
    expect(sync.args).toEqual(['bash', '-c', 'while true; do airflow sync-perm --include-dags || echo "airflow sync-perm failed" >&2; sleep 300; done']);
    expect(sync.image).toBe('apache/airflow:2.11.0');
    expect(env(sync, 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN').valueFrom.secretKeyRef).toBeDefined();
    expect(sync.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ mountPath: '/opt/airflow/airflow.cfg' })]));
    expect(sync.resources).toEqual({ requests: { cpu: '50m', memory: '512Mi' }, limits: { memory: '1024Mi' } });
    expect(sync.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expectValidManifests(manifests);
  });

  test('Airflow 3 with the FAB auth manager: next to the API server', () => {
    const { manifests } = deploy(() => ({
      settings: { 'core.auth_manager': 'airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager' },
      apiServer: { sidecars: [AirflowSidecar.syncPermissions()] },
    }));
    const sync = container(podSpec(one(manifests, 'Deployment', 'api-server')), 'sync-perm');
    expect(sync.args[2]).toContain('sleep 600;');
    expectValidManifests(manifests);
  });

  test('errors: Airflow 3 without FAB, another component, a short interval', () => {
    expect(errorOf(() => deploy(() => ({ apiServer: { sidecars: [AirflowSidecar.syncPermissions()] } }))))
      .toBe("AirflowSidecar.syncPermissions() runs 'airflow sync-perm', which Airflow 3.2.2 has only with the FAB auth manager, but 'core.auth_manager' "
        + "is not set (SimpleAuthManager): set it to 'airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager' in 'settings', or remove the sidecar");
    expect(errorOf(() => deploy(() => ({
      settings: { 'core.auth_manager': 'my.AuthManager' }, apiServer: { sidecars: [AirflowSidecar.syncPermissions()] },
    })))).toContain("but 'core.auth_manager' is 'my.AuthManager': set it to");
    expect(errorOf(() => deploy(() => ({ airflowVersion: AirflowVersion.V2_11_0, scheduler: { sidecars: [AirflowSidecar.syncPermissions()] } }))))
      .toBe("AirflowSidecar.syncPermissions() belongs next to the UI, not to 'scheduler': add it to 'webserver.sidecars' (Airflow 2) "
        + "or 'apiServer.sidecars' (Airflow 3 with the FAB auth manager)");
    expect(errorOf(() => AirflowSidecar.syncPermissions({ interval: Duration.seconds(30) })))
      .toBe("AirflowSidecar.syncPermissions: 'interval' must be at least 1 minute, got 30s");
  });
});

describe('AirflowSidecar.kerberos', () => {
  test('scheduler, triggerer and Celery workers share one [kerberos] section and krb5.conf; each pod renews its own ticket', () => {
    const { manifests } = deploy((chart) => {
      const sidecar = kerberos(chart);
      return {
        executor: AirflowExecutor.celery({ pools: [{ name: 'default', sidecars: [sidecar] }] }),
        scheduler: { sidecars: [sidecar] },
        triggerer: { sidecars: [kerberos(chart, { reinitFrequency: Duration.hours(1) })] },
      };
    });
    const cfg = airflowCfg(manifests);
    expect(cfg).toMatchObject({
      'kerberos.principal': 'airflow/_HOST@EXAMPLE.COM',
      'kerberos.keytab': '/etc/airflow-kerberos/airflow.keytab',
      'kerberos.ccache': '/var/kerberos-ccache/ccache',
      'kerberos.reinit_frequency': '3600',
    });
    const krb5 = manifests.filter(m => m.kind === 'ConfigMap' && m.data?.['krb5.conf'] !== undefined);
    expect(krb5).toHaveLength(1);
    expect(krb5[0].data['krb5.conf']).toBe(KRB5_CONF);

    for (const [name, main] of [['scheduler', 'scheduler'], ['triggerer', 'triggerer'], ['worker', 'worker']]) {
      const workload = manifests.find(m => m.kind === 'Deployment' && m.spec.template.metadata.labels['app.kubernetes.io/component'] === name);
      const spec = podSpec(workload);
      expect(spec.initContainers.map((c: any) => c.name), name).toEqual(expect.arrayContaining(['wait-for-airflow-migrations', 'kerberos-init']));
      expect(spec.containers.map((c: any) => c.name), name).toEqual(expect.arrayContaining([main, 'kerberos']));
      expect(spec.containers[0].name, name).toBe(main);
      expect(container(spec, 'kerberos-init').args).toEqual(['airflow', 'kerberos', '--one-time']);
      expect(container(spec, 'kerberos').args).toEqual(['airflow', 'kerberos']);
      for (const c of [main, 'kerberos', 'kerberos-init']) {
        expect(env(container(spec, c), 'KRB5CCNAME').value).toBe('/var/kerberos-ccache/ccache');
        expect(env(container(spec, c), 'KRB5_CONFIG').value).toBe('/etc/airflow-krb5/krb5.conf');
        expect(container(spec, c).volumeMounts).toEqual(expect.arrayContaining([
          { mountPath: '/var/kerberos-ccache', name: 'kerberos-ccache' }, { mountPath: '/etc/airflow-krb5', name: 'krb5-config', readOnly: true },
        ]));
      }
      // the keytab reaches the Kerberos containers only.
      const keytabMount = { mountPath: '/etc/airflow-kerberos', name: 'kerberos-keytab', readOnly: true };
      expect(container(spec, 'kerberos').volumeMounts).toContainEqual(keytabMount);
      expect(container(spec, 'kerberos-init').volumeMounts).toContainEqual(keytabMount);
      expect(container(spec, main).volumeMounts).not.toContainEqual(keytabMount);
      expect(spec.volumes).toEqual(expect.arrayContaining([
        { name: 'kerberos-ccache', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
        { name: 'kerberos-keytab', secret: { secretName: 'airflow-keytab', defaultMode: 0o440, items: [{ key: 'airflow.keytab', path: 'airflow.keytab' }] } },
        { name: 'krb5-config', configMap: { name: krb5[0].metadata.name } },
      ]));
      expect(workload.spec.template.metadata.annotations['checksum/krb5-conf']).toMatch(/^[0-9a-f]{16}$/);
    }
    expectValidManifests(manifests, { external: { secrets: ['airflow-keytab'] } });
  });

  test('errors: a bad principal, an empty krb5.conf, a short renewal, two different sidecars, a user [kerberos] setting', () => {
    const chart = testChart();
    expect(errorOf(() => kerberos(chart, { principal: 'airflow @EXAMPLE.COM' })))
      .toBe("AirflowSidecar.kerberos: 'principal' must look like 'airflow' or 'airflow/_HOST@EXAMPLE.COM' (no spaces), got 'airflow @EXAMPLE.COM'");
    expect(errorOf(() => kerberos(chart, { krb5Conf: ' \n' })))
      .toBe("AirflowSidecar.kerberos: 'krb5Conf' is empty: give the content of krb5.conf (at least the default realm and its KDCs)");
    expect(errorOf(() => kerberos(chart, { reinitFrequency: Duration.seconds(10) })))
      .toBe("AirflowSidecar.kerberos: 'reinitFrequency' must be at least 1 minute, got 10s");
    expect(errorOf(() => deploy((c) => ({
      scheduler: { sidecars: [kerberos(c)] }, triggerer: { sidecars: [kerberos(c, { principal: 'other@EXAMPLE.COM', reinitFrequency: Duration.minutes(5) })] },
    })))).toBe("AirflowSidecar.kerberos on 'triggerer' has another principal, reinitFrequency than a Kerberos sidecar bound before, "
      + 'but airflow.cfg has one [kerberos] section: give every component the same AirflowSidecar.kerberos(...) options');
    expect(errorOf(() => deploy((c) => ({ settings: { 'kerberos.principal': 'x' }, scheduler: { sidecars: [kerberos(c)] } }))))
      .toContain("Airflow setting 'kerberos.principal' is managed by this library: set 'sidecars (AirflowSidecar.kerberos)' instead of overriding it in 'settings'");
  });
});
