import * as kplus from 'cdk8s-plus-28';
import { AirflowConfig } from '../config/airflow-config';
import { AirflowPodRecipe } from '../pod/airflow-pod-recipe';

/** Prefix of the environment variables the kwargs command reads. */
const ENV = 'AIRFLOW_SECRETS_BACKEND_';

/**
 * `[secrets] backend_kwargs` as a command (`AIRFLOW__SECRETS__BACKEND_KWARGS_CMD`): it prints the kwargs JSON from the
 * non-secret kwargs (`AIRFLOW_SECRETS_BACKEND_PLAIN_KWARGS`) and the secret ones, each from its Secret
 * (`AIRFLOW_SECRETS_BACKEND_KWARG_<NAME>` as a string, `..._JSON_KWARG_<NAME>` parsed as JSON). `backend_kwargs` is
 * marked sensitive, so Airflow runs `_cmd` variants of it (`sensitive_config_values`, airflow-core 3.2.2
 * `_shared/configuration/parser.py` `_get_cmd_option_from_config_sources`, `run_command`: `shlex.split`, no shell;
 * 2.11.0 `configuration.py` the same), and the secrets never land in the manifests.
 *
 */
const BACKEND_KWARGS_COMMAND = `python3 -c "import json, os; p = '${ENV}'; k = json.loads(os.environ[p + 'PLAIN_KWARGS']); `
  + "k.update({n[len(p + 'KWARG_'):].lower(): v for n, v in os.environ.items() if n.startswith(p + 'KWARG_')}); "
  + "k.update({n[len(p + 'JSON_KWARG_'):].lower(): json.loads(v) for n, v in os.environ.items() if n.startswith(p + 'JSON_KWARG_')}); "
  + 'print(json.dumps(k, sort_keys=True))"';

/**
 * Options of `SecretsBackend.awsSecretsManager` (provider `amazon`, `SecretsManagerBackend`).
 */
export interface AwsSecretsManagerBackendOptions {
  /**
   * Prefix of the secrets holding connections.
   *
   * @default 'airflow/connections' (the provider's default)
   */
  readonly connectionsPrefix?: string;
  /**
   * Prefix of the secrets holding variables.
   *
   * @default 'airflow/variables' (the provider's default)
   */
  readonly variablesPrefix?: string;
  /**
   * Prefix of the secrets holding configuration values (`*_secret` settings).
   *
   * @default 'airflow/config' (the provider's default)
   */
  readonly configPrefix?: string;
  /**
   * The AWS region of the secrets.
   *
   * @default - the region of the pod's AWS environment (`AWS_REGION`, IRSA / Pod Identity).
   */
  readonly regionName?: string;
  /**
   * A role to assume for reading the secrets.
   *
   * @default - the pod's own AWS identity.
   */
  readonly roleArn?: string;
}

/**
 * Options of `SecretsBackend.gcpSecretManager` (provider `google`, `CloudSecretManagerBackend`).
 */
export interface GcpSecretManagerBackendOptions {
  /**
   * Prefix of the secrets holding connections.
   *
   * @default 'airflow-connections' (the provider's default)
   */
  readonly connectionsPrefix?: string;
  /**
   * Prefix of the secrets holding variables.
   *
   * @default 'airflow-variables' (the provider's default)
   */
  readonly variablesPrefix?: string;
  /**
   * Prefix of the secrets holding configuration values.
   *
   * @default 'airflow-config' (the provider's default)
   */
  readonly configPrefix?: string;
  /**
   * The project of the secrets.
   *
   * @default - the credentials' project.
   */
  readonly projectId?: string;
  /**
   * A service account key (the JSON file's content) in a Secret, given as `gcp_keyfile_dict`.
   *
   * @default - the pod's Application Default Credentials (Workload Identity).
   */
  readonly keyfileJson?: kplus.SecretValue;
}

/**
 * Options of `SecretsBackend.hashicorpVault` (provider `hashicorp`, `VaultBackend`). Authentication: a `token`, or an
 * AppRole (`approleRoleId` and `approleSecretId`).
 */
