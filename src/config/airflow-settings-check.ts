import { AirflowVersion } from '../version';
import { AIRFLOW_2_SETTINGS } from './data/airflow-2';
import { AIRFLOW_3_SETTINGS } from './data/airflow-3';
import { AIRFLOW_3_3_SETTINGS } from './data/airflow-3-3';
import { AIRFLOW_3_4_SETTINGS } from './data/airflow-3-4';
import { AirflowSettingsData, AirflowSettingType } from './data/settings-data';

/**
 * Every error message about Airflow settings, as templates: `{name}` placeholders are filled by `formatSettingsError`.
 * `docs/errors.md` documents each one (a test keeps them in step).
 *
 * @internal
 */
export const SETTINGS_ERROR_TEMPLATES = {
  /** A `settings` key that is not `section.key`. */
  format: "'{prop}' keys must be 'section.key' in lower case (for example 'core.parallelism'), got '{name}'",
  /** Unknown setting, with the closest known one. */
  unknownWithSuggestion: "Airflow {version} has no setting '{name}' (in '{prop}'): did you mean '{suggestion}'?",
  /** Unknown setting of a known section, nothing close. */
  unknown: "Airflow {version} has no setting '{name}' (in '{prop}'): see https://airflow.apache.org/docs/apache-airflow/{version}/configurations-ref.html",
  /** Unknown section, nothing close. */
  unknownSection: "Airflow {version} has no section '{section}' (setting '{name}' in '{prop}'): "
    + "write settings of other providers or plugins in 'unknownSettings', see https://airflow.apache.org/docs/apache-airflow/{version}/configurations-ref.html",
  /** A setting a later Airflow release added (its `versionAdded`). */
  addedLater: "Airflow setting '{name}' was added in Airflow {since}, but 'airflowVersion' is {version}: use Airflow {since} or later, or remove it from '{prop}'",
  /** Old name of a setting that was renamed or moved to another section. */
  renamed: "Airflow setting '{name}' was renamed to '{newName}' in Airflow {since}: write '{newName}' instead",
  /** A setting Airflow removed, with Airflow's reason. */
  removedWithReason: "Airflow setting '{name}' was removed in Airflow {since}: {reason}",
  /** A setting Airflow removed, no reason given. */
  removed: "Airflow setting '{name}' was removed in Airflow {since}: remove it from '{prop}'",
  /** Integer settings: what Python's `int()` reads. */
  notInteger: "Airflow setting '{name}' must be an integer, got '{value}'",
  /** Float settings: what Python's `float()` reads. */
  notFloat: "Airflow setting '{name}' must be a number, got '{value}'",
  /** Boolean settings: what Airflow's `getboolean` reads (`True`, `False`, `t`, `f`, `1`, `0`, any case). */
  notBoolean: "Airflow setting '{name}' must be a boolean (True or False), got '{value}'",
  /** Settings Airflow validates against a list at startup. */
  notAllowed: "Airflow setting '{name}' must be one of {allowed}, got '{value}'",
  /** `AIRFLOW__SECTION__KEY_CMD` / `_SECRET` of a setting that is not sensitive: Airflow ignores it. */
  envSuffixNotSensitive: "Airflow ignores '{name}': the _CMD and _SECRET variables work only for sensitive settings and '{setting}' is not one: set '{plain}' instead",
  /** An environment variable that starts like an Airflow setting but is not `AIRFLOW__SECTION__KEY`. */
  envMalformed: "Environment variable '{name}' is not an Airflow setting: write AIRFLOW__<SECTION>__<KEY> in upper case, e.g. AIRFLOW__CORE__PARALLELISM",
  /** The same key in `settings` and `unknownSettings`. */
  duplicate: "Airflow setting '{name}' is in both 'settings' and 'unknownSettings': keep one",
  /** A value with a line break: it would end the value and start new lines (sections, keys) of `airflow.cfg`. */
  lineBreak: "Airflow setting '{name}' (in '{prop}') holds a line break, which would end the value and write new lines into airflow.cfg: "
    + 'write the value on one line (Airflow reads a multi-line value from an indented continuation line only, which this library does not write)',
  /** A setting Airflow marks sensitive, given as plain text. */
  sensitive: "Airflow marks setting '{name}' (in '{prop}') as sensitive, so it is never written into the airflow.cfg ConfigMap: "
    + "give it in 'secretSettings' as a kplus.SecretValue (it becomes {env} from a secretKeyRef), or set {env}_CMD or {env}_SECRET",
  /** A literal value for a variable that holds a secret (connection, variable, sensitive setting). */
  envLiteralSecret: "Environment variable '{name}' (in '{prop}') {what}, but its value is a literal, which would be written in clear into the pod spec: "
    + 'give it from a Secret with kplus.EnvValue.fromSecretValue({ secret, key })',
  /** A user setting of a key the library owns (checked at synth). */
  managed: "Airflow setting '{name}' is managed by this library: set '{owner}' instead of overriding it in '{prop}'",
};

