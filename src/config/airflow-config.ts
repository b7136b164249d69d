import { Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  airflowSettingOfEnvVar, airflowSettingsData, checkAirflowEnvVar, checkAirflowSetting, checkSettingText, formatSettingsError, isSensitiveSetting,
  splitSettingName,
} from './airflow-settings-check';
import { AirflowNames, codePointOrder } from '../naming/airflow-names';
import { shortHash } from '../utils/hash';
import { AirflowVersion } from '../version';

/**
 * Props for `AirflowConfig`.
 */
export interface AirflowConfigProps {
  /**
   * The Airflow release the configuration is written for.
   *
   * @default AirflowVersion.DEFAULT
   */
  readonly version?: AirflowVersion;

  /**
   * Settings written to `airflow.cfg`, keyed `section.key`, e.g. `{ 'core.parallelism': '64' }`.
   *
   * They override the library's defaults, except for the keys the library owns (executor, DAG folder,
   * database connection, ...), which are set through their own props.
   *
   * Each one is checked against the settings of `version` when the construct is created: an unknown
   * setting (with the closest known one), a renamed or removed one (with the new name), or a value of the
   * wrong type (integer, float, boolean, list of allowed values) is an error. Settings of providers or
   * plugins Airflow's reference does not list go in `unknownSettings`.
   *
   * @default - only the library's defaults.
   */
  readonly settings?: { [sectionDotKey: string]: string };

  /**
   * Settings written to `airflow.cfg` as they are, without any check, keyed `section.key`.
   *
   * For settings of providers or plugins this library does not know (e.g. `{ 'openlineage.namespace': 'prod' }`),
   * or to get around a check that is wrong for your Airflow release.
   *
   * They override the library's defaults like `settings` do, never the keys the library owns. A key may
   * not be in both `settings` and `unknownSettings`.
   *
   * @default - none
   */
  readonly unknownSettings?: { [sectionDotKey: string]: string };

  /**
   * Sensitive settings, keyed `section.key`, whose values come from Kubernetes Secrets, e.g.
   * `{ 'secrets.backend_kwargs': { secret, key: 'kwargs' } }`.
   *
   * Each one reaches Airflow containers as `AIRFLOW__SECTION__KEY` from a `secretKeyRef`, never through `airflow.cfg`.
   * Settings Airflow marks sensitive (`smtp.smtp_password`, `sentry.sentry_dsn`, `secrets.backend_kwargs`, ...) are
   * refused in `settings` and `unknownSettings`: give them here.
   *
   * @default - none
   */
  readonly secretSettings?: { [sectionDotKey: string]: kplus.SecretValue };

  /**
   * The release the objects of Airflow constructs built on this configuration are named after
   * (`<release>-<component>`), when they are used outside an `AirflowDeployment` (whose own `releaseName` applies
   * inside it; an error there).
   *
   * @default 'airflow'
   */
  readonly releaseName?: string;
}

/**
 * An Airflow setting whose value comes from a Kubernetes Secret.
 */
export interface AirflowSecretSetting {
  /** The `airflow.cfg` section, e.g. `core`. */
  readonly section: string;
  /** The key inside the section, e.g. `fernet_key`. */
  readonly key: string;
  /** The Secret and key that hold the value. */
  readonly value: kplus.SecretValue;
}

/**
 * A file of the config ConfigMap other than `airflow.cfg`.
 */
export interface AirflowConfigFile {
  /** The key in the ConfigMap. */
  readonly fileName: string;
  /** Where Airflow containers see it. */
  readonly mountPath: string;
}

interface OwnedKey {
  readonly value: string;
  readonly prop: string;
}

/**
 * `airflow.cfg` as a typed model, rendered into a ConfigMap that every Airflow container mounts read-only.
 *
 * Plain settings land in the ConfigMap; sensitive settings are never written there: they become
 * `AIRFLOW__SECTION__KEY` environment variables that reference a Secret (`setSecret`). The rendered
 * file is deterministic (sections and keys in alphabetical order), and `checksum` changes whenever it
 * changes, so pods that carry it as an annotation roll on every configuration change.
 */
export class AirflowConfig extends Construct {
  /** The ConfigMap holding `airflow.cfg` (and any extra files added with `addFile`). */
  public readonly configMap: kplus.ConfigMap;
  /** The Airflow release the configuration is written for. */
  public readonly version: AirflowVersion;

