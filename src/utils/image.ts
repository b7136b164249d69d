import { AirflowVersion } from '../version';

/**
 * The tag of an image reference (`registry:5000/team/airflow:3.2.2-python3.12@sha256:...` -> `3.2.2-python3.12`),
 * undefined when there is none. A registry port is not a tag: only the part after the last `/` is read.
 *
 * @internal
 */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return colon < 0 ? undefined : lastPart.slice(colon + 1);
}

/** `latest`, `slim-latest`, `latest-python3.12`: tags that move with every release. */
const MOVING_TAG = /(^|-)latest(-|$)/;

/**
 * Fails unless `image` is pinned: a `@sha256:` digest, or a tag that is not `latest` (nor `slim-latest`,
 * `latest-python3.12`, ...). An unpinned image changes under a running deployment with every pull.
 *
 * @param subject what the message names, e.g. `'image'` or `'pgbouncer.image'`.
 * @param example a pinned image to suggest.
 * @internal
 */
export function checkPinnedImage(image: string, subject: string, example: string): void {
  const digest = /@sha256:[0-9a-f]{64}$/.test(image);
  const tag = imageTag(image);
  const pinned = digest || (tag !== undefined && /^\w[\w.-]{0,127}$/.test(tag) && !MOVING_TAG.test(tag));
  if (!pinned) {
    throw new Error(`${subject} must be pinned to a version tag or digest, got '${image}': use e.g. '${example}'`);
  }
}

/**
 * The Airflow release an image's tag names, for images whose repository is `airflow` (`apache/airflow`, a mirror
 * such as `registry.example.com/apache/airflow`, or `ghcr.io/acme/airflow`): the tag's leading `X.Y.Z` after an
 * optional `slim-` (`3.2.2`, `slim-3.2.2-python3.12`, `3.2.2-acme.4`). Undefined for other repositories, digests
 * without a tag, and tags that name no 2.x or 3.x release.
 *
 * @internal
 */
export function airflowReleaseOfImage(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  if (lastPart.split(':')[0] !== 'airflow') return undefined;
  const match = /^(?:slim-)?([23]\.\d+\.\d+)(?:-|$)/.exec(imageTag(image) ?? '');
  return match?.[1];
}

/**
 * Fails when the Airflow image is not pinned, or its tag names another Airflow release than `version`: the library
 * renders the commands, settings and components of `version`, which another release may not have.
 *
 * @param prop the prop the message names: `image`, `pools[gpu].image`, `podTemplates.spark.image`.
 * @internal
 */
export function checkAirflowImage(image: string, version: AirflowVersion, prop: string = 'image'): void {
  checkPinnedImage(image, `'${prop}'`, version.officialImage);
  const release = airflowReleaseOfImage(image);
  if (release !== undefined && release !== version.version) {
    throw new Error(`'${prop}' ${image} is Airflow ${release}, but 'airflowVersion' is ${version.version}: `
      + `set 'airflowVersion' to AirflowVersion.of('${release}'), or use the image of ${version.version} (e.g. '${version.officialImage}')`);
  }
}
