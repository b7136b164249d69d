import * as kplus from 'cdk8s-plus-28';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';

/**
 * An Airflow connection kept in a Kubernetes Secret, given to Airflow as `AIRFLOW_CONN_<ID>` from a `secretKeyRef`.
 *
 * The Secret's key holds the connection as a URI (`postgresql://user:password@host:5432/db`) or as JSON
 * (`{"conn_type": "postgres", "host": ..., "password": ...}`): Airflow reads both and tells them apart by the leading
 * `{` (`BaseSecretsBackend.deserialize_connection`, airflow-core 3.2.2 `_shared/secrets_backend/base.py`; the same rule
 * in 2.11 `secrets/base_secrets.py`). Connections from the environment are not stored in the metadata database and do
 * not show in the UI's connection list.
 */
export class AirflowConnection {
  /**
   * A connection from one key of a Secret (URI or JSON form).
   *
   * @param secret the Secret, e.g. `kplus.Secret.fromSecretName(chart, 'Warehouse', 'warehouse-connection')`
   * @param key the key holding the connection
   */
  public static fromSecret(secret: kplus.ISecret, key: string): AirflowConnection {
    if (!key) throw new Error("AirflowConnection.fromSecret: 'key' is empty: name the key of the Secret that holds the connection");
    return new AirflowConnection({ secret, key });
  }

  private constructor(
    /** The Secret and key. @internal */
    public readonly _value: kplus.SecretValue) {
  }
}

/**
 * An Airflow variable given to Airflow as `AIRFLOW_VAR_<KEY>`: from a Kubernetes Secret, or (only through
 * `nonSecret`) as a literal value written into the manifests.
 */
export class AirflowVariable {
  /**
   * A variable from one key of a Secret (the env variable is a `secretKeyRef`).
   *
   * @param secret the Secret
   * @param key the key holding the value
   */
  public static fromSecret(secret: kplus.ISecret, key: string): AirflowVariable {
    if (!key) throw new Error("AirflowVariable.fromSecret: 'key' is empty: name the key of the Secret that holds the value");
    return new AirflowVariable({ secret, key }, undefined);
  }

  /**
   * A variable whose value is not secret: it is written into the manifests in clear (a literal env value of every pod
   * that gets variables). Never use it for a password, token or key: use `fromSecret`.
   *
   * @param value the value, e.g. `prod` or a JSON document
   */
  public static nonSecret(value: string): AirflowVariable {
    return new AirflowVariable(undefined, value);
  }

  private constructor(
    /** The Secret and key, for a secret variable. @internal */
    public readonly _secret: kplus.SecretValue | undefined,
    /** The literal value, for a non-secret variable. @internal */
    public readonly _plain: string | undefined) {
  }
}

/** An id Airflow finds in the environment: letters, digits and '_' (Airflow looks up the upper-cased id). */
const ID = /^[A-Za-z0-9_]+$/;

/**
 * Gives the recipe's Airflow containers the connections and variables, each one only to the components in the scope
 * of `connections` / `variables` (src/secrets/secret-scope.ts).
 *
 * Airflow looks them up as `AIRFLOW_CONN_` + `conn_id.upper()` and `AIRFLOW_VAR_` + `key.upper()`
 * (`EnvironmentVariablesBackend`, airflow-core 3.2.2 `secrets/environment_variables.py`, 2.11 the same file).
 *
 * @internal
 */
export function bindConnectionsAndVariables(recipe: AirflowPodRecipe,
  connections: { [connId: string]: AirflowConnection }, variables: { [key: string]: AirflowVariable }): void {
  const entries: Array<{ prop: string; id: string; name: string; value: kplus.EnvValue; kind: 'connections' | 'variables' }> = [];
  for (const [id, connection] of Object.entries(connections)) {
    if (!(connection instanceof AirflowConnection)) {
      throw new Error(`'connections.${id}' must be an AirflowConnection (AirflowConnection.fromSecret(secret, key)), got ${describe(connection)}`);
    }
    entries.push({ prop: 'connections', id, name: `AIRFLOW_CONN_${id.toUpperCase()}`, value: kplus.EnvValue.fromSecretValue(connection._value), kind: 'connections' });
  }
  for (const [key, variable] of Object.entries(variables)) {
    if (!(variable instanceof AirflowVariable)) {
      throw new Error(`'variables.${key}' must be an AirflowVariable (AirflowVariable.fromSecret(secret, key) or AirflowVariable.nonSecret(value)), got ${describe(variable)}`);
    }
    const value = variable._secret ? kplus.EnvValue.fromSecretValue(variable._secret) : kplus.EnvValue.fromValue(variable._plain!);
    entries.push({ prop: 'variables', id: key, name: `AIRFLOW_VAR_${key.toUpperCase()}`, value, kind: 'variables' });
  }
  const seen = new Map<string, string>();
  for (const e of entries) {
    if (!ID.test(e.id)) {
      throw new Error(`'${e.prop}' has the id '${e.id}', which Airflow cannot read from the environment as ${e.name}: `
        + "use letters, digits and '_' only (e.g. 'my_postgres')");
    }
    const other = seen.get(e.name);
    if (other !== undefined) {
      throw new Error(`'${e.prop}' has both '${other}' and '${e.id}', which are the same environment variable ${e.name} (Airflow upper-cases the id): keep one`);
    }
    seen.set(e.name, e.id);
    recipe._addSecretEnv(e.name, e.value, e.kind);
  }
}

/** What a wrong value is, never the value itself (a connection URI given as a string holds a password). */
function describe(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? 'a plain object' : `a ${typeof value}`;
}
