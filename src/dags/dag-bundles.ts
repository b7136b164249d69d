import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { DagSourceBindOptions, DagSourceBinding, IDagSource } from './dag-source';
import { GitSyncSidecarProps } from './git-sync-sidecar';
import { S3SyncSidecarProps } from './s3-sync-sidecar';
import { assertNoUrlCredentials } from '../utils/url-credentials';

/**
 * Options for `DagBundle.git`.
 */
export interface GitDagBundleOptions {
  /** The bundle name (letters, digits, '_' and '-'), shown in the UI and stored with each DAG version. */
  readonly name: string;
  /** The repository URL. */
  readonly repoUrl: string;
  /**
   * The branch or tag to track.
   *
   * @default 'main'
   */
  readonly trackingRef?: string;
  /**
   * The folder inside the repository that holds the DAGs.
   *
   * @default - the repository root.
   */
  readonly subdir?: string;
  /**
   * How often Airflow refreshes the bundle.
   *
   * @default Duration.seconds(300)
   */
  readonly refreshInterval?: Duration;
  /**
   * A Secret key holding the Airflow connection (URI or JSON, `conn_type` `git`, token in `password`) for a
   * private repository; it becomes `AIRFLOW_CONN_<NAME>_GIT`.
   *
   * @default - a public repository.
   */
  readonly connection?: kplus.SecretValue;
}

/**
 * Options for `DagBundle.s3`.
 */
export interface S3DagBundleOptions {
  /** The bundle name (letters, digits, '_' and '-'). */
  readonly name: string;
  /** The bucket. */
  readonly bucket: string;
  /**
   * The key prefix of the DAG files.
   *
   * @default '' - the whole bucket.
   */
  readonly prefix?: string;
  /**
   * How often Airflow refreshes the bundle.
   *
   * @default Duration.seconds(300)
   */
  readonly refreshInterval?: Duration;
  /**
   * A Secret key holding the Airflow AWS connection (URI or JSON); it becomes `AIRFLOW_CONN_<NAME>_AWS`.
   *
   * @default - `aws_default`: the pod's own identity (IRSA, EKS Pod Identity).
   */
  readonly connection?: kplus.SecretValue;
}

/**
 * An Airflow 3 DAG bundle: Airflow itself fetches (and versions) the DAGs, no sidecar.
 */
export class DagBundle {
  /** `airflow.providers.git.bundles.git.GitDagBundle`. */
  public static git(options: GitDagBundleOptions): DagBundle {
    checkName(options.name);
    assertNoUrlCredentials(options.repoUrl, 'DagBundle.git', 'repoUrl', 'the airflow.cfg ConfigMap ([dag_processor] dag_bundle_config_list)',
      "give them through 'connection': a Secret key holding an Airflow git connection (login and password or token)");
    if (!/^(https:\/\/|ssh:\/\/|git@)/.test(options.repoUrl)) {
      throw new Error(`DagBundle.git: 'repoUrl' must be an https://, ssh:// or git@ URL, got '${options.repoUrl}'`);
    }
    const connId = `${options.name.replace(/-/g, '_')}_git`;
    return new DagBundle(options.name, 'airflow.providers.git.bundles.git.GitDagBundle', {
      repo_url: options.repoUrl,
      tracking_ref: options.trackingRef ?? 'main',
      ...(options.subdir ? { subdir: options.subdir } : {}),
      refresh_interval: seconds(options.refreshInterval),
      ...(options.connection ? { git_conn_id: connId } : {}),
    }, options.connection ? { connId, value: options.connection } : undefined);
  }