  private readonly owned = new Map<string, OwnedKey>();
  private readonly defaults = new Map<string, string>();
  private readonly userSettings = new Map<string, string>();
  private readonly uncheckedSettings = new Map<string, string>();
  private readonly secrets = new Map<string, AirflowSecretSetting>();
  private readonly files = new Map<string, { content: string; mountPath: string }>();
  private readonly reserved = new Map<string, string>();
  /** `section.key` of the user's `secretSettings`. */
  private readonly userSecrets = new Set<string>();
  private secretsRead = false;
  /** Settings users set as `AIRFLOW__SECTION__KEY` variables: `section.key` → where. */
  private readonly userEnvironment = new Map<string, string>();
  /** `render()`'s result until the next change (every pod's checksum renders it). */
  private rendered?: string;
  /** `checksum`'s result until the next change (every Airflow pod's annotation reads it). */
  private checksumValue?: string;
  /**
   * `validateOwnedKeys()`'s result until the next change: cdk8s's `App.synth()` validates the whole app once per
   * chart, so an app of N deployments would check each configuration N + 1 times.
   */
  private ownedKeyErrors?: string[];

  constructor(scope: Construct, id: string, props: AirflowConfigProps = {}) {
    super(scope, id);
    this.version = props.version ?? AirflowVersion.DEFAULT;
    const errors: string[] = [];
    for (const [name, value] of Object.entries(props.unknownSettings ?? {})) {
      const [section, key] = splitSettingName(name, 'unknownSettings');
      const error = checkPlainValue(section, key, value, 'unknownSettings');
      if (error) errors.push(error);
      this.uncheckedSettings.set(`${section}.${key}`, value);
    }
    for (const [name, value] of Object.entries(props.settings ?? {})) {
      const [section, key] = splitSettingName(name, 'settings');
      const error = this.checkUserSetting(section, key, value);
      if (error) errors.push(error);
      this.userSettings.set(`${section}.${key}`, value);
    }
    if (errors.length > 0) throw new Error(errors.join('\n'));
    for (const [name, value] of Object.entries(props.secretSettings ?? {})) {
      const [section, key] = splitSettingName(name, 'secretSettings');
      const error = checkAirflowSetting(this.version, `${section}.${key}`, undefined, 'secretSettings');
      // settings of sections Airflow's reference does not list (providers, plugins) are taken as they are.
      if (error && airflowSettingsSectionKnown(this.version, section)) errors.push(error);
      this.secrets.set(`${section}.${key}`, { section, key, value });
      this.userSecrets.add(`${section}.${key}`);
    }
    if (errors.length > 0) throw new Error(errors.join('\n'));
    if (AirflowNames.isRegistered(this)) {
      if (props.releaseName !== undefined) {
        throw new Error('\'releaseName\' of AirflowConfig has no effect inside an AirflowDeployment: set the deployment\'s \'releaseName\' instead');
      }
    } else {
      AirflowNames.register(this, props.releaseName ?? 'airflow', this.version.version, false);
    }
    this.configMap = new kplus.ConfigMap(this, 'Resource', { metadata: AirflowNames.of(this).metadata(this, 'ConfigMap', 'config') });
    this.configMap.addData('airflow.cfg', Lazy.any({ produce: () => this.render() }));
    this.node.addValidation({ validate: () => this.validateOwnedKeys() });
  }

  /**
   * Sets a default value; a user setting of the same `section.key` wins.
   */
  public setDefault(section: string, key: string, value: string): void {
    assertOneLine(section, key, value, 'setDefault');
    this.defaults.set(`${section}.${key}`, value);
    this.changed();
  }

  /**
   * Sets a value the library owns: a user setting of the same key is an error that names `prop`.
   *
   * @param prop the construct prop users set instead, named in the error message.
   */
  public setOwned(section: string, key: string, value: string, prop: string): void {
    assertOneLine(section, key, value, prop);
    this.owned.set(`${section}.${key}`, { value, prop });
    this.changed();
  }

  /**
   * Marks a key the library sets some other way (e.g. an environment variable from the downward API):
   * nothing is written to `airflow.cfg`, and a user setting of the same key is an error that names `prop`.
   */
  public reserve(section: string, key: string, prop: string): void {
    this.reserved.set(`${section}.${key}`, prop);
    this.changed();
  }

  /**
   * Whether `reserve` (or `setSecret`) was called for `section.key`.
   */
  public isReserved(section: string, key: string): boolean {
    return this.reserved.has(`${section}.${key}`);
  }

  /**
   * Sets a user value (same as an entry of the `settings` prop), checked the same way: an unknown, renamed or
   * removed setting, or a value of the wrong type, throws.
   */
  public set(section: string, key: string, value: string): void {
    const [s, k] = splitSettingName(`${section}.${key}`, 'settings');
    const error = this.checkUserSetting(s, k, value);
    if (error) throw new Error(error);
    this.userSettings.set(`${s}.${k}`, value);
    this.changed();
  }

