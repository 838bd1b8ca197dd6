/**
 * Prompt emphasis as ComfyUI's `sd1_clip.py` parses it, which is what Fooocus uses (fooocus-semantics
 * §4.6): `(text)` multiplies the weight by 1.1 per nesting level, `(text:1.3)` sets it to 1.3 (absolute,
 * not multiplied), `\(` and `\)` are literal parentheses (the backslash is dropped), and square
 * brackets mean nothing. Unbalanced parentheses stay in the text as literals.
 *
 * The segments are not merged: the tokenizer splits each segment into words on its own, so "a(b)c"
 * gives the three words a, b, c rather than one word "abc".
 */
import { WHITESPACE_CLASS } from '../tokenizer/text-clean.ts';

export interface WeightedSegment {
  text: string;
  weight: number;
}

// The escapes become control pairs no prompt contains, so the parser never sees them as brackets.
const ESCAPED_CLOSE = '\u0000\u0001';
const ESCAPED_OPEN = '\u0000\u0002';

/** Weighted segments of one prompt item, in order; '' gives []. */
export function parseEmphasis(text: string): WeightedSegment[] {
  const escaped = text.replaceAll('\\)', ESCAPED_CLOSE).replaceAll('\\(', ESCAPED_OPEN);
  return tokenWeights(escaped, 1).map(([segment, weight]) => ({
    text: segment.replaceAll(ESCAPED_CLOSE, ')').replaceAll(ESCAPED_OPEN, '('),
    weight,
  }));
}

/** ComfyUI `parse_parentheses`: splits into top-level `( … )` groups and the text between them. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  for (const char of text) {
    if (char === '(') {
      if (depth === 0) {
        if (current !== '') parts.push(current);
        current = '(';
      } else {
        current += char;
      }
      depth += 1;
    } else if (char === ')') {
      depth -= 1;
      // A stray ')' drives depth below zero and is kept as text, exactly as ComfyUI does.
      if (depth === 0) {
        parts.push(`${current})`);
        current = '';
      } else {
        current += char;
      }
    } else {
      current += char;
    }
  }
  if (current !== '') parts.push(current);
  return parts;
}

/** ComfyUI `token_weights`: recursive; the weight suffix is the text after the last ':' (not at index 0). */
function tokenWeights(text: string, weight: number): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const part of splitTopLevel(text)) {
    if (part.length >= 2 && part.startsWith('(') && part.endsWith(')')) {
      let inner = part.slice(1, -1);
      let innerWeight = weight * 1.1;
      const colon = inner.lastIndexOf(':');
      if (colon > 0) {
        const explicit = parsePythonFloat(inner.slice(colon + 1));
        if (explicit !== null) {
          innerWeight = explicit;
          inner = inner.slice(0, colon);
        }
      }
      out.push(...tokenWeights(inner, innerWeight));
    } else {
      out.push([part, weight]);
    }
  }
  return out;
}

const PY_WHITESPACE_EDGES = new RegExp(`^[${WHITESPACE_CLASS}]+|[${WHITESPACE_CLASS}]+$`, 'g');
const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_DECIMAL = new RegExp(`^[+-]?(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`);

/**
 * Python `float(text)` for decimal literals (surrounding whitespace, `_` between digits, exponents).
 * `inf`/`nan`, which Python also accepts, are refused on purpose: they would poison the whole
 * conditioning, so such a suffix stays literal text instead.
 */
export function parsePythonFloat(text: string): number | null {
  const body = text.replace(PY_WHITESPACE_EDGES, '');
  if (!PY_DECIMAL.test(body)) return null;
  const value = Number(body.replaceAll('_', ''));
  return Number.isFinite(value) ? value : null;
}
