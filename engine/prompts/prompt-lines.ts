/**
 * Line handling shared by the prompt steps, as Fooocus does it (fooocus-semantics §5.3):
 * Python `str.splitlines` boundaries, `safe_str` (collapse double spaces, strip `, . space CR LF`
 * at both ends) and `remove_empty_str` (drop exact empty strings, fall back to a default).
 */

/** Every line boundary Python's `str.splitlines` knows (JS `\n`-splitting would miss \v, \f, \x85, …). */
// eslint-disable-next-line no-control-regex -- \x1c–\x1e are line boundaries for Python
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

/** Lines as Python `str.splitlines` gives them: empty lines kept, no extra '' after a final break. */
export function splitLines(text: string): string[] {
  const lines = text.split(PY_LINE_BREAK);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Fooocus `safe_str`: 16 passes of "  " → " ", then strip `,`, `.`, space, CR, LF from both ends. */
export function safeStr(text: string): string {
  let out = text;
  for (let pass = 0; pass < 16; pass++) out = out.replaceAll('  ', ' ');
  return out.replace(/^[,. \r\n]+/, '').replace(/[,. \r\n]+$/, '');
}

/** Fooocus `remove_empty_str`: drops exact '' items (whitespace-only ones stay); [fallback] if none remain. */
export function removeEmpty(items: readonly string[], fallback: string): string[] {
  const kept = items.filter((item) => item !== '');
  return kept.length === 0 ? [fallback] : kept;
}

/** A prompt box split into its main line and extra lines (§5.3); the main line is '' when the box is empty. */
export interface PromptLines {
  main: string;
  extras: string[];
}

export function toPromptLines(box: string): PromptLines {
  const [main, ...extras] = removeEmpty(splitLines(box).map(safeStr), '');
  return { main, extras };
}

/** Python `str.replace(old, new, 1)`: the first occurrence only, `new` taken literally (no `$&` patterns). */
export function replaceFirst(text: string, search: string, replacement: string): string {
  const at = text.indexOf(search);
  return at < 0 ? text : text.slice(0, at) + replacement + text.slice(at + search.length);
}
