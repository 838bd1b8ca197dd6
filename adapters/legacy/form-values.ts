/**
 * Text → value parsers for the legacy v1 multipart fields (fooocus-api-legacy.md §4.2), as FastAPI
 * with pydantic's lax mode read them, but never silently: text that is not a value of the field's
 * type is a 422 naming the field. Each parser returns `undefined` for an empty value ("absent",
 * so the field's default applies).
 */
import { InvalidFieldError } from '../invalid-field-error.ts';

const TRUE_TEXTS = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_TEXTS = new Set(['false', '0', 'no', 'off', 'f', 'n']);
const INTEGER_TEXT = /^[+-]?\d+(\.0*)?$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** What clients send to mean "nothing" in a JSON-in-a-string field (the docs: "None is available"). */
const NO_JSON_TEXTS = new Set(['', 'None', 'none', 'null']);

const isBlank = (text: string | undefined): text is undefined | '' => text === undefined || text.trim() === '';

/** Python's spellings, any case: True/true/1/yes/on/t/y and False/false/0/no/off/f/n. */
export function parseFormBoolean(field: string, text: string | undefined): boolean | undefined {
  if (isBlank(text)) return undefined;
  const word = text.trim().toLowerCase();
  if (TRUE_TEXTS.has(word)) return true;
  if (FALSE_TEXTS.has(word)) return false;
  throw new InvalidFieldError(field, `${field}: '${text}' is not a boolean; send true or false`, {
    type: 'bool_parsing',
    input: text,
  });
}

export function parseFormInt(field: string, text: string | undefined): number | undefined {
  if (isBlank(text)) return undefined;
  const trimmed = text.trim();
  if (!INTEGER_TEXT.test(trimmed)) {
    throw new InvalidFieldError(field, `${field}: '${text}' is not an integer`, { type: 'int_parsing', input: text });
  }
  return Math.trunc(Number(trimmed));
}

/** An integer kept as text, so int64 values (seeds) lose nothing; "1.0" is refused here. */
export function parseFormIntegerText(field: string, text: string | undefined): string | undefined {
  if (isBlank(text)) return undefined;
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw new InvalidFieldError(field, `${field}: '${text}' is not an integer`, { type: 'int_parsing', input: text });
  }
  return trimmed;
}

export function parseFormFloat(field: string, text: string | undefined): number | undefined {
  if (isBlank(text)) return undefined;
  const trimmed = text.trim();
  if (!NUMBER_TEXT.test(trimmed)) {
    throw new InvalidFieldError(field, `${field}: '${text}' is not a number`, { type: 'float_parsing', input: text });
  }
  return Number(trimmed);
}

/**
 * `A, B` or repeated fields (the HTTP layer comma-joins them) → trimmed pieces; a JSON array of
 * strings is accepted too. Unlike scalars, an empty value is an empty list (no styles), as FastAPI.
 */
export function parseFormList(field: string, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed = parseJsonText(field, trimmed);
    if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== 'string')) {
      throw new InvalidFieldError(field, `${field}: expected a comma-separated list or a JSON array of strings`, {
        input: text,
      });
    }
    return (parsed as string[]).map((item) => item.trim()).filter((item) => item !== '');
  }
  return trimmed
    .split(',')
    .map((piece) => piece.trim())
    .filter((piece) => piece !== '');
}

function parseJsonText(field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidFieldError(field, `${field}: not valid JSON (${(error as Error).message})`, {
      type: 'json_invalid',
      input: text,
      cause: error,
    });
  }
}

/** A JSON document sent as a form field (`loras`, `advanced_params`); ''/None/null = absent. */
export function parseFormJson(field: string, text: string | undefined): unknown {
  if (text === undefined || NO_JSON_TEXTS.has(text.trim())) return undefined;
  return parseJsonText(field, text.trim());
}