export interface VaultBackendOptions {
  /** The Vault server, e.g. `https://vault.example.com:8200`. */
  readonly url: string;
  /**
   * The mount point of the KV secrets engine.
   *
   * @default 'secret' (the provider's default)
   */
  readonly mountPoint?: string;
  /**
   * The path of the connections under the mount point.
   *
   * @default 'connections' (the provider's default)
   */
  readonly connectionsPath?: string;
  /**
   * The path of the variables under the mount point.
   *
   * @default 'variables' (the provider's default)
   */
  readonly variablesPath?: string;
  /**
   * The path of configuration values under the mount point.
   *
   * @default 'config' (the provider's default)
   */
  readonly configPath?: string;
  /**
   * The KV engine version: 1 or 2.
   *
   * @default 2
   */
  readonly kvEngineVersion?: number;
  /**
   * A Vault token in a Secret (`auth_type` `token`).
   *
   * @default - AppRole authentication (`approleRoleId`, `approleSecretId`).
   */
  readonly token?: kplus.SecretValue;
  /**
   * The AppRole's role id (`auth_type` `approle`; not secret, like a user name).
   *
   * @default - token authentication.
   */
  readonly approleRoleId?: string;
  /**
   * The AppRole's secret id, in a Secret.
   *
   * @default - token authentication.
   */
  readonly approleSecretId?: kplus.SecretValue;
}

/**
 * Airflow's secrets backend (`[secrets] backend`): where Airflow looks up connections, variables and `*_secret`
 * settings after the environment. Its kwargs (`[secrets] backend_kwargs`, which Airflow marks sensitive) never land in
 * the manifests: the secret ones come from Kubernetes Secrets, and a command in the container assembles the JSON.
 */
export class SecretsBackend {
  /**
   * AWS Secrets Manager (`airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend`, in the
   * official image). The pods need an AWS identity that may read the secrets (IRSA or EKS Pod Identity).
   */
  public static awsSecretsManager(options: AwsSecretsManagerBackendOptions = {}): SecretsBackend {
    const where = 'SecretsBackend.awsSecretsManager';
    return new SecretsBackend('airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend', plain(where, {
      connections_prefix: options.connectionsPrefix,
      variables_prefix: options.variablesPrefix,
      config_prefix: options.configPrefix,
      region_name: options.regionName,
      role_arn: options.roleArn,
    }), {}, {}, undefined);
  }

  /**
   * Google Cloud Secret Manager (`airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend`, in
   * the official image). Credentials: Workload Identity, or a service account key in a Secret (`keyfileJson`).
   */
  public static gcpSecretManager(options: GcpSecretManagerBackendOptions = {}): SecretsBackend {
    const where = 'SecretsBackend.gcpSecretManager';
    return new SecretsBackend('airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend', plain(where, {
      connections_prefix: options.connectionsPrefix,
      variables_prefix: options.variablesPrefix,
      config_prefix: options.configPrefix,
      project_id: options.projectId,
    }), {}, options.keyfileJson ? { gcp_keyfile_dict: options.keyfileJson } : {}, undefined);
  }

  /**
   * HashiCorp Vault's KV engine (`airflow.providers.hashicorp.secrets.vault.VaultBackend`, in the official image), with
   * a token or an AppRole from Secrets.
   */
  public static hashicorpVault(options: VaultBackendOptions): SecretsBackend {
    const where = 'SecretsBackend.hashicorpVault';
    if (typeof options?.url !== 'string' || !/^https?:\/\/[^\s/@]+(\/[^\s]*)?$/.test(options.url)) {
      throw new Error(`${where}: 'url' must be the Vault server's http:// or https:// URL, e.g. 'https://vault.example.com:8200', got '${options?.url}'`);
    }
    const approle = options.approleRoleId !== undefined || options.approleSecretId !== undefined;
    if (options.token !== undefined && approle) {
      throw new Error(`${where}: give either 'token' or 'approleRoleId' with 'approleSecretId', not both`);
    }
    if (options.token === undefined && (options.approleRoleId === undefined || options.approleSecretId === undefined)) {
      throw new Error(`${where}: give 'token' (a Secret holding a Vault token) or both 'approleRoleId' and 'approleSecretId'`);
    }
    const version = options.kvEngineVersion ?? 2;
    if (version !== 1 && version !== 2) {
      throw new Error(`${where}: 'kvEngineVersion' must be 1 or 2, got ${options.kvEngineVersion}`);
    }
    const kwargs = plain(where, {
      url: options.url,
      auth_type: approle ? 'approle' : 'token',
      mount_point: options.mountPoint,
      connections_path: options.connectionsPath,
      variables_path: options.variablesPath,
      config_path: options.configPath,
      role_id: options.approleRoleId,
    });
    return new SecretsBackend('airflow.providers.hashicorp.secrets.vault.VaultBackend', { ...kwargs, kv_engine_version: version },
      approle ? { secret_id: options.approleSecretId! } : { token: options.token! }, {}, undefined);
  }

