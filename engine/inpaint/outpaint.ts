/**
 * Outpaint canvas growth (fooocus-semantics §7.3; Fooocus-API's explicit distances): top and
 * bottom first, each int(0.3·H) rows of the original height H (or the sent distance when > 0),
 * then left and right, int(0.3·W) columns. The image is padded by repeating its edge pixels, the
 * mask with 255 (to be generated).
 */
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import type { OutpaintSide } from '../protocol.ts';

export interface Canvas {
  image: Bitmap8;
  /** One byte per pixel, 0..255. */
  mask: Uint8Array;
}

export interface OutpaintMargins {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** distance = [left, top, right, bottom]; a side not selected adds nothing. */
export function outpaintMargins(
  width: number,
  height: number,
  sides: readonly OutpaintSide[],
  distance: readonly [number, number, number, number],
): OutpaintMargins {
  const [left, top, right, bottom] = distance;
  const pick = (side: OutpaintSide, sent: number, length: number) =>
    sides.includes(side) ? (sent > 0 ? Math.trunc(sent) : Math.trunc(length * 0.3)) : 0;
  // Top/bottom pad first; the width is unchanged by them, so left/right use the original width.
  return {
    top: pick('top', top, height),
    bottom: pick('bottom', bottom, height),
    left: pick('left', left, width),
    right: pick('right', right, width),
  };
}

export function padCanvas(canvas: Canvas, m: OutpaintMargins): Canvas {
  const { image, mask } = canvas;
  const width = image.width + m.left + m.right;
  const height = image.height + m.top + m.bottom;
  const { channels } = image;
  const data = new Uint8Array(width * height * channels);
  const out = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.max(0, y - m.top));
    const isInsideY = y >= m.top && y < m.top + image.height;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, x - m.left));
      const from = (sy * image.width + sx) * channels;
      data.set(image.data.subarray(from, from + channels), (y * width + x) * channels);
      if (isInsideY && x >= m.left && x < m.left + image.width) out[y * width + x] = mask[sy * image.width + sx];
    }
  }
  return { image: { width, height, channels, data }, mask: out };
}
