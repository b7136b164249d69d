import { createHash } from 'crypto';

/**
 * The first `length` hex characters of the SHA-256 of `content`.
 */
export function shortHash(content: string, length: number = 8): string {
  return createHash('sha256').update(content).digest('hex').slice(0, length);
}
