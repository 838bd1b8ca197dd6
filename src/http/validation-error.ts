/**
 * The pydantic v2 error shape every 422 uses (DECISIONS §3 "Validation errors"), and the one
 * translation of express-openapi-validator's errors into it.
 */

export interface PydanticErrorItem {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export class RequestValidationError extends Error {
  constructor(readonly items: PydanticErrorItem[]) {
    super(items.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; '));
    this.name = 'RequestValidationError';
  }
}

interface ValidatorErrorItem {
  path?: string;
  message?: string;
  errorCode?: string;
}

const LOCATION_ROOTS = new Set(['body', 'query', 'path', 'headers', 'header', 'cookies']);

/** `/body/loras/0/weight` or `.body.loras[0].weight` → ['body','loras',0,'weight']. */
export function toLoc(path: string | undefined): (string | number)[] {
  if (!path) return ['body'];
  const parts = path
    .replace(/\[(\d+)\]/g, '.$1')
    .split(/[/.]/)
    .filter((p) => p !== '')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (parts.length === 0 || !LOCATION_ROOTS.has(String(parts[0]))) parts.unshift('body');
  if (parts[0] === 'headers') parts[0] = 'header';
  return parts;
}

function valueAt(root: unknown, loc: (string | number)[]): unknown {
  let current: unknown = root;
  for (const key of loc.slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function typeFor(errorCode: string | undefined, message: string): string {
  const keyword = (errorCode ?? '').split('.')[0];
  switch (keyword) {
    case 'required':
      return 'missing';
    case 'enum':
      return 'enum';
    case 'maximum':
      return 'less_than_equal';
    case 'minimum':
      return 'greater_than_equal';
    case 'exclusiveMaximum':
      return 'less_than';
    case 'exclusiveMinimum':
      return 'greater_than';
    case 'maxItems':
      return 'too_long';
    case 'minItems':
      return 'too_short';
    case 'pattern':
      return 'string_pattern_mismatch';
    case 'type': {
      if (/string/.test(message)) return 'string_type';
      if (/integer/.test(message)) return 'int_parsing';
      if (/number/.test(message)) return 'float_parsing';
      if (/boolean/.test(message)) return 'bool_parsing';
      if (/array/.test(message)) return 'list_type';
      return 'model_attributes_type';
    }
    default:
      return 'value_error';
  }
}

/** Missing-property errors name the parent in `path`; pydantic names the missing field itself. */
function missingField(message: string): string | undefined {
  return /must have required property '([^']+)'/.exec(message)?.[1];
}

export function fromValidatorErrors(
  errors: ValidatorErrorItem[],
  req: { body?: unknown; query?: unknown; params?: unknown },
): PydanticErrorItem[] {
  const items = errors.map((e) => {
    const message = e.message ?? 'invalid value';
    const loc = toLoc(e.path);
    const missing = missingField(message);
    if (missing && loc[loc.length - 1] !== missing) loc.push(missing);
    const source = loc[0] === 'query' ? req.query : loc[0] === 'path' ? req.params : req.body;
    const input = loc[0] === 'body' && loc.length === 1 ? req.body : valueAt(source, loc);
    const type = missing ? 'missing' : typeFor(e.errorCode, message);
    const field = loc.slice(1).join('.') || String(loc[0]);
    return {
      type,
      loc,
      msg: missing ? 'Field required' : `${field}: ${message}`,
      input: input === undefined ? null : input,
    };
  });
  // A union (e.g. image_seed: integer | digit string) fails once per branch: report each field once.
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item.loc);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
