/**
 * Type, range and enum checks for legacy values, shared by the JSON and multipart paths. A JSON body
 * arrives typed (lax-coerced), a form as text: each checker takes either, so a value inside a
 * JSON-in-a-form-field string (`loras`, `advanced_params`), which no validator sees, is checked too.
 */
import { InvalidFieldError } from '../invalid-field-error.ts';
import { parseFormBoolean, parseFormFloat, parseFormInt } from './form-values.ts';

export function asString(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new InvalidFieldError(field, `${field}: expected a string`, { type: 'string_type', input: value });
  return value;
}

export function asBoolean(field: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return parseFormBoolean(field, value);
  throw new InvalidFieldError(field, `${field}: expected a boolean`, { type: 'bool_type', input: value });
}

export function asNumber(field: string, value: unknown, range?: readonly [number, number]): number | undefined {
  let n: number | undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) n = value;
  else if (typeof value === 'string') n = parseFormFloat(field, value);
  else throw new InvalidFieldError(field, `${field}: expected a number`, { type: 'float_type', input: value });
  if (n !== undefined && range) checkRange(field, n, range);
  return n;
}

export function asInt(field: string, value: unknown, range?: readonly [number, number]): number | undefined {
  let n: number | undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) n = value;
  else if (typeof value === 'string') n = parseFormInt(field, value);
  else throw new InvalidFieldError(field, `${field}: expected an integer`, { type: 'int_type', input: value });
  if (n !== undefined && range) checkRange(field, n, range);
  return n;
}

export function checkRange(field: string, value: number, [min, max]: readonly [number, number]): void {
  if (value < min)
    throw new InvalidFieldError(field, `${field}: ${value} is below the minimum ${min} (allowed ${min}..${max})`, {
      type: 'greater_than_equal',
      input: value,
    });
  if (value > max)
    throw new InvalidFieldError(field, `${field}: ${value} is above the maximum ${max} (allowed ${min}..${max})`, {
      type: 'less_than_equal',
      input: value,
    });
}

/** Exact match first, then case-insensitive (v0.5 lower-cases some enums internally); else 422 listing the values. */
export function checkEnum<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value) ?? allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (found) return found;
  throw new InvalidFieldError(
    field,
    `${field}: '${value}' is not allowed; expected one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
    {
      type: 'enum',
      input: value,
      allowed,
    },
  );
}

export const PERFORMANCE_SELECTIONS = ['Quality', 'Speed', 'Extreme Speed', 'Lightning', 'Hyper-SD'] as const;
export const UOV_METHODS = [
  'Disabled',
  'Vary (Subtle)',
  'Vary (Strong)',
  'Upscale (1.5x)',
  'Upscale (2x)',
  'Upscale (Fast 2x)',
  'Upscale (Custom)',
] as const;
export const OUTPAINT_DIRECTIONS = ['Left', 'Right', 'Top', 'Bottom'] as const;
export const CONTROLNET_TYPES = ['ImagePrompt', 'FaceSwap', 'PyraCanny', 'CPDS'] as const;
/** `save_extension` → output_format: Pillow has no `JPG` format, so `jpg` is saved as JPEG (contract §5.1, PR #339). */
export const SAVE_EXTENSIONS: Readonly<Record<string, 'png' | 'jpeg' | 'webp'>> = {
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  webp: 'webp',
};
/** `a111` is what the docs say, `a1111` what Fooocus understands (contract §3). */
export const META_SCHEMES: Readonly<Record<string, 'fooocus' | 'a1111'>> = {
  fooocus: 'fooocus',
  a111: 'a1111',
  a1111: 'a1111',
};

export function checkKeyed<T>(field: string, value: string, table: Readonly<Record<string, T>>): T {
  const found = table[value.trim().toLowerCase()];
  if (found !== undefined) return found;
  const allowed = Object.keys(table);
  throw new InvalidFieldError(
    field,
    `${field}: '${value}' is not allowed; expected one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
    { type: 'enum', input: value, allowed },
  );
}
