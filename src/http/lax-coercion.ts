/**
 * Pydantic-style lax coercions (DECISIONS §2), driven by the request-body JSON schema, applied
 * before express-openapi-validator sees the body. The official FooocusAPI examples send
 * `"async_process": "true"` and numbers as strings; pydantic accepted them, so must we.
 * Strict strings stay strict: nothing is ever coerced *to* a string except an unsafe integer
 * (bigint) where the schema also allows a digit string (exact int64 seeds).
 */

export type JsonSchema = Record<string, unknown>;
export type SchemaResolver = (ref: string) => JsonSchema | undefined;

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off', 'f']);
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function typesOf(schema: JsonSchema): string[] {
  const t = schema.type;
  if (Array.isArray(t)) return t as string[];
  return typeof t === 'string' ? [t] : [];
}

function deref(schema: JsonSchema, resolve: SchemaResolver, depth = 0): JsonSchema {
  let current = schema;
  while (typeof current.$ref === 'string' && depth < 32) {
    const next = resolve(current.$ref);
    if (!next) return current;
    current = next;
    depth += 1;
  }
  return current;
}

function coerceScalar(value: unknown, types: string[]): unknown {
  if (typeof value === 'bigint') {
    return types.includes('string') ? value.toString() : value;
  }
  if (typeof value === 'string') {
    if (types.includes('string')) return value;
    if (types.includes('integer') && INTEGER_TEXT.test(value)) {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    }
    if (types.includes('number') && NUMBER_TEXT.test(value)) return Number(value);
    if (types.includes('boolean')) {
      const word = value.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
    }
    return value;
  }
  if (typeof value === 'number') {
    if (types.includes('number') || types.includes('integer')) return value;
    if (types.includes('boolean') && (value === 0 || value === 1)) return value === 1;
  }
  return value;
}

/** Returns a coerced copy of `value` (never mutates). Unknown keys are left as they are. */
export function coerceLax(value: unknown, schema: JsonSchema | undefined, resolve: SchemaResolver): unknown {
  if (!schema) return value;
  const s = deref(schema, resolve);
  const variants = (s.oneOf ?? s.anyOf) as JsonSchema[] | undefined;
  if (variants) {
    // Union: take the first variant that accepts the value without coercion, else the first that coerces it.
    const concrete = variants.map((v) => deref(v, resolve));
    const exact = concrete.find((v) => coerceScalar(value, typesOf(v)) === value && matchesKind(value, typesOf(v)));
    if (exact) return coerceLax(value, exact, resolve);
    for (const v of concrete) {
      const out = coerceLax(value, v, resolve);
      if (out !== value) return out;
    }
    return value;
  }
  const types = typesOf(s);
  if (Array.isArray(value)) {
    const items = s.items as JsonSchema | undefined;
    return types.includes('array') && items ? value.map((v) => coerceLax(v, items, resolve)) : value;
  }
  if (value !== null && typeof value === 'object') {
    const properties = s.properties as Record<string, JsonSchema> | undefined;
    if (!properties) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value))
      out[key] = key in properties ? coerceLax(v, properties[key], resolve) : v;
    return out;
  }
  return coerceScalar(value, types);
}

function matchesKind(value: unknown, types: string[]): boolean {
  if (value === null) return types.includes('null');
  if (typeof value === 'string') return types.includes('string');
  if (typeof value === 'boolean') return types.includes('boolean');
  if (typeof value === 'number')
    return types.includes('number') || (types.includes('integer') && Number.isInteger(value));
  if (Array.isArray(value)) return types.includes('array');
  if (typeof value === 'object') return types.includes('object');
  return false;
}
