import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { resolveKeda } from './autoscaling-internals';
import { KedaAutoscalingOptions } from './worker-autoscaling';
import { DatabaseEngine, MetadataDatabaseBinding } from '../database/metadata-database';
import { ScaledObject } from '../imports/scaledobject-keda.sh';
import { TriggerAuthentication } from '../imports/triggerauthentication-keda.sh';
import { AirflowNames } from '../naming/airflow-names';

/**
 * Props for `KedaDatabaseAuthentication`.
 */
export interface KedaDatabaseAuthenticationProps {
  /** The metadata database; its `kedaConnection` is what KEDA connects with. */
  readonly database: MetadataDatabaseBinding;
}

/**
 * KEDA's access to the metadata database: a `TriggerAuthentication` that reads the connection string from the
 * database's `kedaConnection` Secret key (never from an Airflow container's environment), and the
 * `ScaledObject`s that scale workloads on SQL queries through it. One per deployment serves every pool and
 * the triggerer.
 *
 * Needs KEDA 2.x (its CRDs and operator) in the cluster.
 */
export class KedaDatabaseAuthentication extends Construct {
  /** The SQL engine, which decides the KEDA scaler. */
  public readonly engine: DatabaseEngine;
  /** The KEDA scaler type: `postgresql` or `mysql`. */
  public readonly triggerType: string;
  /** The `keda.sh/v1alpha1` TriggerAuthentication. */
  public readonly triggerAuthentication: ApiObject;

  constructor(scope: Construct, id: string, props: KedaDatabaseAuthenticationProps) {
    super(scope, id);
    const database = props.database;
    this.engine = database.engine;
    const mysql = database.engine === DatabaseEngine.MYSQL;
    const connection = database.kedaConnection;
    if (!connection) {
      if (database.embedded) {
        throw new Error('KEDA autoscaling needs the embedded PostgreSQL\'s \'keda-connection\' key, which it generates only with '
          + '\'kedaConnection\': bind it with { kedaConnection: true } (AirflowDeployment does this when anything uses WorkerAutoscaling.keda())');
      }
      const format = mysql
        ? 'a Go MySQL DSN, e.g. airflow:<password>@tcp(db.example.com:3306)/airflow'
        : 'a libpq URL without a +driver suffix and with an explicit sslmode, e.g. postgresql://airflow:<password>@db.example.com:5432/airflow?sslmode=require';
      throw new Error('WorkerAutoscaling.keda() makes KEDA query the metadata database, but the database has no \'kedaConnection\': '
        + `pass MetadataDatabase.external({ kedaConnection }), a Secret key holding ${format}`);
    }
    this.triggerType = mysql ? 'mysql' : 'postgresql';
    this.triggerAuthentication = new TriggerAuthentication(this, 'Resource', {
      metadata: AirflowNames.of(this).metadata(this, 'TriggerAuthentication', 'keda'),
      spec: {
        secretTargetRef: [{ parameter: mysql ? 'connectionString' : 'connection', name: connection.secret.name, key: connection.key }],
      },
    });
  }

  /**
   * Adds a `ScaledObject` that scales `target` (a Deployment or StatefulSet) on `query`, whose result is the
   * number of pods wanted (KEDA's target value is 1), and removes the target's fixed replicas.
   *
   * @param scope where the ScaledObject goes.
   * @param query a SQL query returning one number.
   */
  public addScaledObject(scope: Construct, id: string, target: kplus.IScalable, query: string, options: KedaAutoscalingOptions = {}): ApiObject {
    const keda = resolveKeda(options, 0, 'KedaDatabaseAuthentication.addScaledObject');
    const ref = target.toScalingTarget();
    target.markHasAutoscaler();
    const metadata: { [key: string]: string } = this.engine === DatabaseEngine.MYSQL
      ? { query, queryValue: '1' }
      : { query, targetQueryValue: '1' };
    // named and labelled like its target, which it alone scales.
    const labels = target instanceof kplus.Resource ? target.metadata.toJson().labels : undefined;
    return new ScaledObject(scope, id, {
      metadata: { name: ref.name, labels },
      spec: {
        scaleTargetRef: { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name },
        minReplicaCount: keda.minReplicas,
        maxReplicaCount: keda.maxReplicas,
        pollingInterval: keda.pollingSeconds,
        cooldownPeriod: keda.cooldownSeconds,
        triggers: [{ type: this.triggerType, metadata, authenticationRef: { name: this.triggerAuthentication.name } }],
      },
    });
  }
}
