/**
 * Input images for the image modes: the gateway stores every upload as `<inputs>/<sha256>.png`
 * (src/inputs) and the job names that file. Read here with jimp (engine process, never the
 * gateway loop) and turned into what Fooocus works on: 3-channel RGB via its `HWC3` (alpha
 * composited over white in float32 and truncated; grey is already expanded by the decoder).
 * Masks become one channel: Fooocus resizes the upload to the image (LANCZOS), takes the channel
 * mean and keeps > 127; transparent mask pixels count as black (nothing to repaint).
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Jimp } from 'jimp';
import { invalidInput } from '../errors.ts';
import type { EngineInputImage } from '../protocol.ts';
import { resampleLanczos, type Bitmap8 } from './lanczos-resample.ts';

/** A file name under the inputs folder, as the gateway stored it; anything else is refused. */
export function inputImagePath(inputsDir: string, image: EngineInputImage, field: string): string {
  if (image.file !== basename(image.file) || image.file.startsWith('.') || image.file.length === 0) {
    throw invalidInput(field, `${field}: '${image.file}' is not a stored input file name`);
  }
  return join(inputsDir, image.file);
}

async function decodeFile(path: string, field: string): Promise<Bitmap8> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw invalidInput(field, `${field}: the stored input ${basename(path)} is missing from the inputs folder`);
  }
  try {
    const image = await Jimp.read(bytes);
    const { width, height, data } = image.bitmap;
    return { width, height, channels: 4, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw invalidInput(
      field,
      `${field}: the stored input ${basename(path)} cannot be decoded (${(error as Error).message})`,
    );
  }
}

/** Fooocus `HWC3` of an RGBA image: colour·α + 255·(1 − α) in float32, truncated to uint8. */
export function compositeOverWhite(rgba: Bitmap8): Bitmap8 {
  const pixels = rgba.width * rgba.height;
  const out = new Uint8Array(pixels * 3);
  const f = Math.fround;
  for (let p = 0; p < pixels; p++) {
    const alpha = f(rgba.data[p * 4 + 3] / 255);
    const white = f(255 * f(1 - alpha));
    for (let c = 0; c < 3; c++) {
      const y = f(f(rgba.data[p * 4 + c] * alpha) + white);
      out[p * 3 + c] = y <= 0 ? 0 : y >= 255 ? 255 : Math.trunc(y);
    }
  }
  return { width: rgba.width, height: rgba.height, channels: 3, data: out };
}

export async function readInputImage(inputsDir: string, image: EngineInputImage, field: string): Promise<Bitmap8> {
  return compositeOverWhite(await decodeFile(inputImagePath(inputsDir, image, field), field));
}

/**
 * The uploaded mask as 0/255 at the image's size (fooocus-semantics §7.2 step 2): alpha over
 * black, LANCZOS-resized to width×height, channel mean > 127.
 */
export async function readInputMask(
  inputsDir: string,
  image: EngineInputImage,
  field: string,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const rgba = await decodeFile(inputImagePath(inputsDir, image, field), field);
  const pixels = rgba.width * rgba.height;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const alpha = rgba.data[p * 4 + 3];
    for (let c = 0; c < 3; c++)
      rgb[p * 3 + c] = alpha === 255 ? rgba.data[p * 4 + c] : Math.round((rgba.data[p * 4 + c] * alpha) / 255);
  }
  const sized = resampleLanczos({ width: rgba.width, height: rgba.height, channels: 3, data: rgb }, width, height);
  return maskFromRgb(sized);
}

/** Channel mean > 127 → 255, else 0 (numpy's float mean, compared as Fooocus does). */
export function maskFromRgb(rgb: Bitmap8): Uint8Array {
  const pixels = rgb.width * rgb.height;
  const out = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const mean = (rgb.data[p * 3] + rgb.data[p * 3 + 1] + rgb.data[p * 3 + 2]) / 3;
    out[p] = mean > 127 ? 255 : 0;
  }
  return out;
}

/** 3-channel RGB → the RGBA the encoders and the VAE take (alpha opaque). */
export function rgbToRgba(rgb: Bitmap8): { width: number; height: number; data: Uint8Array } {
  const pixels = rgb.width * rgb.height;
  const data = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    data[p * 4] = rgb.data[p * 3];
    data[p * 4 + 1] = rgb.data[p * 3 + 1];
    data[p * 4 + 2] = rgb.data[p * 3 + 2];
    data[p * 4 + 3] = 255;
  }
  return { width: rgb.width, height: rgb.height, data };
}

/** A one-channel mask as an opaque grey RGB image (the debug preprocessor's mask output). */
export function maskToRgb(mask: Uint8Array, width: number, height: number): Bitmap8 {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < mask.length; p++) data.fill(mask[p], p * 3, p * 3 + 3);
  return { width, height, channels: 3, data };
}
