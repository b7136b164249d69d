import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AirflowNames, kebabCase } from '../naming/airflow-names';

/**
 * How one key of a `GeneratedSecret` gets its value, inside the cluster.
 */
export class GeneratedValue {
  /** A Fernet key (32 random bytes, url-safe base64), as Airflow's `[core] fernet_key` needs. */
  public static fernetKey(): GeneratedValue {
    return new GeneratedValue('fernet');
  }

  /**
   * A random string of letters and digits.
   *
   * @param length number of characters, at least 16.
   */
  public static randomString(length: number = 32): GeneratedValue {
    if (!Number.isInteger(length) || length < 16 || length > 256) {
      throw new Error(`GeneratedValue.randomString: 'length' must be an integer from 16 to 256, got ${length}`);
    }
    return new GeneratedValue('random', String(length));
  }

  /**
   * Text with `{key}` placeholders replaced by the values of earlier keys of the same Secret, e.g. a
   * connection URL `postgresql://airflow:{password}@db:5432/airflow`.
   */
  public static template(template: string): GeneratedValue {
    return new GeneratedValue('template', template);
  }

  private constructor(
    /** @internal */ public readonly _kind: string,
    /** @internal */ public readonly _argument?: string) {
  }
}

/**
 * One key of a `GeneratedSecret`.
 */
export interface GeneratedSecretKey {
  /** The key inside the Secret. */
  readonly key: string;
  /** How its value is generated. */
  readonly value: GeneratedValue;
}

/**
 * Props for `GeneratedSecret`.
 */
export interface GeneratedSecretProps {
  /** The keys, generated in order (a template can use the keys before it). */
  readonly keys: GeneratedSecretKey[];
  /**
   * The Secret's name.
   *
   * @default - `<release>-<construct id in kebab case>`.
   */
  readonly name?: string;
}

/**
 * A Secret that is created once inside the cluster, by a `SecretGeneratorJob`, and never overwritten.
 *
 * Nothing random is produced at synth: the manifests only name the Secret and say how each key is
 * generated. The Secret is not part of the synthesized manifests, so pruning or deleting the app does
 * not delete it (losing a Fernet key makes encrypted connections unreadable).
 */
export class GeneratedSecret extends Construct {
  /** A reference to the Secret, for volumes and environment variables. */
  public readonly secret: kplus.ISecret;
  /** The Secret's name. */
  public readonly name: string;
  /** The keys and how they are generated. */
  public readonly keys: GeneratedSecretKey[];

  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    if (props.keys.length === 0) {
      throw new Error(`GeneratedSecret '${this.node.path}': 'keys' must not be empty`);
    }
    const seen = new Set<string>();
    for (const { key, value } of props.keys) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
        throw new Error(`GeneratedSecret '${this.node.path}': key '${key}' is not a valid Secret key (letters, digits, '-', '_' and '.')`);
      }
      if (seen.has(key)) {
        throw new Error(`GeneratedSecret '${this.node.path}': key '${key}' appears twice in 'keys'`);
      }
      for (const ref of value._kind === 'template' ? templateKeys(value._argument!) : []) {
        if (!seen.has(ref)) {
          throw new Error(`GeneratedSecret '${this.node.path}': the template of '${key}' uses '{${ref}}', which is not a key generated before it`);
        }
      }
      seen.add(key);
    }
    this.name = props.name ?? AirflowNames.of(this).name(this, 'Secret', kebabCase(id));
    this.keys = [...props.keys];
    this.secret = kplus.Secret.fromSecretName(this, 'Reference', this.name);
  }

  /** A reference to one key, for `EnvValue.fromSecretValue`. */
  public valueOf(key: string): kplus.SecretValue {
    if (!this.keys.some(k => k.key === key)) {
      throw new Error(`GeneratedSecret '${this.node.path}' has no key '${key}' (keys: ${this.keys.map(k => k.key).join(', ')})`);
    }
    return { secret: this.secret, key };
  }
}

function templateKeys(template: string): string[] {
  return [...template.matchAll(/\{([-._a-zA-Z0-9]+)\}/g)].map(m => m[1]);
}
