/**
 * Upscale-or-vary sizes and strengths (fooocus-semantics.md §0 and §6), as pure functions of the
 * input size so every branch (small inputs raised to shape-ceil 1024, vary capped at 2048, the
 * 2800 px "too large" direct return, the VAE's multiple-of-8 crop) is testable without pixels.
 */
import type { UovMethodName } from '../protocol.ts';

export const VARY_SUBTLE_DENOISE = 0.5;
export const VARY_STRONG_DENOISE = 0.85;
export const UPSCALE_DENOISE = 0.382;
/** Fooocus's working resolution floor for image modes, and the vary ceiling. */
export const SHAPE_CEIL_MIN = 1024;
export const VARY_SHAPE_CEIL_MAX = 2048;
/** Above this shape ceil an upscale skips diffusion and returns the super-resolved image. */
export const UPSCALE_DIRECT_RETURN_ABOVE = 2800;

export interface Size {
  width: number;
  height: number;
}

/** ceil(√(h·w)/64)·64. */
export function shapeCeil(height: number, width: number): number {
  return Math.ceil(Math.sqrt(height * width) / 64) * 64;
}

/** Python 3's round(): halves go to the even neighbour. */
export function pythonRound(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Fooocus `set_image_shape_ceil`: the size an image is resampled to so its shape ceil is `target`
 * (sides multiples of 64, up to 256 refinements); the input size itself when it already matches.
 * A side that would round to 0 (a sliver like 1×1, where Fooocus divides by zero) is kept at 64.
 */
export function shapeCeilSize(size: Size, target: number): Size {
  let { width, height } = size;
  for (let i = 0; i < 256; i++) {
    const current = shapeCeil(height, width);
    if (Math.abs(current - target) < 0.1) break;
    const k = target / current;
    height = Math.max(64, pythonRound((height * k) / 64) * 64);
    width = Math.max(64, pythonRound((width * k) / 64) * 64);
  }
  return { width, height };
}

/** What the VAE encoder keeps: each side cut down to a multiple of `factor` (centre crop). */
export function vaeCroppedSize(size: Size, factor = 8): Size {
  return { width: Math.floor(size.width / factor) * factor, height: Math.floor(size.height / factor) * factor };
}

export function isVaryMethod(method: UovMethodName): boolean {
  return method.startsWith('Vary');
}

/** Vary: the input resized to shape ceil within [1024, 2048] (unchanged inside that range). */
export function varyPlan(
  method: UovMethodName,
  input: Size,
  overwriteStrength: number,
): { denoise: number; size: Size } {
  const denoise =
    overwriteStrength > 0 ? overwriteStrength : method === 'Vary (Strong)' ? VARY_STRONG_DENOISE : VARY_SUBTLE_DENOISE;
  const ceil = shapeCeil(input.height, input.width);
  const target = Math.min(VARY_SHAPE_CEIL_MAX, Math.max(SHAPE_CEIL_MIN, ceil));
  return { denoise, size: target === ceil ? { ...input } : shapeCeilSize(input, target) };
}

/** 1.5 / 2 by name (Fast 2x is 2); Custom: the job's factor (the gateway clamps it to 1..5), 2 when unset. */
export function upscaleFactor(method: UovMethodName, customFactor: number): number {
  if (method === 'Upscale (1.5x)') return 1.5;
  if (method === 'Upscale (Custom)') return customFactor > 0 ? customFactor : 2;
  return 2;
}

export interface UpscalePlan {
  factor: number;
  /** The size the super-resolved image is resampled to (before the VAE's crop). */
  size: Size;
  /** Fast 2x, or too large to diffuse: the resampled image is the result. */
  isDirectReturn: boolean;
  denoise: number;
}

/**
 * Upscale (fooocus-semantics.md §6, `apply_upscale`): target shape ceil of the input × factor;
 * below 1024 the super-resolved image (size `superResolved`) is set to shape ceil 1024 instead
 * of W·f × H·f (truncated to integers, as `resample_image` does); above 2800, or for Fast, no diffusion.
 */
export function upscalePlan(
  method: UovMethodName,
  input: Size,
  superResolved: Size,
  customFactor: number,
  overwriteStrength: number,
): UpscalePlan {
  const factor = upscaleFactor(method, customFactor);
  let ceil = shapeCeil(input.height * factor, input.width * factor);
  let size: Size;
  if (ceil < SHAPE_CEIL_MIN) {
    size = shapeCeilSize(superResolved, SHAPE_CEIL_MIN);
    ceil = SHAPE_CEIL_MIN;
  } else {
    size = { width: Math.trunc(input.width * factor), height: Math.trunc(input.height * factor) };
  }
  const isDirectReturn = method === 'Upscale (Fast 2x)' || ceil > UPSCALE_DIRECT_RETURN_ABOVE;
  return { factor, size, isDirectReturn, denoise: overwriteStrength > 0 ? overwriteStrength : UPSCALE_DENOISE };
}
