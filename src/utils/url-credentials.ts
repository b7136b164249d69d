/**
 * Credentials inside URLs (`scheme://user:password@host/...`, `https://token@host/...`): a URL prop ends up in clear
 * in pod args, a ConfigMap or a literal environment value, so a URL that carries credentials is refused, and
 * messages show the URL with its user info replaced by `***`.
 */

/** `scheme://userinfo@` at the start of a URL (the user info never holds `/`, `?` or `#`). */
const USER_INFO = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#@]*)@/;

/**
 * The URL with the user info of `scheme://userinfo@host` replaced by `***`, safe for a message.
 *
 * @internal
 */
export function redactUrl(url: string): string {
  return url.replace(USER_INFO, '$1***@');
}

/**
 * Whether `url` carries credentials: a password (`user:password@`) in any scheme, or any user info at all in
 * `http(s)://` (`https://ghp_token@github.com/...` carries a token as the user name). `ssh://git@host` and
 * `git@host:path` name only the SSH user, which is no secret.
 *
 * @internal
 */
export function urlHasCredentials(url: string): boolean {
  const match = USER_INFO.exec(url);
  if (!match) return false;
  return match[2].includes(':') || /^https?:\/\//i.test(match[1]);
}

/**
 * Throws when `url` carries credentials.
 *
 * @param where the construct or method, e.g. `GitSyncSidecar`.
 * @param prop the prop that holds the URL.
 * @param lands where the URL would land in clear, e.g. `the git-sync container's args`.
 * @param alternative how to give the credentials instead.
 * @internal
 */
export function assertNoUrlCredentials(url: string, where: string, prop: string, lands: string, alternative: string): void {
  if (urlHasCredentials(url)) {
    throw new Error(`${where}: '${prop}' ${redactUrl(url)} holds credentials (the part before '@'), which would be written in clear into ${lands}: `
      + `remove them from the URL and ${alternative}`);
  }
}