/**
 * The name of a settings error template.
 *
 * @internal
 */
export type SettingsErrorName = keyof typeof SETTINGS_ERROR_TEMPLATES;

/**
 * Fills a template of `SETTINGS_ERROR_TEMPLATES`.
 *
 * @internal
 */
export function formatSettingsError(template: SettingsErrorName, values: { readonly [placeholder: string]: string }): string {
  return SETTINGS_ERROR_TEMPLATES[template].replace(/\{(\w+)\}/g, (whole, placeholder: string) => values[placeholder] ?? whole);
}

/**
 * The settings data of the release: Airflow 2 (2.11.1), 3.0-3.2 (3.2.0.dev), 3.3 (3.4.0.dev filtered by
 * `versionAdded`), 3.4 and anything newer (3.4.0.dev, the newest data).
 *
 * @internal
 */
export function airflowSettingsData(version: AirflowVersion): AirflowSettingsData {
  if (!version.isAirflow3) return AIRFLOW_2_SETTINGS;
  if (version.atLeast(3, 4)) return AIRFLOW_3_4_SETTINGS;
  return version.atLeast(3, 3) ? AIRFLOW_3_3_SETTINGS : AIRFLOW_3_SETTINGS;
}

/**
 * A setting the chosen Airflow 3 release's data lacks but the newest data knows: the release that added it and its type.
 */
function addedLater(version: AirflowVersion, name: string): { since: string; type: AirflowSettingType } | undefined {
  if (!version.isAirflow3) return undefined;
  const since = AIRFLOW_3_4_SETTINGS.added?.[name];
  if (since === undefined) return undefined;
  const [section, key] = name.split('.');
  return { since, type: AIRFLOW_3_4_SETTINGS.sections[section][key] };
}

/**
 * The Airflow release that added a setting, when it is later than `version`: undefined when `version` has it (or when
 * the data does not know the setting at all). For typed props that write a setting of a recent release.
 *
 * @internal
 */
export function settingAddedAfter(version: AirflowVersion, section: string, key: string): string | undefined {
  if (!version.isAirflow3) return undefined;
  const name = `${section}.${key}`;
  const since = airflowSettingsData(version).since?.[name] ?? addedLater(version, name)?.since;
  return since !== undefined && !releasedBy(version, since) ? since : undefined;
}

/**
 * Splits `section.key`, or throws the `format` error naming `prop`.
 *
 * @internal
 */
