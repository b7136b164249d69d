import * as kplus from 'cdk8s-plus-28';
import { assertNoUrlCredentials } from '../utils/url-credentials';

/**
 * A role of Airflow 3's SimpleAuthManager (`[core] simple_auth_manager_users`), from the least to the most allowed.
 */
export enum SimpleAuthRole {
  /** Read-only access. */
  VIEWER = 'viewer',
  /** Viewer, plus running and editing DAG runs and task instances. */
  USER = 'user',
  /** User, plus pools, connections, variables. */
  OP = 'op',
  /** Everything. */
  ADMIN = 'admin',
}

/**
 * A user of the SimpleAuthManager.
 */
export interface SimpleAuthUser {
  /** The login name: letters, digits, `.`, `_` and `-`. */
  readonly username: string;
  /**
   * The role.
   *
   * @default SimpleAuthRole.ADMIN
   */
  readonly role?: SimpleAuthRole;
}

/**
 * Options for `AirflowAuth.simple`.
 */
export interface SimpleAuthOptions {
  /**
   * The users.
   *
   * @default - one user `admin` with the admin role.
   */
  readonly users?: SimpleAuthUser[];
  /**
   * A Secret key holding the passwords file: JSON `{"<username>": "<password>", ...}` with every user.
   *
   * @default - generated once in the cluster: the Secret `<release>-simple-auth`, key `passwords.json`, and one key
   *   `password-<username>` per user to read it from.
   */
  readonly passwords?: kplus.SecretValue;
}

/**
 * The first admin of the FAB auth manager, created by a Job if it does not exist (never overwritten).
 */
export interface FabAdminOptions {
  /**
   * The login name.
   *
   * @default 'admin'
   */
  readonly username?: string;
  /**
   * The e-mail address FAB requires.
   *
   * @default 'admin@example.com'
   */
  readonly email?: string;
  /**
   * A Secret key holding the password.
   *
   * @default - generated once in the cluster: the Secret `<release>-fab-admin`, key `password`.
   */
  readonly password?: kplus.SecretValue;
}

/**
 * Options for `AirflowAuth.fab`.
 */
export interface FabAuthOptions {
  /**
   * The first admin.
   *
   * @default - `admin`, password generated in the cluster.
   */
  readonly admin?: FabAdminOptions;
  /**
   * The whole `webserver_config.py` (Flask-AppBuilder settings: `AUTH_TYPE`, OAuth providers, LDAP, ...). It lands
   * in a ConfigMap: read secrets in it from environment variables (`os.environ[...]`), never write them inline.
   *
   * @default - database authentication (`AUTH_TYPE = AUTH_DB`).
   */
  readonly webserverConfig?: string;
}

/**
 * Options for `AirflowAuth.keycloak`.
 */
export interface KeycloakAuthOptions {
  /** The Keycloak server, e.g. `https://keycloak.example.com` (`[keycloak_auth_manager] server_url`). */
  readonly serverUrl: string;
  /** The realm (`[keycloak_auth_manager] realm`). */
  readonly realm: string;
  /** The client Airflow authenticates as (`[keycloak_auth_manager] client_id`). */
  readonly clientId: string;
  /** A Secret key holding the client's secret (`[keycloak_auth_manager] client_secret`, which Airflow marks sensitive). */
  readonly clientSecret: kplus.SecretValue;
}

/**
 * Who may log in to the Airflow UI and API, and how.
 */
export class AirflowAuth {
  /**
   * Airflow 3's SimpleAuthManager, with its passwords file in a Secret that every API server pod reads: every replica
   * and every restart accepts the same passwords. Airflow's docs call it a development tool; use `fab()` in production.
   */
  public static simple(options: SimpleAuthOptions = {}): AirflowAuth {
    const users = options.users ?? [{ username: 'admin', role: SimpleAuthRole.ADMIN }];
    if (users.length === 0) throw new Error("AirflowAuth.simple: 'users' must not be empty: give at least one user");
    const seen = new Set<string>();
    for (const user of users) {
      if (!/^[a-zA-Z0-9._-]{1,64}$/.test(user.username)) {
        throw new Error(`AirflowAuth.simple: username '${user.username}' must be 1 to 64 letters, digits, '.', '_' or '-'`);
      }
      if (seen.has(user.username)) throw new Error(`AirflowAuth.simple: user '${user.username}' is given twice`);
      seen.add(user.username);
    }
    return new AirflowAuth('simple', users, options.passwords);
  }

  /**
   * The FAB auth manager (Airflow 2: built in; Airflow 3: provider `apache-airflow-providers-fab`, in the official image),
   * with a first admin created by an idempotent Job, and OAuth or LDAP through your own `webserver_config.py`.
   */
  public static fab(options: FabAuthOptions = {}): AirflowAuth {
    const username = options.admin?.username ?? 'admin';
    if (!/^[a-zA-Z0-9._@-]{1,64}$/.test(username)) {
      throw new Error(`AirflowAuth.fab: 'admin.username' must be 1 to 64 letters, digits, '.', '_', '@' or '-', got '${username}'`);
    }
    const email = options.admin?.email ?? 'admin@example.com';
    if (!/^[^\s@'"]+@[^\s@'"]+$/.test(email)) throw new Error(`AirflowAuth.fab: 'admin.email' must be an e-mail address, got '${email}'`);
    return new AirflowAuth('fab', undefined, options.admin?.password, { username, email, webserverConfig: options.webserverConfig });
  }

  /**
   * Airflow 3's Keycloak auth manager (provider `apache-airflow-providers-keycloak`, which the official image does not
   * include: build an image with it). Users, roles and permissions live in Keycloak; the client secret reaches only
   * the API server, from its Secret.
   */
  public static keycloak(options: KeycloakAuthOptions): AirflowAuth {
    assertNoUrlCredentials(options.serverUrl, 'AirflowAuth.keycloak', 'serverUrl', 'the airflow.cfg ConfigMap', "give the client's secret in 'clientSecret'");
    if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(options.serverUrl)) {
      throw new Error(`AirflowAuth.keycloak: 'serverUrl' must be an http:// or https:// URL like 'https://keycloak.example.com', got '${options.serverUrl}'`);
    }
    for (const [prop, value] of [['realm', options.realm], ['clientId', options.clientId]] as const) {
      if (!/^[A-Za-z0-9._-]+$/.test(value)) {
        throw new Error(`AirflowAuth.keycloak: '${prop}' must be letters, digits, '.', '_' or '-', got '${value}'`);
      }
    }
    return new AirflowAuth('keycloak', undefined, options.clientSecret, undefined, options);
  }

  private constructor(
    /** @internal */ public readonly _kind: 'simple' | 'fab' | 'keycloak',
    /** @internal */ public readonly _users?: SimpleAuthUser[],
    /** @internal */ public readonly _password?: kplus.SecretValue,
    /** @internal */ public readonly _fab?: { username: string; email: string; webserverConfig?: string },
    /** @internal */ public readonly _keycloak?: KeycloakAuthOptions) {
  }
}
