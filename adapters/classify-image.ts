/**
 * Classifies a client image string without fetching or decoding it (fooocusapi-new.md §7).
 * Stricter than the original where it silently corrupted data: a wrong scheme or characters that
 * are not base64 are a 422 naming the field, not a 500 later.
 */
import { InvalidFieldError } from './invalid-field-error.ts';
import type { ImageInput } from './common-request.ts';

/** Strings the originals treat as "no image" (`string` is Swagger UI's placeholder). */
export const NO_IMAGE_SENTINELS = new Set(['', 'None', 'none', 'null', 'string']);

const BASE64_TEXT = /^[A-Za-z0-9+/\-_]+={0,2}$/;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

function assertBase64(field: string, text: string, input: string): void {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64_TEXT.test(compact) || compact.length % 4 === 1) {
    throw new InvalidFieldError(
      field,
      `${field}: not valid base64 image data (expected an http(s) URL, a data:image/...;base64, URI or base64 text)`,
      {
        input: input.length > 80 ? `${input.slice(0, 80)}...` : input,
      },
    );
  }
}

export function classifyImage(field: string, value: string | null | undefined): ImageInput {
  if (value === null || value === undefined || NO_IMAGE_SENTINELS.has(value.trim())) return { kind: 'none' };
  const text = value.trim();
  if (/^https?:\/\//i.test(text)) {
    try {
      new URL(text);
    } catch {
      throw new InvalidFieldError(field, `${field}: '${text.slice(0, 200)}' is not a valid URL`, { input: text });
    }
    return { kind: 'url', url: text };
  }
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'data') {
    const comma = text.indexOf(',');
    if (!/^data:image\/[a-z0-9.+-]+;base64,/i.test(text) || comma < 0) {
      throw new InvalidFieldError(field, `${field}: a data URI must look like data:image/<type>;base64,<data>`, {
        input: text.slice(0, 80),
      });
    }
    const data = text.slice(comma + 1);
    assertBase64(field, data, text);
    return { kind: 'data-uri', data: data.replace(/\s+/g, '') };
  }
  if (scheme) {
    throw new InvalidFieldError(field, `${field}: URL scheme '${scheme}:' is not supported; use http or https`, {
      input: text.slice(0, 200),
    });
  }
  assertBase64(field, text, text);
  return { kind: 'base64', data: text.replace(/\s+/g, '') };
}
