/**
 * An Apache Airflow release, the one setting that decides the component set, commands and config sections.
 *
 * Airflow 3 runs `api-server`, a standalone `dag-processor`, the scheduler and the triggerer;
 * Airflow 2 runs `webserver`, the scheduler, the triggerer and optionally a standalone `dag-processor`.
 * Airflow 2.10 and later are supported.
 */
export class AirflowVersion {
  /** Airflow 2.10.5. */
  public static readonly V2_10_5 = AirflowVersion.of('2.10.5');
  /** Airflow 2.11.0 (prefer `V2_11_1`, the newest 2.11 patch release). */
  public static readonly V2_11_0 = AirflowVersion.of('2.11.0');
  /** Airflow 2.11.1, the newest Airflow 2 release. */
  public static readonly V2_11_1 = AirflowVersion.of('2.11.1');
  /** Airflow 3.0.6. */
  public static readonly V3_0_6 = AirflowVersion.of('3.0.6');
  /** Airflow 3.1.8. */
  public static readonly V3_1_8 = AirflowVersion.of('3.1.8');
  /** Airflow 3.2.2, the release the official Helm chart 1.22 deploys. */
  public static readonly V3_2_2 = AirflowVersion.of('3.2.2');
  /** Airflow 3.3.2. */
  public static readonly V3_3_2 = AirflowVersion.of('3.3.2');
  /** Airflow 3.4.0 (released 2026-11-06). */
  public static readonly V3_4_0 = AirflowVersion.of('3.4.0');
  /**
   * The newest Airflow release this library knows: settings of a newer release are checked against its data,
   * and `AirflowDeployment` warns about it.
   */
  public static readonly NEWEST_KNOWN = AirflowVersion.V3_4_0;
  /**
   * The release deployed when `airflowVersion` is not given: Airflow 3.2.2.
   *
   * Why 3.2.2: it is the release the official Apache Airflow Helm chart (1.22) deploys, so the Airflow 3 release
   * with the most production use on Kubernetes, and a patch release of its minor. 3.3 and 3.4 are supported
   * (`V3_3_2`, `V3_4_0`) but not the default yet: 3.4.0 is a first release of its minor. The default changes
   * only in a minor release of this library, with a CHANGELOG entry; pin `airflowVersion` to upgrade on your
   * own schedule.
   */
  public static readonly DEFAULT = AirflowVersion.V3_2_2;

  /**
   * Any Airflow release from 2.10.0 on, written `MAJOR.MINOR.PATCH`.
   *
   * @param version for example `3.1.7`
   */
  public static of(version: string): AirflowVersion {
    const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
    if (!match) {
      throw new Error(`'airflowVersion' must look like MAJOR.MINOR.PATCH (for example '3.2.2'), got '${version}'`);
    }
    const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (major < 2 || (major === 2 && minor < 10) || major > 3) {
      throw new Error(`'airflowVersion' ${version} is not supported: use Airflow 2.10 or later, up to 3.x`);
    }
    return new AirflowVersion(version, major, minor, patch);
  }

  private constructor(
    /** The version string, for example `3.2.2`. */
    public readonly version: string,
    /** The major version: 2 or 3. */
    public readonly major: number,
    /** The minor version. */
    public readonly minor: number,
    /** The patch version. */
    public readonly patch: number) {
  }

  /** True for Airflow 3.x. */
  public get isAirflow3(): boolean {
    return this.major >= 3;
  }

  /** The official image of this release: `apache/airflow:<version>`. */
  public get officialImage(): string {
    return `apache/airflow:${this.version}`;
  }

  /** True for a release newer than `AirflowVersion.NEWEST_KNOWN` (its settings are checked against that one's). */
  public get isNewerThanKnown(): boolean {
    return this.compare(AirflowVersion.NEWEST_KNOWN) > 0;
  }

  /** True when this release is `major.minor` or newer. */
  public atLeast(major: number, minor: number): boolean {
    return this.major > major || (this.major === major && this.minor >= minor);
  }

  /** Negative, zero or positive as this release is older than, the same as or newer than `other`. */
  private compare(other: AirflowVersion): number {
    return (this.major - other.major) || (this.minor - other.minor) || (this.patch - other.patch);
  }
}