  /**
   * Sets a sensitive value from a Secret: it reaches containers as `AIRFLOW__SECTION__KEY` from a `secretKeyRef`.
   *
   * @param prop the construct prop users set instead, named when a user setting collides.
   */
  public setSecret(section: string, key: string, value: kplus.SecretValue, prop: string): void {
    if (this.secretsRead) {
      throw new Error(`AirflowConfig.setSecret('${section}', '${key}') came after Airflow containers were created, which would miss it: `
        + 'set secret settings before creating components');
    }
    this.secrets.set(`${section}.${key}`, { section, key, value });
    this.reserve(section, key, prop);
  }

  /**
   * The value `airflow.cfg` will hold for `section.key`, if any.
   */
  public get(section: string, key: string): string | undefined {
    const name = `${section}.${key}`;
    return this.owned.get(name)?.value ?? this.userSettings.get(name) ?? this.uncheckedSettings.get(name) ?? this.defaults.get(name);
  }

  /**
   * The settings that come from Secrets, in a stable order.
   */
  public get secretSettings(): AirflowSecretSetting[] {
    this.secretsRead = true;
    return this.sortedSecrets();
  }

  /**
   * Adds another file to the ConfigMap (e.g. `webserver_config.py`) that every Airflow container mounts
   * read-only at `mountPath`.
   */
  public addFile(fileName: string, mountPath: string, content: string): void {
    if (fileName === 'airflow.cfg' || this.files.has(fileName)) {
      throw new Error(`AirflowConfig.addFile: the config already has a file '${fileName}'`);
    }
    this.files.set(fileName, { content, mountPath });
    this.changed();
    this.configMap.addData(fileName, content);
  }

  /**
   * The extra files and where Airflow containers mount them, in a stable order.
   */
  public get extraFiles(): AirflowConfigFile[] {
    return [...this.files.keys()].sort().map(fileName => ({ fileName, mountPath: this.files.get(fileName)!.mountPath }));
  }

  /**
   * The `airflow.cfg` text.
   */
  public render(): string {
    if (this.rendered !== undefined) return this.rendered;
    const merged = new Map<string, string>([...this.defaults, ...this.uncheckedSettings, ...this.userSettings]);
    for (const [name, { value }] of this.owned) merged.set(name, value);
    const sections = new Map<string, Array<[string, string]>>();
    for (const [name, value] of merged) {
      const [section, key] = splitSettingName(name, 'settings');
      if (!sections.has(section)) sections.set(section, []);
      sections.get(section)!.push([key, value]);
    }
    const lines: string[] = [];
    for (const section of [...sections.keys()].sort()) {
      lines.push(`[${section}]`);
      for (const [key, value] of sections.get(section)!.sort(([a], [b]) => codePointOrder(a, b))) {
        // Airflow's parser is a ConfigParser with BasicInterpolation (airflow-core 3.2.2
        // src/airflow/_shared/configuration/parser.py, 2.11.0 airflow/configuration.py: `class AirflowConfigParser(ConfigParser)`),
        // which reads `%%` as `%` and `%(name)s` as a reference: escape every `%` so the value reads back as given.
        lines.push(`${key} = ${value.replace(/%/g, '%%')}`);
      }
      lines.push('');
    }
    this.rendered = lines.join('\n');
    return this.rendered;
  }

  /**
   * A hash of everything the configuration puts into a pod: `airflow.cfg`, extra files and the Secret references.
   */
  public get checksum(): string {
    if (this.checksumValue === undefined) this.checksumValue = this.computeChecksum();
    return this.checksumValue;
  }

  private computeChecksum(): string {
    const secretRefs = this.sortedSecrets().map(s => `${s.section}.${s.key}=${s.value.secret.name}/${s.value.key}`);
    const files = [...this.files.keys()].sort().map(f => `${f}\n${this.files.get(f)!.content}`);
    return shortHash([this.render(), ...files, ...secretRefs].join('\n---\n'), 16);
  }

  private checkUserSetting(section: string, key: string, value: string): string | undefined {
    const name = `${section}.${key}`;
    if (this.uncheckedSettings.has(name)) return formatSettingsError('duplicate', { name });
    return checkAirflowSetting(this.version, name, value, 'settings') ?? checkPlainValue(section, key, value, 'settings');
  }

