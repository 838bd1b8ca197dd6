/**
 * JSON with exact 64-bit integers (DECISIONS §6: JSON.parse rounds 9223372036854775807).
 * Integers outside the safe range parse as bigint; bigint values stringify as plain digits.
 *
 * Both directions stay on the native JSON functions: parsing runs on the gateway loop for every
 * request, bodies included that carry megabytes of base64 (a pure-JS lossless parser took ~50 ms
 * for a 2 MB upload, stalling every other request), and stringifying runs for every reply and
 * stored row. Unsafe integers travel through them as tagged strings. The tag carries a random
 * per-process part, so no text a client sends can pass for one.
 */
import { randomBytes } from 'node:crypto';
import { stringify } from 'lossless-json';

const TAG_NAME = `bigint-${randomBytes(6).toString('hex')}:`;
/** The tag as a JS string: a NUL, which no JSON text holds unescaped, then the name. */
const BIG_TAG = `\u0000${TAG_NAME}`;
/** The tag as JSON spells it inside a string literal. */
const BIG_TAG_JSON = `\\u0000${TAG_NAME}`;
/** A tagged bigint as JSON.stringify writes it, quotes and all. */
const TAGGED_BIG = new RegExp(`"\\\\u0000${TAG_NAME}(-?\\d+)"`, 'g');
const LONG_DIGIT_RUN = /\d{16}/;
/** Candidate integer literals: 16+ digits; whether one is a whole number outside a string is checked after. */
const LONG_INTEGER = /-?\d{16,}/g;
const QUOTE = 34;
const BACKSLASH = 92;
/** What may stand right before a number that is a whole JSON value (not a fraction's or exponent's digits). */
const NUMBER_START = /[\s:,[]/;
/** What after the digits makes the literal a float rather than an integer. */
const FLOAT_REST = /[.eE]/;

/**
 * The text with every integer literal outside the safe range written as a tagged string, or null
 * when it has none. Strings are tracked by their unescaped quotes, so digits inside a string (a
 * prompt, a base64 image) and the digits of a fraction or an exponent (0.30000000000000004) stay
 * as they are.
 */
function tagUnsafeIntegers(text: string): { text: string; count: number } | null {
  let out = '';
  let count = 0;
  let copied = 0;
  let scanned = 0;
  let isInString = false;
  for (const match of text.matchAll(LONG_INTEGER)) {
    const start = match.index;
    for (let q = text.indexOf('"', scanned); q !== -1 && q < start; q = text.indexOf('"', scanned)) {
      if (isInString) {
        let backslashes = 0;
        while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes += 1;
        if (backslashes % 2 === 0) isInString = false;
      } else {
        isInString = text.charCodeAt(q) === QUOTE;
      }
      scanned = q + 1;
    }
    const digits = match[0];
    const end = start + digits.length;
    if (isInString || (start > 0 && !NUMBER_START.test(text[start - 1])) || FLOAT_REST.test(text[end] ?? '')) continue;
    if (Number.isSafeInteger(Number(digits))) continue;
    out += `${text.slice(copied, start)}"${BIG_TAG_JSON}${digits}"`;
    copied = end;
    count += 1;
  }
  return count === 0 ? null : { text: out + text.slice(copied), count };
}

/**
 * Puts the bigint back where `tagUnsafeIntegers` left a tagged string (`count` of them). An explicit
 * stack rather than recursion (nesting depth is checked only later), and no reviver: JSON.parse
 * calling back for every value cost four times the parse itself.
 */
function untag(root: unknown, count: number): unknown {
  if (typeof root === 'string') return root.startsWith(BIG_TAG) ? BigInt(root.slice(BIG_TAG.length)) : root;
  const stack: unknown[] = [root];
  let left = count;
  while (stack.length > 0 && left > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const record = node as Record<string, unknown>;
    for (const key of Array.isArray(node) ? node.keys() : Object.keys(node)) {
      const value = record[key];
      if (typeof value === 'string') {
        if (!value.startsWith(BIG_TAG)) continue;
        // defineProperty: a plain assignment to a key named __proto__ would not replace the value.
        const big = BigInt(value.slice(BIG_TAG.length));
        Object.defineProperty(node, key, { value: big, writable: true, enumerable: true, configurable: true });
        left -= 1;
      } else if (value !== null && typeof value === 'object') {
        stack.push(value);
      }
    }
  }
  return root;
}

export function parseJson(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  const tagged = tagUnsafeIntegers(text);
  return tagged === null ? JSON.parse(text) : untag(JSON.parse(tagged.text), tagged.count);
}

/**
 * Native JSON.stringify with bigint values tagged by the replacer and un-quoted afterwards; the
 * pure-JS lossless stringifier cost several times more. A string that holds the tag itself would
 * be mistaken for a bigint; it cannot come from a client (the tag is random), but should one
 * appear, the value goes through the lossless stringifier instead.
 */
export function stringifyJson(value: unknown): string {
  let hasBig = false;
  let isAmbiguous = false;
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') {
      hasBig = true;
      return `${BIG_TAG}${item}`;
    }
    if (typeof item === 'string' && item.includes(BIG_TAG)) isAmbiguous = true;
    return item;
  }) as string | undefined;
  if (isAmbiguous) return stringify(value) ?? 'null';
  if (text === undefined) return 'null';
  return hasBig ? text.replace(TAGGED_BIG, '$1') : text;
}

/** The tag, for tests that must show a client's text cannot be taken for it. */
export const BIGINT_TAG_FOR_TESTS = BIG_TAG;
