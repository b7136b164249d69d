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
  /** Airflow 2.11.0. */
  public static readonly V2_11_0 = AirflowVersion.of('2.11.0');
  /** Airflow 3.0.6. */
  public static readonly V3_0_6 = AirflowVersion.of('3.0.6');
  /** Airflow 3.1.8. */
  public static readonly V3_1_8 = AirflowVersion.of('3.1.8');
  /** Airflow 3.2.2, the release the official Helm chart 1.22 deploys. */
  public static readonly V3_2_2 = AirflowVersion.of('3.2.2');
  /** The default release of this library. */
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

  /** True when this release is `major.minor` or newer. */
  public atLeast(major: number, minor: number): boolean {
    return this.major > major || (this.major === major && this.minor >= minor);
  }
}
