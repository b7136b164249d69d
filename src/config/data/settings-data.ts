/**
 * The type of an Airflow setting: `s` string, `i` integer, `f` float, `b` boolean.
 *
 * @internal
 */
export type AirflowSettingType = 's' | 'i' | 'f' | 'b';

/**
 * What the library knows about the settings of one Airflow major version: the shape of the generated
 * `airflow-2.ts`, `airflow-3.ts`, `airflow-3-3.ts` and `airflow-3-4.ts` (see `README.md` in this directory).
 *
 * @internal
 */
export interface AirflowSettingsData {
  /** The Airflow release the data was read from, e.g. `2.11.1`. */
  readonly airflowVersion: string;
  /** Every setting Airflow knows: section, then key, then its type. */
  readonly sections: { readonly [section: string]: { readonly [key: string]: AirflowSettingType } };
  /** The sensitive settings (`section.key`): Airflow reads their `_CMD` and `_SECRET` environment variables, no other's. */
  readonly sensitive: readonly string[];
  /** Typed settings (`section.key`) whose Airflow default is empty: an empty value is accepted. */
  readonly emptyAllowed: readonly string[];
  /** The only values Airflow accepts for a setting (`section.key`), in Airflow's order. */
  readonly allowedValues: { readonly [sectionDotKey: string]: readonly string[] };
  /**
   * Old `section.key` to `[new section.key, Airflow version of the rename]`. The new name may itself have been
   * renamed later (follow the chain); every chain ends at a known setting.
   */
  readonly renamed: { readonly [sectionDotKey: string]: readonly [string, string] };
  /** Old section to `[new section, Airflow version of the rename]`. */
  readonly renamedSections: { readonly [section: string]: readonly [string, string] };
  /** Removed `section.key` to `[Airflow version of the removal, reason or '']`. */
  readonly removed: { readonly [sectionDotKey: string]: readonly [string, string] };
  /**
   * Airflow 3.3 and later: the core settings the Airflow 3.0-3.2 data lacks, to the Airflow release that added them
   * (`versionAdded`), so that a setting of a later release is named as such on an earlier one.
   */
  readonly added?: { readonly [sectionDotKey: string]: string };
  /**
   * Airflow 3.0-3.2: the core settings of the data added after 3.0.0, to the release that added them (`versionAdded`),
   * e.g. `api.server_type` -> `3.2.0`: the data knows them, but the earlier releases it stands for do not.
   */
  readonly since?: { readonly [sectionDotKey: string]: string };
}
