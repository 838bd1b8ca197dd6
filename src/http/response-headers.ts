import type { Response } from 'express';

const HEADER_CAP = 1024;

/**
 * Our extra headers (DECISIONS §3): percent-encoded (client-sent names may be any Unicode, and raw
 * non-Latin-1 header values make Node throw) and capped at 1 KiB without cutting an escape in half.
 */
export function encodeHeaderList(values: readonly string[]): string {
  const encoded = encodeURIComponent(values.join('; '));
  if (encoded.length <= HEADER_CAP) return encoded;
  let cut = HEADER_CAP - 3;
  if (encoded[cut - 1] === '%') cut -= 1;
  else if (encoded[cut - 2] === '%') cut -= 2;
  return `${encoded.slice(0, cut)}...`;
}

export function setTaskHeaders(res: Response, warnings: readonly string[], ignoredFields: readonly string[]): void {
  if (warnings.length > 0) res.setHeader('X-Fooocus-Warnings', encodeHeaderList(warnings));
  if (ignoredFields.length > 0) res.setHeader('X-Ignored-Fields', encodeHeaderList(ignoredFields));
}
