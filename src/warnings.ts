import { App, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

/** The environment variable that turns warnings into errors, e.g. in CI: `CDK8S_AIRFLOW_STRICT=true cdk8s synth`. */
export const STRICT_ENV = 'CDK8S_AIRFLOW_STRICT';

/**
 * Problems found at synth that should not stop it (a public repository over plain HTTP, task pods kept after
 * they finish, ...). Each is printed once per app, at synth; in strict mode they fail the synth like errors.
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
    // once per app: an app with many charts (one per team, say) repeats the same warnings.
    const app = App.of(this);
    const printed = PRINTED.get(app) ?? new Set<string>();
    PRINTED.set(app, printed);
    const fresh = this.entries.filter(m => !printed.has(m));
    if (fresh.length > 0) {
      fresh.forEach(m => printed.add(m));
      console.warn(fresh.map(m => `[cdk8s-airflow] warning: ${m}`).join('\n'));
    }
    return [];
  }
}

const ID = 'AirflowWarnings';
/** Warnings already printed, per app. */
const PRINTED = new WeakMap<object, Set<string>>();