  /**
   * Any other backend class, its kwargs (a JSON object) in a Secret, given as `AIRFLOW__SECRETS__BACKEND_KWARGS`.
   *
   * @param backendClass the class, e.g. `airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend`
   * @param kwargs the Secret key holding the kwargs JSON
   */
  public static custom(backendClass: string, kwargs?: kplus.SecretValue): SecretsBackend {
    if (typeof backendClass !== 'string' || !/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/.test(backendClass)) {
      throw new Error(`SecretsBackend.custom: 'backendClass' must be a dotted Python class path like 'my_package.secrets.MyBackend', got '${backendClass}'`);
    }
    return new SecretsBackend(backendClass, {}, {}, {}, kwargs);
  }

  private constructor(
    /** @internal */ public readonly _backendClass: string,
    private readonly plainKwargs: { [name: string]: string | number },
    private readonly secretKwargs: { [name: string]: kplus.SecretValue },
    private readonly jsonSecretKwargs: { [name: string]: kplus.SecretValue },
    private readonly kwargsSecret: kplus.SecretValue | undefined) {
  }

  /**
   * Sets `[secrets] backend` and gives every Airflow container the kwargs: a backend also serves `*_secret` settings,
   * which any component may read; on Airflow 3 task code falls back to it when `[workers] secrets_backend` is not set
   * (`_get_custom_secret_backend(worker_mode=True)`, airflow-core 3.2.2 `_shared/configuration/parser.py`).
   *
   * @internal
   */
  public _bind(config: AirflowConfig, recipe: AirflowPodRecipe): void {
    config.setOwned('secrets', 'backend', this._backendClass, 'secretsBackend');
    if (this.kwargsSecret) {
      config.setSecret('secrets', 'backend_kwargs', this.kwargsSecret, 'secretsBackend');
      return;
    }
    if (Object.keys(this.plainKwargs).length + Object.keys(this.secretKwargs).length + Object.keys(this.jsonSecretKwargs).length === 0) return;
    config.reserve('secrets', 'backend_kwargs', 'secretsBackend');
    recipe.addEnv('AIRFLOW__SECRETS__BACKEND_KWARGS_CMD', kplus.EnvValue.fromValue(BACKEND_KWARGS_COMMAND));
    recipe.addEnv(`${ENV}PLAIN_KWARGS`, kplus.EnvValue.fromValue(JSON.stringify(this.plainKwargs, Object.keys(this.plainKwargs).sort())));
    for (const [name, value] of Object.entries(this.secretKwargs)) recipe.addEnv(`${ENV}KWARG_${name.toUpperCase()}`, kplus.EnvValue.fromSecretValue(value));
    for (const [name, value] of Object.entries(this.jsonSecretKwargs)) recipe.addEnv(`${ENV}JSON_KWARG_${name.toUpperCase()}`, kplus.EnvValue.fromSecretValue(value));
  }
}

/** The given non-secret kwargs (unset ones left to the provider's defaults), each a non-empty string. */
function plain(where: string, kwargs: { [name: string]: string | undefined }): { [name: string]: string } {
  const given: { [name: string]: string } = {};
  for (const [name, value] of Object.entries(kwargs)) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value)) {
      throw new Error(`${where}: '${camel(name)}' must be a non-empty string on one line, got ${JSON.stringify(value)}`);
    }
    given[name] = value;
  }
  return given;
}

/** The option named after a kwarg: `connections_prefix` -> `connectionsPrefix` (`role_id` is `approleRoleId`). */
function camel(snake: string): string {
  return snake === 'role_id' ? 'approleRoleId' : snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
