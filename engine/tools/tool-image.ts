/** The request's PNG → the RGB Fooocus works on (HWC3: alpha composited over white). */
import { Jimp } from 'jimp';
import { invalidInput } from '../errors.ts';
import { compositeOverWhite } from '../image/input-image.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';

export async function decodeToolImage(png: Uint8Array): Promise<Bitmap8> {
  try {
    const image = await Jimp.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
    const { width, height, data } = image.bitmap;
    const rgba = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return compositeOverWhite({ width, height, channels: 4, data: rgba });
  } catch (error) {
    throw invalidInput('image', `image: cannot be decoded (${(error as Error).message})`);
  }
}
