/**
 * Fooocus's `InpaintWorker` (fooocus-semantics §7.4, §7.7) on a prepared canvas: the working crop,
 * super-resolved when small and resized to shape ceil 1024 (LANCZOS), its mask resized and
 * re-binarised, the fooocus_fill pre-fill; afterwards `composite` pastes the generated crop back
 * (LANCZOS to the box) and blends it with the canvas through the 32 px feathered mask in float32,
 * so every pixel farther than 32 px from the mask is the canvas pixel, bit for bit.
 */
import { resampleLanczos, type Bitmap8 } from '../image/lanczos-resample.ts';
import { featherMask, threshold255 } from '../image/morphology.ts';
import { shapeCeil, shapeCeilSize, SHAPE_CEIL_MIN } from '../uov/uov-geometry.ts';
import { fooocusFill } from './fooocus-fill.ts';
import { cropBitmap, growArea, initialArea, type Area } from './inpaint-area.ts';
import type { Canvas } from './outpaint.ts';

export interface InpaintPreparation {
  /** The (outpainted) image the result is composited into, RGB. */
  canvas: Bitmap8;
  area: Area;
  /** The crop at working resolution, RGB. */
  interestedImage: Bitmap8;
  /** 0/255 at the working resolution. */
  interestedMask: Uint8Array;
  /** The VAE's starting point: the crop pre-filled when the denoise is above 0.99, else the crop. */
  interestedFill: Bitmap8;
  /** Composite weights 0..255 over the whole canvas. */
  feather: Uint8Array;
}

export interface InpaintOptions {
  /** Fooocus: denoise > 0.99. */
  useFill: boolean;
  /** inpaint_respective_field, 0..1. */
  respectiveField: number;
  /** The super-resolution Fooocus applies to crops below shape ceil 1024 (identity without a model). */
  superResolve: (image: Bitmap8) => Promise<Bitmap8>;
}

function bitmapOfMask(mask: Uint8Array, width: number, height: number): Bitmap8 {
  return { width, height, channels: 1, data: mask };
}

export async function prepareInpaint(canvas: Canvas, options: InpaintOptions): Promise<InpaintPreparation> {
  const { image, mask } = canvas;
  const initial = initialArea(mask, image.width, image.height);
  if (!initial) throw new Error('prepareInpaint: the mask selects nothing');
  const area = growArea(initial, image.width, image.height, options.respectiveField);
  let interestedImage = cropBitmap(image, area);
  const croppedMask = cropBitmap(bitmapOfMask(mask, image.width, image.height), area);
  if (shapeCeil(interestedImage.height, interestedImage.width) < SHAPE_CEIL_MIN)
    interestedImage = await options.superResolve(interestedImage);
  const size = shapeCeilSize(interestedImage, SHAPE_CEIL_MIN);
  interestedImage = resampleLanczos(interestedImage, size.width, size.height);
  const interestedMask = threshold255(resampleLanczos(croppedMask, size.width, size.height).data);
  const interestedFill = options.useFill ? fooocusFill(interestedImage, interestedMask) : interestedImage;
  return {
    canvas: image,
    area,
    interestedImage,
    interestedMask,
    interestedFill,
    feather: featherMask(mask, image.width, image.height),
  };
}

/** Fooocus `post_process`: `generated` (RGB, any size) → the full canvas with the crop blended in. */
export function composite(prep: InpaintPreparation, generated: Bitmap8): Bitmap8 {
  const { canvas, area, feather } = prep;
  const content = resampleLanczos(generated, area.right - area.left, area.bottom - area.top);
  const data = canvas.data.slice();
  const f = Math.fround;
  // numpy's float32 fg·w + bg·(1 − w) over every pixel with a weight (inside the box fg is the
  // generated content, elsewhere the canvas itself), truncated; weight 0 leaves the canvas byte.
  for (let p = 0; p < feather.length; p++) {
    if (feather[p] === 0) continue;
    const y = Math.floor(p / canvas.width);
    const x = p - y * canvas.width;
    const isInside = y >= area.top && y < area.bottom && x >= area.left && x < area.right;
    const from = isInside ? ((y - area.top) * content.width + (x - area.left)) * 3 : p * 3;
    const source = isInside ? content.data : canvas.data;
    const w = f(feather[p] / 255);
    const rest = f(1 - w);
    for (let c = 0; c < 3; c++) {
      const v = f(f(source[from + c] * w) + f(canvas.data[p * 3 + c] * rest));
      data[p * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
    }
  }
  return { ...canvas, data };
}
