/**
 * Python `json.dumps` text (separators ", " and ": "), used where FooocusAPI clients see Python's
 * exact bytes: SSE events and the double-encoded webhook body (fooocusapi-new.md §10.3, §13).
 * `ensureAscii` escapes non-ASCII as \uXXXX, as Python does by default.
 */
function dumpString(text: string, ensureAscii: boolean): string {
  const json = JSON.stringify(text);
  return ensureAscii
    ? json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}

export function pythonJsonDumps(value: unknown, ensureAscii = true): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return dumpString(value, ensureAscii);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NaN';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v, ensureAscii)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${dumpString(k, ensureAscii)}: ${pythonJsonDumps(v, ensureAscii)}`).join(', ')}}`;
}
