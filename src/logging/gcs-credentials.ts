import * as kplus from 'cdk8s-plus-28';

/**
 * How Airflow authenticates to Google Cloud Storage for remote task logs.
 *
 * Use `fromWorkloadIdentity()` on GKE (the pods' ServiceAccounts get the `iam.gke.io/gcp-service-account`
 * annotation), `fromKeyFile()` for a service account key file kept in a Secret, or `fromEnvironment()` for an
 * identity the pods already have (Application Default Credentials).
 */
export class GcsCredentials {
  /**
   * GKE Workload Identity: every pod that reads or writes logs gets its ServiceAccount annotated with
   * `iam.gke.io/gcp-service-account: <serviceAccountEmail>`. Bind the Kubernetes ServiceAccounts to the
   * Google service account (`roles/iam.workloadIdentityUser`) and grant it access to the bucket.
   *
   * The pods' ServiceAccounts must be `kplus.ServiceAccount` constructs of this app (the library's own are);
   * for imported ones, annotate them yourself and use `fromEnvironment()`.
   *
   * @param serviceAccountEmail the Google service account, e.g. `airflow-logs@my-project.iam.gserviceaccount.com`.
   */
  public static fromWorkloadIdentity(serviceAccountEmail: string): GcsCredentials {
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9][a-z0-9.:-]*\.iam\.gserviceaccount\.com$/.test(serviceAccountEmail)) {
      throw new Error('GcsCredentials.fromWorkloadIdentity: \'serviceAccountEmail\' must be a Google service account like '
        + `'airflow-logs@my-project.iam.gserviceaccount.com', got '${serviceAccountEmail}'`);
    }
    return new GcsCredentials(serviceAccountEmail);
  }

  /**
   * A service account key file (JSON) from a Secret, mounted read-only (mode 0440) into the Airflow
   * containers that read or write logs, and named by the connection the library defines (`key_path`): the
   * key itself never leaves the Secret.
   *
   * @param keyFile the Secret key holding the JSON key file.
   */
  public static fromKeyFile(keyFile: kplus.SecretValue): GcsCredentials {
    if (!keyFile.key) {
      throw new Error("GcsCredentials.fromKeyFile: 'keyFile.key' must name the Secret key that holds the service account key file (JSON)");
    }
    return new GcsCredentials(undefined, keyFile);
  }

  /**
   * The pods' own identity (Application Default Credentials: Workload Identity you annotate yourself, the
   * node's service account): nothing is added.
   */
  public static fromEnvironment(): GcsCredentials {
    return new GcsCredentials();
  }

  /**
   * The Google service account set on the pods' ServiceAccounts (Workload Identity), if any.
   */
  public readonly serviceAccountEmail?: string;

  private constructor(serviceAccountEmail?: string,
    /** @internal */ public readonly _keyFile?: kplus.SecretValue) {
    this.serviceAccountEmail = serviceAccountEmail;
  }
}
