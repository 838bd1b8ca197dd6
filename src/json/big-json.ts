/**
 * JSON with exact 64-bit integers (DECISIONS §6: JSON.parse rounds 9223372036854775807).
 * Integers outside the safe range parse as bigint; bigint values stringify as plain digits.
 *
 * Parsing runs on the gateway loop for every request, bodies included that carry megabytes of
 * base64, so it stays on the native JSON.parse: one regex pass quotes the (rare) unsafe integer
 * literals as tagged strings, and the reviver turns those back into bigint. A pure-JS lossless
 * parser took ~50 ms for a 2 MB upload body, stalling every other request.
 */
import { stringify } from 'lossless-json';

const BIG_TAG = '\u0000bigint:';
/** A JSON string literal (skipped whole) or an integer literal of 16+ digits outside strings. */
const TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|(-?\d{16,})(?![\d.eE])/g;
const LONG_DIGIT_RUN = /\d{16}/;

export function parseJson(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  let hasBig = false;
  const tagged = text.replace(TOKENS, (token: string, digits: string | undefined) => {
    if (digits === undefined || Number.isSafeInteger(Number(digits))) return token;
    hasBig = true;
    // The JSON escape of the tag: JSON.parse turns it into BIG_TAG's real NUL character.
    return `"\\u0000bigint:${digits}"`;
  });
  if (!hasBig) return JSON.parse(text);
  return JSON.parse(tagged, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(BIG_TAG) ? BigInt(value.slice(BIG_TAG.length)) : value,
  );
}

export function stringifyJson(value: unknown): string {
  return stringify(value) ?? 'null';
}
