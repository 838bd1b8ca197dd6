/**
 * The pixel work itself, on jimp (pure JS; DECISIONS §6). Synchronous-heavy: run it only inside
 * the codec worker (or in tests), never on the gateway loop. `@jimp/core`'s createJimp is the
 * documented way to add the WebP format to jimp's defaults.
 */
import { createJimp } from '@jimp/core';
import webp from '@jimp/wasm-webp';
import { defaultFormats } from 'jimp';
import type { ImageFormat } from './image-codec.ts';
import { sniffImage } from './sniff-image.ts';
// One wrapper for the whole project: the engine needs the same fix for its WebP outputs.
import { allowFileUrlFetch as installWasmFileFetch } from '../../engine/index.ts';

const Jimp = createJimp({ formats: [...defaultFormats, webp] });

/** RGBA, 8 bits per channel, row-major: data.length = width · height · 4. */
export interface RgbaBitmap {
  width: number;
  height: number;
  data: Buffer;
}

/** Thrown when the bytes are not an image jimp can read; the message says why in a few words. */
export class UndecodableImageError extends Error {}

export async function decodeImage(bytes: Uint8Array): Promise<RgbaBitmap> {
  if (sniffImage(bytes)?.format === 'webp') installWasmFileFetch();
  try {
    const { bitmap } = await Jimp.fromBuffer(toBuffer(bytes));
    return { width: bitmap.width, height: bitmap.height, data: bitmap.data };
  } catch (error) {
    throw new UndecodableImageError(describeDecodeError(error), { cause: error });
  }
}

export async function encodeImage(bitmap: RgbaBitmap, format: ImageFormat): Promise<Buffer> {
  switch (format) {
    case 'png':
      return new Jimp(bitmap).getBuffer('image/png');
    case 'jpeg':
      // JPEG has no alpha: flatten on white (PIL refuses RGBA → JPEG; we never fail). Quality 95 as Fooocus.
      return new Jimp(flattenOnWhite(bitmap)).getBuffer('image/jpeg', { quality: 95 });
    case 'webp':
      installWasmFileFetch();
      return new Jimp(bitmap).getBuffer('image/webp', { quality: 95 });
  }
}

/** Composites every pixel over opaque white; a copy, the input is left alone. */
export function flattenOnWhite(bitmap: RgbaBitmap): RgbaBitmap {
  const data = Buffer.from(bitmap.data);
  for (let i = 0; i < data.length; i += 4) {
    const alpha = data[i + 3];
    if (alpha === 255) continue;
    for (let c = 0; c < 3; c++) data[i + c] = Math.round((data[i + c] * alpha + 255 * (255 - alpha)) / 255);
    data[i + 3] = 255;
  }
  return { width: bitmap.width, height: bitmap.height, data };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function describeDecodeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Could not find MIME/i.test(message)) return 'unrecognised format';
  return message.length > 120 ? `${message.slice(0, 120)}…` : message;
}
