import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { AirflowSidecarBindOptions } from './airflow-sidecar';
import { AirflowConfig } from '../config/airflow-config';
import { AirflowNames } from '../naming/airflow-names';
import { AirflowPod } from '../pod/airflow-pod-recipe';
import { cpuAndMemory } from '../pod/security';
import { shortHash } from '../utils/hash';

/** Where Airflow containers find the ticket cache (an in-memory emptyDir). */
const CCACHE_DIR = '/var/kerberos-ccache';
const CCACHE = `${CCACHE_DIR}/ccache`;
/** Where the Kerberos containers find the keytab. */
const KEYTAB_DIR = '/etc/airflow-kerberos';
const KEYTAB = `${KEYTAB_DIR}/airflow.keytab`;
/** Where every Airflow container finds krb5.conf. */
const KRB5_CONF_DIR = '/etc/airflow-krb5';
const KRB5_CONF = `${KRB5_CONF_DIR}/krb5.conf`;
const OWNER = 'sidecars (AirflowSidecar.kerberos)';

/**
 * Options for `AirflowSidecar.kerberos()`.
 */
export interface KerberosSidecarOptions {
  /** The Kerberos principal Airflow authenticates as, e.g. `airflow/_HOST@EXAMPLE.COM` (`[kerberos] principal`). */
  readonly principal: string;
  /** The Secret key holding the principal's keytab (binary). */
  readonly keytab: kplus.SecretValue;
  /** The content of `krb5.conf` (realms, KDCs), stored in a ConfigMap. */
  readonly krb5Conf: string;
  /**
   * How often the ticket is renewed (`[kerberos] reinit_frequency`).
   *
   * @default Duration.hours(1)
   */
  readonly reinitFrequency?: Duration;
  /**
   * Resources of the renewer and of its init container.
   *
   * @default - 50m CPU, 256Mi memory request, 512Mi memory limit.
   */
  readonly resources?: kplus.ContainerResources;
}

/** @internal */
export function validateKerberos(options: KerberosSidecarOptions): void {
  if (!/^[^\s@/]+(\/[^\s@/]+)?(@[^\s@/]+)?$/.test(options.principal)) {
    throw new Error(`AirflowSidecar.kerberos: 'principal' must look like 'airflow' or 'airflow/_HOST@EXAMPLE.COM' (no spaces), got '${options.principal}'`);
  }
  if (options.krb5Conf.trim() === '') {
    throw new Error("AirflowSidecar.kerberos: 'krb5Conf' is empty: give the content of krb5.conf (at least the default realm and its KDCs)");
  }
  const seconds = (options.reinitFrequency ?? Duration.hours(1)).toSeconds();
  if (seconds < 60) {
    throw new Error(`AirflowSidecar.kerberos: 'reinitFrequency' must be at least 1 minute, got ${seconds}s`);
  }
}

/**
 * What every Kerberos sidecar of one configuration shares: `[kerberos]` settings and the krb5.conf ConfigMap.
 */
class KerberosShared extends Construct {
  public static of(config: AirflowConfig, options: KerberosSidecarOptions, component: string): KerberosShared {
    const parent = config.node.scope!;
    const found = parent.node.tryFindChild('KerberosConfig');
    const shared = found instanceof KerberosShared ? found : new KerberosShared(parent, 'KerberosConfig', config, options);
    const other = shared.options;
    const differs = [
      other.principal !== options.principal ? 'principal' : undefined,
      other.keytab.secret.name !== options.keytab.secret.name || other.keytab.key !== options.keytab.key ? 'keytab' : undefined,
      other.krb5Conf !== options.krb5Conf ? 'krb5Conf' : undefined,
      reinitSeconds(other) !== reinitSeconds(options) ? 'reinitFrequency' : undefined,
    ].filter(d => d !== undefined);
    if (differs.length > 0) {
      throw new Error(`AirflowSidecar.kerberos on '${component}' has another ${differs.join(', ')} than a Kerberos sidecar bound before, `
        + 'but airflow.cfg has one [kerberos] section: give every component the same AirflowSidecar.kerberos(...) options');
    }
    return shared;
  }

  public readonly krb5Config: kplus.ConfigMap;

  private constructor(scope: Construct, id: string, config: AirflowConfig, public readonly options: KerberosSidecarOptions) {
    super(scope, id);
    this.krb5Config = new kplus.ConfigMap(this, 'Krb5Config', {
      metadata: AirflowNames.of(config).metadata(this, 'ConfigMap', 'kerberos', 'krb5'), data: { 'krb5.conf': options.krb5Conf },
    });
    config.setOwned('kerberos', 'principal', options.principal, OWNER);
    config.setOwned('kerberos', 'keytab', KEYTAB, OWNER);
    config.setOwned('kerberos', 'ccache', CCACHE, OWNER);
    config.setOwned('kerberos', 'reinit_frequency', String(reinitSeconds(options)), OWNER);
  }
}

function reinitSeconds(options: KerberosSidecarOptions): number {
  return (options.reinitFrequency ?? Duration.hours(1)).toSeconds();
}

/** @internal */
export function bindKerberos(options: KerberosSidecarOptions, scope: Construct, pod: AirflowPod, bind: AirflowSidecarBindOptions): void {
  const shared = KerberosShared.of(bind.recipe.config, options, bind.component);
  // tickets are credentials: keep them in memory, never on the node's disk.
  const ccache = kplus.Volume.fromEmptyDir(scope, 'KerberosCcacheVolume', 'kerberos-ccache', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1) });
  const krb5 = kplus.Volume.fromConfigMap(scope, 'Krb5ConfigVolume', shared.krb5Config, { name: 'krb5-config' });
  const keytab = kplus.Volume.fromSecret(scope, 'KerberosKeytabVolume', options.keytab.secret, {
    name: 'kerberos-keytab', items: { [options.keytab.key]: { path: 'airflow.keytab' } }, defaultMode: 0o440,
  });
  pod.mount(CCACHE_DIR, ccache);
  pod.mount(KRB5_CONF_DIR, krb5, { readOnly: true });
  bind.podMetadata.addAnnotation('checksum/krb5-conf', shortHash(options.krb5Conf, 16));

  const env: { [name: string]: kplus.EnvValue } = {
    KRB5CCNAME: kplus.EnvValue.fromValue(CCACHE),
    KRB5_CONFIG: kplus.EnvValue.fromValue(KRB5_CONF),
  };
  for (const [name, value] of Object.entries(env)) bind.container.env.addVariable(name, value);
  const resources = options.resources ?? cpuAndMemory(50, 256, 512);
  const init = pod.addAirflowInitContainer({ name: 'kerberos-init', args: ['airflow', 'kerberos', '--one-time'], resources, envVariables: env });
  const renewer = pod.addAirflowContainer({ name: 'kerberos', args: ['airflow', 'kerberos'], resources, envVariables: env });
  for (const container of [init, renewer]) container.mount(KEYTAB_DIR, keytab, { readOnly: true });
}
