/**
 * The working crop ("interested area") of an inpaint (fooocus-semantics §7.4, Fooocus's
 * `compute_initial_abcd` / `solve_abcd`): the mask's bounding box made square around its centre
 * with half-size int(1.15 × the larger half-extent), clamped to the image; then grown one pixel per
 * side per round (the shorter dimension, or the one not yet full) until it covers at least k·H rows
 * and k·W columns; k = 1 is the whole image. Boxes are [top, bottom) × [left, right).
 */

export interface Area {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

function regulate(area: Area, width: number, height: number): Area {
  const clamp = (v: number, max: number) => Math.trunc(Math.min(max, Math.max(0, v)));
  return {
    top: clamp(area.top, height),
    bottom: clamp(area.bottom, height),
    left: clamp(area.left, width),
    right: clamp(area.right, width),
  };
}

/** From the pixels where mask > 0; null when there are none. */
export function initialArea(mask: Uint8Array, width: number, height: number): Area | null {
  let a = height;
  let b = -1;
  let c = width;
  let d = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] === 0) continue;
      a = Math.min(a, y);
      b = Math.max(b, y);
      c = Math.min(c, x);
      d = Math.max(d, x);
    }
  }
  if (b < 0) return null;
  const rowCentre = Math.floor((b + a) / 2);
  const rowHalf = Math.floor((b - a) / 2);
  const columnCentre = Math.floor((d + c) / 2);
  const columnHalf = Math.floor((d - c) / 2);
  const l = Math.trunc(Math.max(rowHalf, columnHalf) * 1.15);
  return regulate(
    { top: rowCentre - l, bottom: rowCentre + l + 1, left: columnCentre - l, right: columnCentre + l + 1 },
    width,
    height,
  );
}

export function growArea(initial: Area, width: number, height: number, k: number): Area {
  if (k === 1) return { top: 0, bottom: height, left: 0, right: width };
  let area = initial;
  while (!(area.bottom - area.top >= height * k && area.right - area.left >= width * k)) {
    let addH = area.bottom - area.top < area.right - area.left;
    let addW = !addH;
    if (area.bottom - area.top === height) addW = true;
    if (area.right - area.left === width) addH = true;
    area = regulate(
      {
        top: area.top - (addH ? 1 : 0),
        bottom: area.bottom + (addH ? 1 : 0),
        left: area.left - (addW ? 1 : 0),
        right: area.right + (addW ? 1 : 0),
      },
      width,
      height,
    );
  }
  return area;
}

export function cropBitmap<T extends { width: number; height: number; channels: number; data: Uint8Array }>(
  image: T,
  area: Area,
): T {
  const width = area.right - area.left;
  const height = area.bottom - area.top;
  const { channels } = image;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const from = ((y + area.top) * image.width + area.left) * channels;
    data.set(image.data.subarray(from, from + width * channels), y * width * channels);
  }
  return { ...image, width, height, data };
}
