/**
 * Fooocus's `resize_image(img, width, height)` in its default mode ("crop and resize"): the image
 * is LANCZOS-resized (Pillow's, engine/image/lanczos-resample.ts) to cover width × height with its
 * aspect kept, the short side exactly fitting, then centre-cropped (Pillow's paste at
 * (W//2 − w//2, H//2 − h//2)). Image-prompt maps are made at the generation size this way.
 */
import { resampleLanczos, type Bitmap8 } from '../../image/lanczos-resample.ts';

export function coverResize(image: Bitmap8, width: number, height: number): Bitmap8 {
  const ratio = width / height;
  const sourceRatio = image.width / image.height;
  const w = ratio > sourceRatio ? width : Math.floor((image.width * height) / image.height);
  const h = ratio <= sourceRatio ? height : Math.floor((image.height * width) / image.width);
  const resized = resampleLanczos(image, w, h);
  const c = image.channels;
  const out = new Uint8Array(width * height * c);
  const left = Math.floor(width / 2) - Math.floor(w / 2);
  const top = Math.floor(height / 2) - Math.floor(h / 2);
  for (let y = 0; y < height; y++) {
    const sy = y - top;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < width; x++) {
      const sx = x - left;
      if (sx < 0 || sx >= w) continue;
      for (let k = 0; k < c; k++) out[(y * width + x) * c + k] = resized.data[(sy * w + sx) * c + k];
    }
  }
  return { width, height, channels: c, data: out };
}
