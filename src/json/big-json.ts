/**
 * JSON with exact 64-bit integers (DECISIONS §6: JSON.parse rounds 9223372036854775807).
 * Integers outside the safe range parse as bigint; bigint values stringify as plain digits.
 */
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

function parseNumber(text: string): number | bigint {
  return isInteger(text) && !isSafeNumber(text) ? BigInt(text) : Number(text);
}

/** Throws SyntaxError on malformed text, like JSON.parse. */
export function parseJson(text: string): unknown {
  return parse(text, null, parseNumber);
}

export function stringifyJson(value: unknown): string {
  return stringify(value) ?? 'null';
}
