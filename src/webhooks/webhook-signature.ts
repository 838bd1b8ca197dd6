/**
 * Our webhook signature (DECISIONS §3 "Webhook signature"; the originals sign nothing):
 * `X-Fooocus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is inside the MAC so a receiver can refuse replays of old deliveries.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Fooocus-Signature';

/** Hex HMAC-SHA256 of `"<t>.<body>"`, body as its UTF-8 bytes. */
export function signWebhookBody(secret: string, t: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

export function signatureHeaderValue(secret: string, t: number, body: string | Uint8Array): string {
  return `t=${t},v1=${signWebhookBody(secret, t, body)}`;
}

/**
 * For receivers and tests: true when one of the header's `v1` values is the MAC of the body at
 * its `t`. With `nowSeconds`, also requires `t` within `toleranceSeconds` (default 300).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  body: string | Uint8Array,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(t)) return false;
  if (options.nowSeconds !== undefined && Math.abs(options.nowSeconds - t) > (options.toleranceSeconds ?? 300))
    return false;
  const expected = Buffer.from(signWebhookBody(secret, t, body), 'hex');
  return parts
    .filter(([key, value]) => key === 'v1' && /^[0-9a-f]{64}$/i.test(value ?? ''))
    .some(([, value]) => timingSafeEqual(Buffer.from(value, 'hex'), expected));
}
