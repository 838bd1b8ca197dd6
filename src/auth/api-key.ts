/**
 * X-API-KEY (fooocusapi-new.md §2, DECISIONS §3): one or more keys, constant-time comparison,
 * 403 {"detail":"Forbidden"} for a missing or wrong key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

export class ApiKeyChecker {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.filter((k) => k !== '').map(digest);
  }

  get isEnabled(): boolean {
    return this.digests.length > 0;
  }

  /** Hashing first makes every comparison the same length, so timing says nothing about the key. */
  accepts(sent: string | undefined): boolean {
    if (!this.isEnabled) return true;
    if (sent === undefined) return false;
    const candidate = digest(sent);
    let isMatch = false;
    for (const key of this.digests) isMatch = timingSafeEqual(candidate, key) || isMatch;
    return isMatch;
  }
}
