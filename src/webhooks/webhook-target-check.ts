/**
 * A per-request webhook_url is checked by the same SSRF guard at submission as at delivery, so a
 * URL the server would refuse to call is a 422 naming the field, not a silent drop later. A host
 * that does not resolve right now is let through (DNS may come back; delivery checks again).
 */
import { assertFetchableUrl, UnsafeUrlError, type LookupFn } from '../net/ssrf-guard.ts';
import type { WebhookTargetCheck } from '../tasks/ports.ts';

export function webhookTargetCheck(options: { allowPrivate: boolean; lookup?: LookupFn }): WebhookTargetCheck {
  return async (url) => {
    try {
      await assertFetchableUrl(url, options);
      return null;
    } catch (error) {
      if (error instanceof UnsafeUrlError && error.kind === 'unresolvable') return null;
      if (error instanceof UnsafeUrlError) return error.message;
      throw error;
    }
  };
}