  /**
   * Checks environment variables a user gives a container: `AIRFLOW__SECTION__KEY` names are Airflow settings, checked
   * like `settings` (unknown, renamed, wrong type now; a key the library manages at synth).
   *
   * @param where how errors name them, e.g. `envVariables of scheduler`.
   * @internal
   */
  public _checkUserEnvironment(variables: { [name: string]: kplus.EnvValue }, where: string): void {
    const errors: string[] = [];
    for (const [name, value] of Object.entries(variables)) {
      const literal = literalSecretError(this.version, name, value, where);
      if (literal) {
        errors.push(literal);
        continue;
      }
      const error = checkAirflowEnvVar(this.version, name, typeof value.value === 'string' ? value.value : undefined, where);
      if (error) {
        errors.push(error);
        continue;
      }
      const setting = airflowSettingOfEnvVar(this.version, name);
      if (setting) {
        this.userEnvironment.set(`${setting.section}.${setting.key}`, where);
        this.changed();
      }
    }
    if (errors.length > 0) throw new Error(errors.join('\n'));
  }

  private sortedSecrets(): AirflowSecretSetting[] {
    return [...this.secrets.keys()].sort().map(name => this.secrets.get(name)!);
  }

  /**
   * The user settings that collide with a key the library owns (what synth validation reports), for callers that can
   * fail earlier.
   *
   * @internal
   */
  public _ownedKeyErrors(): string[] {
    return this.validateOwnedKeys();
  }

  private validateOwnedKeys(): string[] {
    if (this.ownedKeyErrors === undefined) this.ownedKeyErrors = this.findOwnedKeyErrors();
    return [...this.ownedKeyErrors];
  }

  /** Forgets what was computed from the settings (after any change to them). */
  private changed(): void {
    this.rendered = undefined;
    this.checksumValue = undefined;
    this.ownedKeyErrors = undefined;
  }

  private findOwnedKeyErrors(): string[] {
    const errors: string[] = [];
    const owners = new Map<string, string>([...this.reserved, ...[...this.owned].map(([name, o]) => [name, o.prop] as [string, string])]);
    for (const [name, owner] of owners) {
      for (const [prop, settings] of [['settings', this.userSettings], ['unknownSettings', this.uncheckedSettings]] as const) {
        if (settings.has(name)) errors.push(formatSettingsError('managed', { name, owner, prop }));
      }
      if (this.userSecrets.has(name)) errors.push(formatSettingsError('managed', { name, owner, prop: 'secretSettings' }));
      const where = this.userEnvironment.get(name);
      if (where !== undefined) errors.push(formatSettingsError('managed', { name, owner, prop: where }));
    }
    return errors;
  }
}

/** A value given as plain text: no line break, and not a setting Airflow marks sensitive. The message never holds the value. */
function checkPlainValue(section: string, key: string, value: string, prop: string): string | undefined {
  const name = `${section}.${key}`;
  if (isSensitiveSetting(name)) return formatSettingsError('sensitive', { name, prop, env: airflowEnvName(section, key) });
  return checkSettingText(name, value, prop);
}

/**
 * A literal value (not `valueFrom`) for a variable that holds a secret: an Airflow connection (`AIRFLOW_CONN_*`), an
 * Airflow variable (`AIRFLOW_VAR_*`) or a setting Airflow marks sensitive (`AIRFLOW__SECTION__KEY`; its `_CMD` and
 * `_SECRET` variants hold a command or a secrets-backend key, no secret).
 */
function literalSecretError(version: AirflowVersion, name: string, value: kplus.EnvValue, prop: string): string | undefined {
  if (value.valueFrom !== undefined || value.value === undefined) return undefined;
  let what: string | undefined;
  if (name.startsWith('AIRFLOW_CONN_')) {what = 'holds an Airflow connection';} else if (name.startsWith('AIRFLOW_VAR_')) {what = 'holds an Airflow variable';} else {
    const setting = airflowSettingOfEnvVar(version, name);
    if (setting && setting.suffix === '' && isSensitiveSetting(`${setting.section}.${setting.key}`)) {
      what = `sets '${setting.section}.${setting.key}', which Airflow marks sensitive`;
    }
  }
  return what === undefined ? undefined : formatSettingsError('envLiteralSecret', { name, prop, what });
}

function assertOneLine(section: string, key: string, value: string, prop: string): void {
  const error = checkSettingText(`${section}.${key}`, value, prop);
  if (error) throw new Error(error);
}

function airflowSettingsSectionKnown(version: AirflowVersion, section: string): boolean {
  return airflowSettingsData(version).sections[section] !== undefined;
}

/**
 * The environment variable Airflow reads for `section.key`.
 */
export function airflowEnvName(section: string, key: string): string {
  return `AIRFLOW__${section.toUpperCase()}__${key.toUpperCase()}`;
}