  /** `airflow.providers.amazon.aws.bundles.s3.S3DagBundle`. */
  public static s3(options: S3DagBundleOptions): DagBundle {
    checkName(options.name);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
      throw new Error(`DagBundle.s3: 'bucket' must be a valid S3 bucket name, got '${options.bucket}'`);
    }
    const connId = `${options.name.replace(/-/g, '_')}_aws`;
    return new DagBundle(options.name, 'airflow.providers.amazon.aws.bundles.s3.S3DagBundle', {
      bucket_name: options.bucket,
      prefix: options.prefix ?? '',
      refresh_interval: seconds(options.refreshInterval),
      aws_conn_id: options.connection ? connId : 'aws_default',
    }, options.connection ? { connId, value: options.connection } : undefined);
  }

  /**
   * The Airflow 3 bundle equivalent of a `GitSyncSidecar`'s props (repo, gitRef, subPath, period), to move from
   * git-sync to bundles without rewriting them. Public repositories only: a private one needs an Airflow git
   * connection, given with `DagBundle.git({ connection })`.
   */
  public static fromGitSync(name: string, props: GitSyncSidecarProps): DagBundle {
    if (props.auth && props.auth._kind !== 'none') {
      throw new Error(`DagBundle.fromGitSync: '${props.repo}' uses GitAuth.${props.auth._kind === 'github-app' ? 'githubApp' : props.auth._kind}, `
        + 'but a bundle authenticates through an Airflow git connection: use DagBundle.git({ repoUrl, connection }) with a Secret holding that connection');
    }
    const ref = props.gitRef ?? 'HEAD';
    return DagBundle.git({
      name,
      repoUrl: props.repo,
      trackingRef: ref === 'HEAD' ? 'main' : ref,
      subdir: props.subPath || undefined,
      refreshInterval: props.period,
    });
  }

  /**
   * The Airflow 3 bundle equivalent of an `S3SyncSidecar`'s props (bucket, prefix, interval). The bundle reads S3
   * with the `aws_default` connection, i.e. the pod's own identity: only `S3Credentials.fromEnvironment()` maps.
   */
  public static fromS3Sync(name: string, props: S3SyncSidecarProps): DagBundle {
    if (props.credentials && (props.credentials.roleArn || props.credentials._hasAccessKeys)) {
      throw new Error(`DagBundle.fromS3Sync: bucket '${props.bucket}' uses ${props.credentials.roleArn ? 'an IAM role for the sync ServiceAccount' : 'access keys'}, `
        + "but a bundle reads S3 as the dag-processor and workers themselves: use DagBundle.s3({ connection }) or give those pods' ServiceAccounts the role");
    }
    if (props.endpointUrl) {
      throw new Error(`DagBundle.fromS3Sync: bucket '${props.bucket}' uses 'endpointUrl' ${props.endpointUrl}, which the bundle takes from its AWS connection: `
        + 'use DagBundle.s3({ connection }) with a connection whose extra sets endpoint_url');
    }
    return DagBundle.s3({ name, bucket: props.bucket, prefix: props.prefix, refreshInterval: props.interval });
  }

  private constructor(
    /** The bundle name. */
    public readonly name: string,
    /** @internal */ public readonly _classpath: string,
    /** @internal */ public readonly _kwargs: { [key: string]: any },
    /** @internal */ public readonly _connection?: { connId: string; value: kplus.SecretValue }) {
  }
}

/**
 * Airflow 3 DAG bundles as the DAG source: sets `[dag_processor] dag_bundle_config_list`, adds the bundles'
 * connections from Secrets, and mounts nothing. An error on Airflow 2.
 */
export class DagBundlesSource implements IDagSource {
  private readonly bundles: DagBundle[];

  constructor(bundles: DagBundle[]) {
    if (bundles.length === 0) {
      throw new Error('DagSource.fromBundles: give at least one DagBundle');
    }
    const names = bundles.map(b => b.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) {
      throw new Error(`DagSource.fromBundles: two bundles are named '${duplicate}': bundle names must be unique`);
    }
    this.bundles = [...bundles];
  }

  public bind(_pod: kplus.AbstractPod, options: DagSourceBindOptions): DagSourceBinding {
    const version = options.config.version;
    if (!version.isAirflow3) {
      throw new Error(`DAG bundles need Airflow 3, but the deployment runs Airflow ${version.version}: use GitSyncSidecar or S3SyncSidecar on Airflow 2`);
    }
    const list = this.bundles.map(b => ({ name: b.name, classpath: b._classpath, kwargs: b._kwargs }));
    options.config.setOwned('dag_processor', 'dag_bundle_config_list', JSON.stringify(list), 'dagSource (DagSource.fromBundles)');
    const env: { [name: string]: kplus.EnvValue } = {};
    for (const b of this.bundles) {
      if (b._connection) env[`AIRFLOW_CONN_${b._connection.connId.toUpperCase()}`] = kplus.EnvValue.fromSecretValue(b._connection.value);
    }
    return { dagsFolder: options.mountPath, envVariables: env };
  }
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name)) {
    throw new Error(`DagBundle: 'name' must be 1-63 letters, digits, '_' and '-', got '${name}'`);
  }
}

function seconds(d?: Duration): number {
  return Math.round((d ?? Duration.seconds(300)).toSeconds());
}
