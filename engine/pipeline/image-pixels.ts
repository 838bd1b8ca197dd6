/**
 * The pixel stage of an image job, before any checkpoint is loaded (fooocus-semantics §6, §7):
 * read the stored input, then either
 *  - upscale/vary: the pixels the VAE will encode (vary: resized to shape ceil 1024..2048; upscale:
 *    super-resolved and resampled), or the finished image when Fooocus returns it directly
 *    (Fast 2x, or a target above 2800 px);
 *  - inpaint/outpaint: mask (upload > 127, erode/dilate, invert), canvas growth, working crop and
 *    fill; the debug preprocessor's [fill, mask, crop]; or text to image when nothing is to be
 *    inpainted, as Fooocus runs it then.
 */
import { erodeOrDilate } from '../image/morphology.ts';
import { maskToRgb, readInputImage, readInputMask } from '../image/input-image.ts';
import { resampleLanczos, type Bitmap8 } from '../image/lanczos-resample.ts';
import { prepareInpaint, type InpaintPreparation } from '../inpaint/inpaint-worker.ts';
import { outpaintMargins, padCanvas } from '../inpaint/outpaint.ts';
import type { EngineJob, InpaintInput, UpscaleOrVaryInput } from '../protocol.ts';
import { isVaryMethod, upscalePlan, varyPlan } from '../uov/uov-geometry.ts';
import type { JobContext } from './job-context.ts';

export interface SuperResolver {
  /** RGB → RGB super-resolved (the input itself when no model is installed). */
  upscale(image: Bitmap8): Promise<Bitmap8>;
}

export interface PixelDeps {
  inputsDir: string;
  /** Loads the installed super-resolution model (or the resampling fallback) and says which in `warnings`. */
  superResolver(warnings: string[]): Promise<SuperResolver>;
}

export type PixelStage =
  /** Inpaint with nothing to inpaint: the job runs as text to image. */
  | { kind: 'text' }
  /** Images that are the result as they are; `isUpscaleFast` marks Fooocus's `upscale_fast` record. */
  | { kind: 'direct'; images: Bitmap8[]; isUpscaleFast: boolean }
  | { kind: 'encode'; pixels: Bitmap8; denoise: number; isTiled: boolean }
  | { kind: 'inpaint'; prep: InpaintPreparation; denoise: number; input: InpaintInput };

async function upscaleOrVary(
  input: UpscaleOrVaryInput,
  deps: PixelDeps,
  ctx: JobContext,
  warnings: string[],
): Promise<PixelStage> {
  const image = await readInputImage(deps.inputsDir, input.image, 'uov_input_image');
  if (isVaryMethod(input.method)) {
    const plan = varyPlan(input.method, image, input.varyStrength);
    return {
      kind: 'encode',
      pixels: resampleLanczos(image, plan.size.width, plan.size.height),
      denoise: plan.denoise,
      isTiled: false,
    };
  }
  await ctx.reportProgress(1, `Upscaling image from ${pyTuple(image.width, image.height)} ...`);
  const superResolved = await (await deps.superResolver(warnings)).upscale(image);
  const plan = upscalePlan(input.method, image, superResolved, input.customFactor, input.upscaleStrength);
  const pixels = resampleLanczos(superResolved, plan.size.width, plan.size.height);
  if (plan.isDirectReturn) return { kind: 'direct', images: [pixels], isUpscaleFast: true };
  return { kind: 'encode', pixels, denoise: plan.denoise, isTiled: true };
}

async function inpaint(input: InpaintInput, deps: PixelDeps, warnings: string[]): Promise<PixelStage> {
  const image = await readInputImage(deps.inputsDir, input.image, 'inpaint_input_image');
  let mask = input.mask
    ? await readInputMask(deps.inputsDir, input.mask, 'inpaint_mask_image_upload', image.width, image.height)
    : new Uint8Array(image.width * image.height);
  if (Math.trunc(input.erodeOrDilate) !== 0) mask = erodeOrDilate(mask, image.width, image.height, input.erodeOrDilate);
  if (input.isMaskInverted) mask = mask.map((v) => 255 - v);
  if (!mask.some((v) => v > 127) && input.outpaint.length === 0) {
    warnings.push(
      'inpaint: the mask selects nothing (no pixel > 127) and no outpaint side is set, so the job ran as text to image, as Fooocus runs it',
    );
    return { kind: 'text' };
  }
  const isOutpaint = input.outpaint.length > 0;
  const canvas = isOutpaint
    ? padCanvas({ image, mask }, outpaintMargins(image.width, image.height, input.outpaint, input.outpaintDistance))
    : { image, mask };
  // Outpainting forces strength and respective field to 1 (fooocus-semantics §7.3).
  const denoise = isOutpaint ? 1 : input.strength;
  const respectiveField = isOutpaint ? 1 : input.respectiveField;
  const resolver = await deps.superResolver(warnings);
  const prep = await prepareInpaint(canvas, {
    useFill: denoise > 0.99,
    respectiveField,
    superResolve: (crop) => resolver.upscale(crop),
  });
  if (input.isPreprocessorDebug) {
    const { interestedFill, interestedMask, interestedImage } = prep;
    return {
      kind: 'direct',
      images: [
        interestedFill,
        maskToRgb(interestedMask, interestedImage.width, interestedImage.height),
        interestedImage,
      ],
      isUpscaleFast: false,
    };
  }
  return { kind: 'inpaint', prep, denoise, input };
}

/** Python's str((w, h)), as Fooocus prints sizes. */
function pyTuple(width: number, height: number): string {
  return `(${width}, ${height})`;
}

export async function preparePixels(
  job: EngineJob,
  deps: PixelDeps,
  ctx: JobContext,
  warnings: string[],
): Promise<PixelStage> {
  const input = job.imageInput;
  if (!input) return { kind: 'text' };
  return input.kind === 'upscale-or-vary' ? upscaleOrVary(input, deps, ctx, warnings) : inpaint(input, deps, warnings);
}

/** Fooocus puts inpaint_additional_prompt on its own line before the prompt when inpainting runs. */
export function inpaintPrompt(prompt: string, additional: string): string {
  if (additional === '') return prompt;
  return prompt === '' ? additional : `${additional}\n${prompt}`;
}
