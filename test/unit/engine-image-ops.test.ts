/**
 * The pixel operations the image modes are built from, on tiny known images: Pillow-style LANCZOS
 * resampling and box blur (against direct formulas), OpenCV-style erode/dilate, Fooocus's feathered
 * composite mask, HWC3 alpha compositing, mask thresholding, and ComfyUI's feathered tiling.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxBlur } from '../../engine/image/box-blur.ts';
import { FILL_SCHEDULE, fooocusFill } from '../../engine/inpaint/fooocus-fill.ts';
import { compositeOverWhite, maskFromRgb } from '../../engine/image/input-image.ts';
import { resampleLanczos, type Bitmap8 } from '../../engine/image/lanczos-resample.ts';
import { erodeOrDilate, featherMask, threshold255 } from '../../engine/image/morphology.ts';
import { featherRamp, tiledScale, type Planar } from '../../engine/vae/tiled-scale.ts';

function grey(width: number, height: number, value: (x: number, y: number) => number): Bitmap8 {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y);
  return { width, height, channels: 1, data };
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
const lanczos3 = (x: number) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0);

/** Direct float evaluation of Pillow's separable filter on one axis (no fixed point, no rounding). */
function referenceAxis(values: number[], outSize: number): number[] {
  const scale = values.length / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  return Array.from({ length: outSize }, (_, xx) => {
    const center = (xx + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(values.length, Math.trunc(center + support + 0.5));
    let sum = 0;
    let weights = 0;
    for (let x = lo; x < hi; x++) {
      const w = lanczos3((x - center + 0.5) / filterScale);
      sum += values[x] * w;
      weights += w;
    }
    return Math.min(255, Math.max(0, sum / weights));
  });
}

test('LANCZOS resampling: same size copies; each output pixel is within 1 of the direct Lanczos-3 sum, up and down', () => {
  const row = [0, 0, 255, 255, 40, 200, 10, 90, 90, 250, 3];
  const image = grey(row.length, 1, (x) => row[x]);
  assert.deepEqual(Array.from(resampleLanczos(image, row.length, 1).data), row);
  for (const size of [4, 7, 23, 40]) {
    const out = Array.from(resampleLanczos(image, size, 1).data);
    const expected = referenceAxis(row, size);
    out.forEach((v, i) =>
      assert.ok(Math.abs(v - expected[i]) <= 1, `size ${size}, pixel ${i}: ${v} vs ${expected[i].toFixed(2)}`),
    );
  }
});

test('LANCZOS resampling keeps a constant image constant and resizes both axes (int() of fractional sizes)', () => {
  const flat: Bitmap8 = { width: 5, height: 3, channels: 3, data: new Uint8Array(45).fill(200) };
  const out = resampleLanczos(flat, 12.9, 7.2);
  assert.deepEqual([out.width, out.height, out.channels], [12, 7, 3]);
  assert.ok(out.data.every((v) => v === 200));
});

test("box blur equals Pillow's fixed-point window mean with repeated edges, for radii smaller and larger than the image", () => {
  const image = grey(9, 6, (x, y) => (x * 53 + y * 97 + x * y * 13) % 256);
  for (const r of [1, 3, 5, 20]) {
    const ww = Math.floor(2 ** 24 / (2 * r + 1));
    const fw = Math.floor((2 ** 24 - (2 * r + 1) * ww) / 2);
    const pass = (line: number[]) =>
      line.map((_, x) => {
        const at = (i: number) => line[Math.min(line.length - 1, Math.max(0, i))];
        let acc = 0;
        for (let i = x - r; i <= x + r; i++) acc += at(i);
        return Math.floor((acc * ww + (at(x - r - 1) + at(x + r + 1)) * fw + 2 ** 23) / 2 ** 24);
      });
    const rows = Array.from({ length: 6 }, (_, y) => pass(Array.from(image.data.subarray(y * 9, y * 9 + 9))));
    const expected = new Array<number>(54);
    for (let x = 0; x < 9; x++) pass(rows.map((row) => row[x])).forEach((v, y) => (expected[y * 9 + x] = v));
    assert.deepEqual(Array.from(boxBlur(image, r).data), expected, `radius ${r}`);
  }
});

test('box blur of a region gives exactly the whole-image blur inside it and leaves the rest as it was', () => {
  const image: Bitmap8 = {
    width: 23,
    height: 17,
    channels: 3,
    data: Uint8Array.from({ length: 23 * 17 * 3 }, (_, i) => (i * 131) % 251),
  };
  const region = { x0: 5, x1: 12, y0: 3, y1: 9 };
  for (const r of [1, 4, 30]) {
    const whole = boxBlur(image, r);
    const part = boxBlur(image, r, region);
    for (let y = 0; y < 17; y++) {
      for (let x = 0; x < 23; x++) {
        const inside = x >= region.x0 && x < region.x1 && y >= region.y0 && y < region.y1;
        for (let c = 0; c < 3; c++) {
          const i = (y * 23 + x) * 3 + c;
          assert.equal(part.data[i], inside ? whole.data[i] : image.data[i], `r ${r} (${x}, ${y})`);
        }
      }
    }
  }
});

test('fooocus_fill equals whole-image blurs with the pixels outside the hole put back after each', () => {
  const width = 40;
  const height = 30;
  const image: Bitmap8 = {
    width,
    height,
    channels: 3,
    data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 67) % 256),
  };
  const mask = new Uint8Array(width * height);
  for (let y = 8; y < 20; y++) for (let x = 10; x < 31; x++) if ((x + y) % 5 !== 0) mask[y * width + x] = 200;
  let reference = image;
  for (const [radius, repeats] of FILL_SCHEDULE) {
    for (let i = 0; i < repeats; i++) {
      reference = boxBlur(reference, radius);
      for (let p = 0; p < mask.length; p++)
        if (mask[p] < 127) for (let c = 0; c < 3; c++) reference.data[p * 3 + c] = image.data[p * 3 + c];
    }
  }
  assert.deepEqual(Array.from(fooocusFill(image, mask).data), Array.from(reference.data));
});

