import { InvalidFieldError } from './invalid-field-error.ts';

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * "1152*896", "1152×896" or a UI label "1152×896 | 9:7" → size. Fooocus fails in the worker on
 * garbage; we answer 422 up front. Sides are rounded down to a multiple of 8 (the VAE factor).
 */
export function parseAspectRatio(value: string, field = 'aspect_ratios_selection'): ImageSize & { isRounded: boolean } {
  const match = /^\s*(\d+)\s*[*×xX]\s*(\d+)/.exec(value);
  if (!match) {
    throw new InvalidFieldError(field, `${field}: '${value}' is not a size; expected 'W*H' or 'W×H', e.g. '1152*896'`, {
      input: value,
    });
  }
  const [w, h] = [Number(match[1]), Number(match[2])];
  if (w < 64 || h < 64 || w > 4096 || h > 4096) {
    throw new InvalidFieldError(field, `${field}: ${w}×${h} is out of range; each side must be between 64 and 4096`, {
      input: value,
    });
  }
  const width = w - (w % 8);
  const height = h - (h % 8);
  return { width, height, isRounded: width !== w || height !== h };
}

export const formatAspectRatio = (size: ImageSize) => `${size.width}×${size.height}`;
