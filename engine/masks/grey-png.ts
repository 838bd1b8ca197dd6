/**
 * An 8-bit greyscale PNG writer (colour type 0) for masks: what PIL writes for an `L` image, as
 * rembg returns its masks. Rows unfiltered: masks are mostly flat runs that deflate well anyway.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from '../metadata/crc32.ts';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function encodeGreyPng(width: number, height: number, pixels: Uint8Array): Uint8Array {
  if (pixels.length !== width * height) throw new RangeError(`${pixels.length} bytes do not fill ${width}×${height}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const idat = chunk('IDAT', deflateSync(raw, { level: 6 }));
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), idat, chunk('IEND', new Uint8Array(0))]);
}
