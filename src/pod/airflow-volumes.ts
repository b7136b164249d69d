import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/**
 * Options of `AirflowVolumes` factories.
 */
export interface AirflowVolumeOptions {
  /**
   * The name of the volume in the pod.
   *
   * @default - derived from the construct path
   */
  readonly name?: string;

  /**
   * Mount the volume read-only (claims only; ConfigMap and Secret volumes are read-only anyway).
   *
   * @default false
   */
  readonly readOnly?: boolean;
}

/**
 * Volumes and claims by name, for the props that take cdk8s-plus-28 types (`extraVolumes`, `extraVolumeMounts`,
 * `PvcDagSource`, `AirflowLogs.persistentVolumeClaim`, ...), so that an app needs no cdk8s-plus-28 import of its own.
 *
 * An app built on another cdk8s-plus (e.g. cdk8s-plus-33 from `cdk8s init`) can pass its own Secrets and claims
 * (`kplus.Secret.fromSecretName`, `kplus.PersistentVolumeClaim.fromClaimName`), but not its `Volume`s: classes with
 * private members of two cdk8s-plus packages are different types to TypeScript. These factories give the right ones.
 */
export class AirflowVolumes {
  /**
   * An existing PersistentVolumeClaim, by name (for `PvcDagSource`, `EfsDagVolume`, `AirflowLogs`).
   *
   * @param claimName the name of the PersistentVolumeClaim in the chart's namespace
   */
  public static claim(scope: Construct, id: string, claimName: string): kplus.IPersistentVolumeClaim {
    return kplus.PersistentVolumeClaim.fromClaimName(scope, id, claimName);
  }

  /**
   * A volume of an existing PersistentVolumeClaim, by the claim's name.
   *
   * @param claimName the name of the PersistentVolumeClaim in the chart's namespace
   */
  public static fromClaimName(scope: Construct, id: string, claimName: string, options: AirflowVolumeOptions = {}): kplus.Volume {
    const claim = kplus.PersistentVolumeClaim.fromClaimName(scope, `${id}Claim`, claimName);
    return kplus.Volume.fromPersistentVolumeClaim(scope, id, claim, { name: options.name, readOnly: options.readOnly ?? false });
  }

  /**
   * A volume of an existing ConfigMap, by name: one file per key.
   *
   * @param configMapName the name of the ConfigMap in the chart's namespace
   */
  public static fromConfigMapName(scope: Construct, id: string, configMapName: string, options: AirflowVolumeOptions = {}): kplus.Volume {
    const configMap = kplus.ConfigMap.fromConfigMapName(scope, `${id}ConfigMap`, configMapName);
    return kplus.Volume.fromConfigMap(scope, id, configMap, { name: options.name });
  }

  /**
   * A volume of an existing Secret, by name: one file per key.
   *
   * @param secretName the name of the Secret in the chart's namespace
   */
  public static fromSecretName(scope: Construct, id: string, secretName: string, options: AirflowVolumeOptions = {}): kplus.Volume {
    const secret = kplus.Secret.fromSecretName(scope, `${id}Secret`, secretName);
    return kplus.Volume.fromSecret(scope, id, secret, { name: options.name });
  }

  /**
   * An empty directory that lives as long as the pod.
   *
   * @param name the name of the volume in the pod
   * @param sizeLimit the most the directory may hold
   */
  public static emptyDir(scope: Construct, id: string, name: string, sizeLimit?: Size): kplus.Volume {
    return kplus.Volume.fromEmptyDir(scope, id, name, { sizeLimit });
  }

  private constructor() {
  }
}