export function splitSettingName(name: string, prop: string): [string, string] {
  const match = /^([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(name);
  if (!match) throw new Error(formatSettingsError('format', { prop, name }));
  return [match[1], match[2]];
}

/**
 * Checks one `airflow.cfg` setting, `section.key` = `value`, against what the Airflow release knows: the name
 * (unknown, renamed or removed settings) and, when `value` is given, the value (integers, floats, booleans, lists
 * of allowed values). Values that reference environment variables (`$VAR`, which Airflow expands) are not checked.
 *
 * @param prop where the user wrote the setting, named in messages.
 * @returns the error message, or undefined when the setting is fine.
 * @internal
 */
export function checkAirflowSetting(version: AirflowVersion, name: string, value?: string, prop: string = 'settings'): string | undefined {
  const match = /^([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(name);
  if (!match) return formatSettingsError('format', { prop, name });
  return check(version, match[1], match[2], value, prop, (section, key) => `${section}.${key}`);
}

/**
 * The `section.key` an `AIRFLOW__SECTION__KEY` environment variable (or its `_CMD` / `_SECRET` variant) sets.
 *
 * @returns undefined for variables that are not Airflow settings (`AIRFLOW_HOME`, `AIRFLOW_CONN_*`, `AIRFLOW_VAR_*`, ...)
 *   or that are malformed (see `checkAirflowEnvVar`).
 * @internal
 */
export function airflowSettingOfEnvVar(version: AirflowVersion, envName: string): { section: string; key: string; suffix: string } | undefined {
  const match = /^AIRFLOW__([A-Z0-9]+(?:_[A-Z0-9]+)*)__([A-Z0-9]+(?:_[A-Z0-9]+)*)$/.exec(envName);
  if (!match) return undefined;
  const section = match[1].toLowerCase();
  const key = match[2].toLowerCase();
  const data = airflowSettingsData(version);
  if (data.sections[section]?.[key] === undefined) {
    for (const suffix of ['_CMD', '_SECRET']) {
      if (key.endsWith(suffix.toLowerCase())) return { section, key: key.slice(0, -suffix.length), suffix };
    }
  }
  return { section, key, suffix: '' };
}

/**
 * Checks an environment variable the way `checkAirflowSetting` checks a setting: `AIRFLOW__SECTION__KEY` must name
 * a setting the release knows (messages name variables, e.g. `AIRFLOW__CORE__PARALLELISM`), `_CMD` and `_SECRET`
 * variants only sensitive ones, and `value`, when given, must suit the setting (not checked for `_CMD` / `_SECRET`).
 *
 * @returns the error message, or undefined when the variable is fine or is no Airflow setting (`AIRFLOW_HOME`, ...).
 * @internal
 */
export function checkAirflowEnvVar(version: AirflowVersion, envName: string, value?: string, prop: string = 'env'): string | undefined {
  if (!envName.toUpperCase().startsWith('AIRFLOW__')) return undefined;
  const setting = airflowSettingOfEnvVar(version, envName);
  if (!setting) return formatSettingsError('envMalformed', { name: envName });
  const { section, key, suffix } = setting;
  const envNameOf = (s: string, k: string) => `AIRFLOW__${s.toUpperCase()}__${k.toUpperCase()}${suffix}`;
  const error = check(version, section, key, suffix ? undefined : value, prop, envNameOf);
  if (error || !suffix) return error;
  const data = airflowSettingsData(version);
  if (data.sections[section]?.[key] !== undefined && !data.sensitive.includes(`${section}.${key}`)) {
    return formatSettingsError('envSuffixNotSensitive', {
      name: envName,
      setting: `${section}.${key}`,
      plain: `AIRFLOW__${section.toUpperCase()}__${key.toUpperCase()}`,
    });
  }
  return undefined;
}

/**
 * Whether Airflow marks `section.key` sensitive in either major version (Airflow reads its `_CMD` and `_SECRET`
 * variables and masks it): such a value is never written into `airflow.cfg`.
 *
 * @internal
 */
export function isSensitiveSetting(name: string): boolean {
  return AIRFLOW_2_SETTINGS.sensitive.includes(name) || AIRFLOW_3_SETTINGS.sensitive.includes(name);
}

/**
 * Checks that a value can be written on one `key = value` line of `airflow.cfg` and read back unchanged: no line
 * break (`\n` or `\r`, both of which end a line for Python's file reading). `%` is fine: `AirflowConfig.render`
 * escapes it as `%%`.
 *
 * @internal
 */
export function checkSettingText(name: string, value: string, prop: string): string | undefined {
  return /[\r\n]/.test(value) ? formatSettingsError('lineBreak', { name, prop }) : undefined;
}

/**
 * The edit distance between two strings (insertions, deletions, substitutions).
 *
 * @internal
 */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

type Render = (section: string, key: string) => string;

function check(version: AirflowVersion, section: string, key: string, value: string | undefined, prop: string, render: Render): string | undefined {
  const data = airflowSettingsData(version);
  const name = render(section, key);
  const type = data.sections[section]?.[key];
  const addedIn = data.since?.[`${section}.${key}`];
  if (type !== undefined && addedIn !== undefined && !releasedBy(version, addedIn)) {
    // known to the 3.0-3.2 data, but added after the chosen release (e.g. `api.server_type` on 3.1.8)
    return formatSettingsError('addedLater', { name, since: addedIn, version: version.version, prop });
  }
  if (type !== undefined) {
    return value === undefined ? undefined : checkValue(data, `${section}.${key}`, type, value, name);
  }
  const later = addedLater(version, `${section}.${key}`);
  if (later && releasedBy(version, later.since)) {
    // e.g. a 3.2.2 setting missing from the 3.2.0.dev data: known from the newest data
    return value === undefined ? undefined : checkValue(data, `${section}.${key}`, later.type, value, name);
  }
  if (later) return formatSettingsError('addedLater', { name, since: later.since, version: version.version, prop });
  const removal = data.removed[`${section}.${key}`];
  if (removal) {
    const [since, reason] = removal;
    return reason
      ? formatSettingsError('removedWithReason', { name, since, reason })
      : formatSettingsError('removed', { name, since, prop });
  }
  const rename = resolveRename(data, version, section, key);
  if (rename === 'not yet') return undefined; // renamed in a later release: still the right name here.
  if (rename) {
    const [newSection, newKey] = rename.name.split('.');
    return formatSettingsError('renamed', { name, newName: render(newSection, newKey), since: rename.since });
  }
  const suggestion = oldNameOf(data, version, `${section}.${key}`) ?? suggest(data, section, key);
  if (suggestion) {
    const [s, k] = suggestion.split('.');
    return formatSettingsError('unknownWithSuggestion', { version: version.version, name, prop, suggestion: render(s, k) });
  }
  if (data.sections[section] === undefined && data.renamedSections[section] === undefined) {
    return formatSettingsError('unknownSection', { version: version.version, name, section, prop });
  }
  return formatSettingsError('unknown', { version: version.version, name, prop });
}

/** The name `section.key` was renamed to by `version` (following later renames), 'not yet' when it was renamed after `version`. */
function resolveRename(data: AirflowSettingsData, version: AirflowVersion, section: string, key: string): { name: string; since: string } | 'not yet' | undefined {
  const hopOf = (name: string): readonly [string, string] | undefined => {
    if (data.renamed[name]) return data.renamed[name];
    const [s, k] = name.split('.');
    const movedSection = data.renamedSections[s];
    return movedSection && data.sections[movedSection[0]]?.[k] !== undefined ? [`${movedSection[0]}.${k}`, movedSection[1]] : undefined;
  };
  const start = `${section}.${key}`;
  let current = start;
  let since = '';
  const seen = new Set<string>();
  for (let hop = hopOf(current); hop && !seen.has(current); hop = hopOf(current)) {
    if (!releasedBy(version, hop[1])) {
      if (current === start) return 'not yet';
      break;
    }
    seen.add(current);
    [current, since] = hop;
  }
  return current === start ? undefined : { name: current, since };
}

/** True when `version` is `since` (e.g. `3.0` or `2.5.0`) or later. */
function releasedBy(version: AirflowVersion, since: string): boolean {
  const wanted = since.split('.').map(Number);
  const actual = [version.major, version.minor, version.patch];
  for (let i = 0; i < 3; i++) {
    const diff = actual[i] - (wanted[i] ?? 0);
    if (diff !== 0) return diff > 0;
  }
  return true;
}

const BOOLEANS = ['t', 'true', '1', 'f', 'false', '0'];
const INTEGER = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|infinity|nan)$/i;

function checkValue(data: AirflowSettingsData, setting: string, type: AirflowSettingType, raw: string, name: string): string | undefined {
  const value = raw.trim(); // Airflow's config parser strips values
  if (value.includes('$')) return undefined; // Airflow expands environment variables in values
  const allowed = data.allowedValues[setting];
  if (allowed) {
    return allowed.includes(value) ? undefined : formatSettingsError('notAllowed', { name, value: raw, allowed: allowed.map(v => `'${v}'`).join(', ') });
  }
  if (type === 's' || (value === '' && data.emptyAllowed.includes(setting))) return undefined;
  if (type === 'i' && !INTEGER.test(value)) return formatSettingsError('notInteger', { name, value: raw });
  if (type === 'f' && !FLOAT.test(value)) return formatSettingsError('notFloat', { name, value: raw });
  if (type === 'b' && !BOOLEANS.includes(value.split('#')[0].trim().toLowerCase())) return formatSettingsError('notBoolean', { name, value: raw });
  return undefined;
}

/**
 * For a name of the other major version: the name this release knows for it, e.g. `webserver.workers` for
 * Airflow 3's `api.workers` on Airflow 2 (the other version's renames, followed backwards).
 */
function oldNameOf(data: AirflowSettingsData, version: AirflowVersion, name: string): string | undefined {
  const other = version.isAirflow3 ? AIRFLOW_2_SETTINGS : AIRFLOW_3_SETTINGS;
  let names = [name];
  for (let hops = 0; hops < 5 && names.length > 0; hops++) {
    names = Object.keys(other.renamed).filter(from => names.includes(other.renamed[from][0]));
    const found = names.find(from => {
      const [s, k] = from.split('.');
      return data.sections[s]?.[k] !== undefined;
    });
    if (found) return found;
  }
  return undefined;
}

const allNamesCache = new Map<AirflowSettingsData, string[]>();

/** The closest known setting: in the same section (or the one it was renamed to, or a close one), then anywhere. */
function suggest(data: AirflowSettingsData, section: string, key: string): string | undefined {
  const sections = Object.keys(data.sections);
  const home = data.sections[section] ? section : (data.renamedSections[section]?.[0] ?? closest(section, sections));
  if (home) {
    const k = closest(key, Object.keys(data.sections[home]));
    if (k) return `${home}.${k}`;
  }
  if (!allNamesCache.has(data)) {
    allNamesCache.set(data, sections.flatMap(s => Object.keys(data.sections[s]).map(k => `${s}.${k}`)).sort());
  }
  return closest(`${section}.${key}`, allNamesCache.get(data)!);
}

/** The candidate nearest to `word` (the first in order on a tie), when at most a third of `word` differs. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    const distance = levenshtein(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