test('dilate and erode with a 3×3 square, |k| times; pixels outside the image count as neither', () => {
  const dot = grey(7, 7, (x, y) => (x === 3 && y === 3 ? 255 : 0)).data;
  const grown = erodeOrDilate(dot, 7, 7, 2);
  for (let y = 0; y < 7; y++)
    for (let x = 0; x < 7; x++) assert.equal(grown[y * 7 + x], Math.abs(x - 3) <= 2 && Math.abs(y - 3) <= 2 ? 255 : 0);
  const full = new Uint8Array(49).fill(255);
  assert.ok(
    erodeOrDilate(full, 7, 7, -3).every((v) => v === 255),
    'the border does not erode a full mask',
  );
  const square = grey(7, 7, (x, y) => (x >= 1 && x <= 5 && y >= 1 && y <= 5 ? 255 : 0)).data;
  const shrunk = erodeOrDilate(square, 7, 7, -1);
  for (let y = 0; y < 7; y++)
    for (let x = 0; x < 7; x++) assert.equal(shrunk[y * 7 + x], x >= 2 && x <= 4 && y >= 2 && y <= 4 ? 255 : 0);
  assert.deepEqual(erodeOrDilate(square, 7, 7, 0), square);
});

test('feathered composite mask: 255 in the mask, 256 − 8·d at Chebyshev distance d ≤ 32, then 0', () => {
  const size = 81;
  const mask = grey(size, size, (x, y) => (x === 40 && y === 40 ? 200 : 0)).data;
  const feather = featherMask(mask, size, size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.max(Math.abs(x - 40), Math.abs(y - 40));
      assert.equal(feather[y * size + x], d === 0 ? 255 : Math.max(0, 256 - 8 * d), `(${x}, ${y})`);
    }
  }
  assert.ok(
    featherMask(grey(5, 5, () => 127).data, 5, 5).every((v) => v === 0),
    '127 is not in the mask',
  );
});

test('HWC3: alpha is composited over white in float32 and truncated (0 at α 128 gives 126, as numpy does); opaque pixels stay exact', () => {
  const rgba: Bitmap8 = {
    width: 3,
    height: 1,
    channels: 4,
    data: Uint8Array.from([10, 20, 30, 255, 0, 0, 0, 0, 0, 100, 200, 128]),
  };
  assert.deepEqual(Array.from(compositeOverWhite(rgba).data), [10, 20, 30, 255, 255, 255, 126, 177, 227]);
});

test('mask thresholds: channel mean > 127 is 255; up255 keeps > t', () => {
  const rgb: Bitmap8 = {
    width: 3,
    height: 1,
    channels: 3,
    data: Uint8Array.from([127, 127, 127, 128, 127, 127, 255, 0, 126]),
  };
  assert.deepEqual(Array.from(maskFromRgb(rgb)), [0, 255, 0]);
  assert.deepEqual(Array.from(threshold255(Uint8Array.from([0, 127, 128, 255]))), [0, 0, 255, 255]);
});

test('tile feather ramps: (t+1)/f at each end, Python slicing for tiles narrower than the ramp', () => {
  assert.deepEqual(Array.from(featherRamp(6, 2)), [0.5, 1, 1, 1, 1, 0.5]);
  // Length 3, ramp 4: t = 0..3 hit rows t and 2 − t, t = 3 wraps to row 2 via [-1:0] → empty.
  const narrow = Array.from(featherRamp(3, 4)).map((v) => Number(v.toFixed(6)));
  assert.deepEqual(narrow, [
    Number((0.25 * 0.75).toFixed(6)),
    Number((0.5 * 0.5).toFixed(6)),
    Number((0.75 * 0.25).toFixed(6)),
  ]);
});

test('tiled scaling with feathered overlap reproduces a whole-image ×2 nearest upscale', async () => {
  const input: Planar = {
    data: Float32Array.from({ length: 2 * 37 * 29 }, (_, i) => Math.sin(i * 0.37)),
    channels: 2,
    height: 37,
    width: 29,
  };
  const nearest2 = async (tile: Planar): Promise<Planar> => {
    const data = new Float32Array(tile.channels * tile.height * 2 * tile.width * 2);
    for (let c = 0; c < tile.channels; c++) {
      for (let y = 0; y < tile.height * 2; y++) {
        for (let x = 0; x < tile.width * 2; x++)
          data[(c * tile.height * 2 + y) * tile.width * 2 + x] =
            tile.data[(c * tile.height + (y >> 1)) * tile.width + (x >> 1)];
      }
    }
    return { data, channels: tile.channels, height: tile.height * 2, width: tile.width * 2 };
  };
  const whole = await nearest2(input);
  const tiled = await tiledScale(input, nearest2, { tileX: 12, tileY: 16, overlap: 4, scale: 2 });
  assert.deepEqual([tiled.channels, tiled.height, tiled.width], [2, 74, 58]);
  tiled.data.forEach((v, i) => assert.ok(Math.abs(v - whole.data[i]) < 1e-5, `element ${i}`));
});
