/**
 * The few Python text forms the metadata schemes are made of (fooocus-semantics §10): `repr` of
 * floats, strings and lists, `str` of tuples, and `json.dumps` with its default separators
 * (`", "`, `": "`), in both its `ensure_ascii=True` (fooocus scheme) and `False` (a1111 quoting) forms.
 *
 * Value model: a JS `number` is a Python float (so 4 prints as `4.0`), a `bigint` a Python int.
 */

export type PyJson = string | number | bigint | boolean | null | readonly PyJson[] | { readonly [key: string]: PyJson };

/**
 * Python `repr(float)`: shortest round-trip digits (as JS), fixed notation for 1e-4 ≤ |x| < 1e16, else `1e-05` style.
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, like Python's repr.
  const [mantissa, exponentText] = Math.abs(x).toExponential().split('e');
  const exponent = Number(exponentText);
  const digits = mantissa.replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${integer}.${digits.slice(exponent + 1) || '0'}`;
}

/** Python `str()` of one scalar as the metadata record holds it. */
export function pyStr(value: string | number | bigint): string {
  if (typeof value === 'number') return pyFloat(value);
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Python `str(tuple)` of ints/floats: `(1152, 896)`, `(1.5, 0.8, 0.3)`. */
export function pyTuple(values: readonly (number | bigint)[]): string {
  return values.length === 1 ? `(${pyStr(values[0])},)` : `(${values.map(pyStr).join(', ')})`;
}

// Python's str.isprintable() is false for these categories (space excepted); repr escapes them.
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python `repr(str)`: single quotes unless the text has `'` and no `"`; non-printables escaped. */
export function pyStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NOT_PRINTABLE.test(ch)) {
      if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python `str(list_of_str)`: `['Fooocus V2', 'Fooocus Enhance']`. */
export function pyStrList(items: readonly string[]): string {
  return `[${items.map(pyStrRepr).join(', ')}]`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * Python `json.dumps` string literal. Walks UTF-16 code units, so with `ensureAscii` an astral
 * character becomes its surrogate pair `\ud83e\udd8a`, exactly as Python writes it.
 */
export function pyJsonString(text: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const unit = text.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (unit < 0x20 || (ensureAscii && unit > 0x7e)) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Python `json.dumps(value, ensure_ascii=True)` with default separators; `sortKeys` as `sort_keys=True`. */
export function pyJsonDumps(value: PyJson, sortKeys = false): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return pyFloat(value);
  }
  if (typeof value === 'string') return pyJsonString(value, true);
  if (Array.isArray(value)) return `[${value.map((item: PyJson) => pyJsonDumps(item, sortKeys)).join(', ')}]`;
  const record = value as { readonly [key: string]: PyJson };
  const keys = Object.keys(record);
  if (sortKeys) keys.sort(compareCodePoints);
  return `{${keys.map((key) => `${pyJsonString(key, true)}: ${pyJsonDumps(record[key], sortKeys)}`).join(', ')}}`;
}
