/**
 * RGBA → PNG / JPEG / WebP bytes (runs in the engine process, never on the gateway loop:
 * DECISIONS §2): PNG as RGB on native zlib (png-encoder.ts), JPEG with jimp, WebP through
 * @jimp/wasm-webp. With `metadata`, the file also
 * carries it as Fooocus writes it (engine/metadata/embed-metadata.ts); without, the bytes are
 * exactly what the encoder produced.
 */
import { Jimp, JimpMime } from 'jimp';
import webp from '@jimp/wasm-webp';
import { embedMetadata, type EmbeddedMetadata } from '../metadata/embed-metadata.ts';
import type { OutputFormat } from '../protocol.ts';
import type { RgbaImage } from '../vae/vae-decoder.ts';
import { allowFileUrlFetch } from './wasm-file-fetch.ts';
import { encodeRgbPng } from './png-encoder.ts';

const JPEG_QUALITY = 95;
const WEBP_QUALITY = 95;

export async function encodeImage(
  image: RgbaImage,
  format: OutputFormat,
  metadata?: EmbeddedMetadata | null,
): Promise<Uint8Array> {
  const bytes = await encodeBitmap(image, format);
  return metadata ? embedMetadata(bytes, format, metadata) : bytes;
}

async function encodeBitmap(image: RgbaImage, format: OutputFormat): Promise<Uint8Array> {
  const bitmap = {
    width: image.width,
    height: image.height,
    data: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
  };
  if (format === 'webp') {
    allowFileUrlFetch();
    return new Uint8Array(await webp().encode(bitmap, { quality: WEBP_QUALITY }));
  }
  if (format === 'png') return encodeRgbPng(image.width, image.height, image.data);
  return new Uint8Array(await new Jimp(bitmap).getBuffer(JimpMime.jpeg, { quality: JPEG_QUALITY }));
}
