import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

/** The environment variable that turns warnings into errors, e.g. in CI: `CDK8S_AIRFLOW_STRICT=true cdk8s synth`. */
export const STRICT_ENV = 'CDK8S_AIRFLOW_STRICT';

/**
 * Problems found at synth that should not stop it (a public repository over plain HTTP, task pods kept after
 * they finish, ...). They are printed once per synth; in strict mode they fail the synth like errors.
 *
 * One instance per Chart collects the warnings of every construct in it.
 */
export class AirflowWarnings extends Construct {
  /**
   * The warnings of the chart that holds `scope`.
   */
  public static of(scope: IConstruct): AirflowWarnings {
    const chart = Chart.of(scope);
    return (chart.node.tryFindChild(ID) as AirflowWarnings | undefined) ?? new AirflowWarnings(chart, ID);
  }

  /** Turn warnings into synth errors (also on when the `CDK8S_AIRFLOW_STRICT` environment variable is `true` or `1`). */
  public strict = false;

  private readonly entries: string[] = [];
  private printed = false;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.node.addValidation({ validate: () => this.report() });
  }

  /** Adds a warning (a repeated one is kept once). */
  public add(message: string): void {
    if (!this.entries.includes(message)) this.entries.push(message);
  }

  /** The warnings so far. */
  public get messages(): string[] {
    return [...this.entries];
  }

  private report(): string[] {
    const strict = this.strict || ['true', '1'].includes((process.env[STRICT_ENV] ?? '').toLowerCase());
    if (strict) {
      return this.entries.map(m => `${m} (a warning, an error in strict mode: fix it, or synth without ${STRICT_ENV} and 'strict')`);
    }
    if (!this.printed && this.entries.length > 0) {
      this.printed = true;
      console.warn(this.entries.map(m => `[cdk8s-airflow] warning: ${m}`).join('\n'));
    }
    return [];
  }
}

const ID = 'AirflowWarnings';
