import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { EmbeddedPostgres, EmbeddedPostgresProps } from './embedded-postgres';

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
  public abstract bind(scope: Construct): MetadataDatabaseBinding;
}

class EmbeddedPostgresDatabase extends MetadataDatabase {
  constructor(private readonly options: EmbeddedPostgresProps) {
    super();
  }

  public bind(scope: Construct): MetadataDatabaseBinding {
    const embedded = new EmbeddedPostgres(scope, 'Database', this.options);
    return { connection: embedded.connection, engine: DatabaseEngine.POSTGRESQL, embedded };
  }
}

class ExternalDatabase extends MetadataDatabase {
  constructor(private readonly options: ExternalDatabaseOptions) {
    super();
    if (!options.connection.key) {
      throw new Error("MetadataDatabase.external: 'connection.key' must name the Secret key that holds the connection URL");
    }
  }

  public bind(): MetadataDatabaseBinding {
    return { connection: this.options.connection, engine: this.options.engine ?? DatabaseEngine.POSTGRESQL };
  }
}
