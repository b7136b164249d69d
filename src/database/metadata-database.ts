import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { EmbeddedPostgres, EmbeddedPostgresProps } from './embedded-postgres';
import { expectObject, expectPresent, expectSecretValue } from '../utils/props-check';

/**
 * The SQL engine of the metadata database.
 */
export enum DatabaseEngine {
  /** PostgreSQL. */
  POSTGRESQL = 'postgresql',
  /** MySQL 8. */
  MYSQL = 'mysql',
}

/**
 * Options for `MetadataDatabase.external`.
 */
export interface ExternalDatabaseOptions {
  /**
   * The Secret key holding the SQLAlchemy connection URL, e.g.
   * `postgresql://airflow:<password>@db.example.com:5432/airflow` or `mysql+mysqldb://...`.
   */
  readonly connection: kplus.SecretValue;
  /**
   * The database engine.
   *
   * @default DatabaseEngine.POSTGRESQL
   */
  readonly engine?: DatabaseEngine;
  /**
   * The Secret key holding the connection in the format KEDA's scaler reads, needed by
   * `WorkerAutoscaling.keda()` (KEDA counts queued tasks in the database itself):
   * - PostgreSQL: a libpq URL without an SQLAlchemy driver suffix and with an explicit `sslmode`, e.g.
   *   `postgresql://airflow:<password>@db.example.com:5432/airflow?sslmode=require` (not `postgresql+psycopg2://`);
   * - MySQL: a Go driver DSN, e.g. `airflow:<password>@tcp(db.example.com:3306)/airflow`.
   *
   * The host must resolve from KEDA's own namespace. Only KEDA reads it (through a `TriggerAuthentication`);
   * no Airflow container gets it.
   *
   * @default - none: KEDA autoscaling is an error.
   */
  readonly kedaConnection?: kplus.SecretValue;
}

/**
 * Options for `MetadataDatabase.bind`.
 */
export interface MetadataDatabaseBindOptions {
  /**
   * Whether KEDA reads the database: the embedded PostgreSQL then generates a `keda-connection` key.
   *
   * @default false
   */
  readonly kedaConnection?: boolean;
}

/**
 * What a metadata database gives the Airflow pods.
 */
export interface MetadataDatabaseBinding {
  /** The Secret key holding the SQLAlchemy connection URL. */
  readonly connection: kplus.SecretValue;
  /** The engine. */
  readonly engine: DatabaseEngine;
  /**
   * The Secret key holding the connection in KEDA's format (see `ExternalDatabaseOptions.kedaConnection`).
   *
   * @default - none: KEDA autoscaling is an error.
   */
  readonly kedaConnection?: kplus.SecretValue;
  /**
   * The embedded database, when there is one.
   *
   * @default - none (external database).
   */
  readonly embedded?: EmbeddedPostgres;
}

/**
 * Airflow's metadata database: embedded PostgreSQL for a quick start, or an external database for production.
 */
export abstract class MetadataDatabase {
  /**
   * A single PostgreSQL pod with a PersistentVolumeClaim, inside the deployment. Fine for trying Airflow
   * out; use a managed or replicated database in production.
   */
  public static embeddedPostgres(options: EmbeddedPostgresProps = {}): MetadataDatabase {
    return new EmbeddedPostgresDatabase(options);
  }

  /**
   * A database run elsewhere (RDS, Cloud SQL, an operator); the connection URL comes from a Secret.
   */
  public static external(options: ExternalDatabaseOptions): MetadataDatabase {
    return new ExternalDatabase(options);
  }

  /**
   * Creates what the database needs (if anything) under `scope`.
   */
  public abstract bind(scope: Construct, options?: MetadataDatabaseBindOptions): MetadataDatabaseBinding;
}

class EmbeddedPostgresDatabase extends MetadataDatabase {
  constructor(private readonly options: EmbeddedPostgresProps) {
    super();
  }

  public bind(scope: Construct, options: MetadataDatabaseBindOptions = {}): MetadataDatabaseBinding {
    const kedaConnection = this.options.kedaConnection || options.kedaConnection;
    const embedded = new EmbeddedPostgres(scope, 'Database', { ...this.options, kedaConnection });
    return { connection: embedded.connection, engine: DatabaseEngine.POSTGRESQL, kedaConnection: embedded.kedaConnection, embedded };
  }
}

class ExternalDatabase extends MetadataDatabase {
  constructor(private readonly options: ExternalDatabaseOptions) {
    super();
    expectObject(options, 'MetadataDatabase.external options');
    expectPresent(options?.connection, 'MetadataDatabase.external connection', "a SecretValue: { secret: <the Secret>, key: '<key of the URL>' }");
    expectSecretValue(options.connection, 'MetadataDatabase.external connection');
    expectSecretValue(options.kedaConnection, 'MetadataDatabase.external kedaConnection');
    if (!options.connection.key) {
      throw new Error("MetadataDatabase.external: 'connection.key' must name the Secret key that holds the connection URL");
    }
    if (options.kedaConnection && !options.kedaConnection.key) {
      throw new Error("MetadataDatabase.external: 'kedaConnection.key' must name the Secret key that holds KEDA's connection string");
    }
  }

  public bind(): MetadataDatabaseBinding {
    const { connection, kedaConnection } = this.options;
    return { connection, engine: this.options.engine ?? DatabaseEngine.POSTGRESQL, kedaConnection };
  }
}
