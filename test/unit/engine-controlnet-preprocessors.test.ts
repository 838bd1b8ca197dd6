/**
 * The PyraCanny and CPDS preprocessors (engine/controlnet/preprocessors) on images whose edges and
 * structure are known by construction, against maps checked by hand: OpenCV's resize conventions,
 * Canny's one-pixel edges, the pyramid map's edges where the image's are, CPDS on an isoluminant
 * colour boundary, Fooocus's cover-resize.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canny } from '../../engine/controlnet/preprocessors/canny.ts';
import { coverResize } from '../../engine/controlnet/preprocessors/cover-resize.ts';
import { cpds } from '../../engine/controlnet/preprocessors/cpds.ts';
import { resizeArea, resizeLinear, type ByteImage } from '../../engine/controlnet/preprocessors/cv-resize.ts';
import { decolor } from '../../engine/controlnet/preprocessors/decolor.ts';
import { gaussianBlur, gaussianKernel } from '../../engine/controlnet/preprocessors/gaussian-blur.ts';
import { normalisePercentiles, percentile } from '../../engine/controlnet/preprocessors/percentile-normalise.ts';
import { pyramidCanny } from '../../engine/controlnet/preprocessors/pyramid-canny.ts';

function image(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): ByteImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 3);
  return { width, height, channels: 3, data };
}

const channel0 = (img: ByteImage) => Uint8Array.from({ length: img.width * img.height }, (_, p) => img.data[p * 3]);

test('area resize: OpenCV INTER_AREA weights for a fractional shrink (5 → 2: cells of 2.5 source pixels)', () => {
  const row: ByteImage = { width: 5, height: 1, channels: 1, data: Uint8Array.from([0, 10, 20, 30, 40]) };
  // (0 + 10 + 20·½)/2.5 = 8 and (20·½ + 30 + 40)/2.5 = 32.
  assert.deepEqual([...resizeArea(row, 2, 1).data], [8, 32]);
  const square: ByteImage = {
    width: 4,
    height: 4,
    channels: 1,
    data: Uint8Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0 : 100) + (i < 8 ? 0 : 1)),
  };
  assert.deepEqual([...resizeArea(square, 2, 2).data], [0, 100, 1, 101]);
});

test('linear resize: OpenCV INTER_LINEAR half-pixel centres with clamped edges (2 → 4)', () => {
  const up = resizeLinear({ width: 2, height: 1, channels: 1, data: Float32Array.from([0, 1]) }, 4, 1);
  assert.deepEqual([...up.data], [0, 0.25, 0.75, 1]);
});

test('Canny: a vertical step gives one edge column where the step is; below the thresholds, nothing', () => {
  const width = 16;
  const step = Uint8Array.from({ length: width * 8 }, (_, i) => (i % width < 8 ? 0 : 200));
  const edges = canny(step, width, 8, 64, 128);
  for (let y = 0; y < 8; y++) {
    // Sobel gives |dx| = 800 at x = 7 and x = 8; non-maximum suppression keeps the first (m > left, m ≥ right).
    assert.deepEqual(
      [...edges.subarray(y * width, (y + 1) * width)].map((v) => v / 255),
      [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
      `row ${y}`,
    );
  }
  const faint = Uint8Array.from({ length: width * 8 }, (_, i) => (i % width < 8 ? 0 : 10));
  assert.ok(canny(faint, width, 8, 64, 128).every((v) => v === 0));
});

test('Canny hysteresis: a weak edge survives only where it touches a strong one', () => {
  // Two separate vertical steps: strong (0 → 200) in the upper half, weak (0 → 20: |dx| = 80, between 64 and 128)
  // below.
  const width = 16;
  const height = 16;
  const joined = Uint8Array.from({ length: width * height }, (_, i) =>
    i % width < 8 ? 0 : Math.floor(i / width) < 8 ? 200 : 20,
  );
  const edges = canny(joined, width, height, 64, 128);
  // The step's corner (rows 7–8) runs along the horizontal 200 | 20 edge; below it the weak column is kept.
  assert.ok(
    [...Array(height).keys()].every((y) => (y >= 7 && y <= 8) || edges[y * width + 7] === 255),
    'the weak lower half continues the strong upper half',
  );
  const alone = Uint8Array.from({ length: width * height }, (_, i) => (i % width < 8 ? 0 : 20));
  assert.ok(
    canny(alone, width, height, 64, 128).every((v) => v === 0),
    'a weak edge alone is dropped',
  );
});

test('PyraCanny: the map lights up on the square the image shows and nowhere else', () => {
  const size = 64;
  const inside = (x: number, y: number) => x >= 16 && x < 48 && y >= 16 && y < 48;
  const map = pyramidCanny(
    image(size, size, (x, y) => (inside(x, y) ? [230, 40, 40] : [20, 20, 200])),
    64,
    128,
  );
  assert.equal(map.width, size);
  assert.equal(map.channels, 3);
  const gray = channel0(map);
  for (let p = 0; p < gray.length; p++)
    assert.ok(map.data[p * 3 + 1] === gray[p] && map.data[p * 3 + 2] === gray[p], 'three equal channels');
  const distanceToBorder = (x: number, y: number) => {
    const dx = Math.max(16 - x, x - 47, 0);
    const dy = Math.max(16 - y, y - 47, 0);
    const outside = Math.hypot(dx, dy);
    return inside(x, y) ? Math.min(x - 16, 47 - x, y - 16, 47 - y) : outside;
  };
  let near = 0;
  let far = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = gray[y * size + x];
      const distance = distanceToBorder(x, y);
      if (distance > 12) far = Math.max(far, v);
      else if (distance > 6) near = Math.max(near, v);
    }
  }
  // The coarse scales' edges, upsampled, spread a faint halo (weight 0.75^k) a few pixels wide.
  assert.equal(far, 0, 'nothing away from the square outline');
  assert.ok(near < 40, `only a faint halo 6–12 px from the outline (max ${near})`);
  // Along the whole outline (away from the corners) the map is bright within a pixel or two of the edge.
  const bright = (values: number[]) => Math.max(...values) > 128;
  for (let t = 20; t < 44; t++) {
    const column = (x: number) => gray[t * size + x];
    const row = (y: number) => gray[y * size + t];
    assert.ok(
      bright([13, 14, 15, 16, 17].map(column)) && bright([45, 46, 47, 48, 49].map(column)),
      `left/right sides at y = ${t}`,
    );
    assert.ok(
      bright([13, 14, 15, 16, 17].map(row)) && bright([45, 46, 47, 48, 49].map(row)),
      `top/bottom sides at x = ${t}`,
    );
  }
  // Row 32 crosses the outline at x = 15/16 and 47/48: its peaks are there.
  const row = [...gray.subarray(32 * size, 33 * size)];
  const peaks = row
    .map((v, x) => ({ v, x }))
    .filter(({ v }) => v === Math.max(...row))
    .map(({ x }) => x);
  assert.ok(
    peaks.every((x) => Math.abs(x - 15.5) <= 1.5 || Math.abs(x - 47.5) <= 1.5),
    `peaks at ${peaks.join(', ')}`,
  );
});

test('PyraCanny: a flat image gives an all-zero map (no spread between the percentiles)', () => {
  assert.ok(
    pyramidCanny(
      image(40, 24, () => [90, 90, 90]),
      64,
      128,
    ).data.every((v) => v === 0),
  );
});

test('percentiles: numpy linear interpolation; norm255 clips and truncates', () => {
  const sorted = Float32Array.from([1, 2, 3, 4]);
  assert.equal(percentile(sorted, 25), 1.75);
  assert.equal(percentile(sorted, 100), 4);
  assert.deepEqual([...normalisePercentiles(Float32Array.from([0, 1, 2, 3, 4]), 0, 100)], [0, 63, 127, 191, 255]);
});

test('Gaussian blur: the σ 0.8 kernel has 7 taps summing to 1; a flat image stays flat', () => {
  const kernel = gaussianKernel(0.8);
  assert.equal(kernel.length, 7);
  assert.ok(Math.abs(kernel.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(
    gaussianBlur(
      image(9, 5, () => [10, 20, 30]),
      0.8,
    ).data.every((v, i) => v === [10, 20, 30][i % 3]),
  );
});

test('decolor: a gray ramp keeps its order; boost of a gray image is gray', () => {
  const ramp = image(32, 4, (x) => [x * 8, x * 8, x * 8]);
  const { density, boost } = decolor(ramp);
  const row = [...density.subarray(0, 32)];
  for (let x = 1; x < 32; x++) assert.ok(row[x] >= row[x - 1], `monotonic at ${x}: ${row.join(',')}`);
  assert.equal(row[0], 0);
  assert.equal(row[31], 255);
  for (let p = 0; p < 32 * 4; p++)
    assert.ok(Math.abs(boost.data[p * 3] - boost.data[p * 3 + 2]) <= 2, 'boost stays gray');
});

test('CPDS: near-isoluminant red | green halves stay apart in the map, each half flat, the step at the boundary', () => {
  // A plain luminance conversion would make these halves almost equal; contrast-preserving decolourisation keeps them
  // apart.
  const map = cpds(image(48, 16, (x) => (x < 24 ? [200, 60, 60] : [60, 130, 60])));
  const gray = channel0(map);
  for (let y = 0; y < 16; y++) {
    const row = [...gray.subarray(y * 48, (y + 1) * 48)];
    assert.ok(
      row.slice(0, 20).every((v) => v === row[0]) && row.slice(28).every((v) => v === row[47]),
      `flat halves: ${row.join(',')}`,
    );
    assert.ok(Math.abs(row[0] - row[47]) >= 200, `halves apart: ${row.join(',')}`);
    const steps = row.slice(1).map((v, x) => Math.abs(v - row[x]));
    assert.ok(
      steps.every((d, x) => d === 0 || (x >= 20 && x < 27)),
      `the change is at the boundary: ${row.join(',')}`,
    );
  }
});

test('cover-resize: Fooocus resize_image mode 1 keeps the aspect and crops the centre', () => {
  // 40×20 with a marker column at the centre (x = 19, 20) → 20×20: scaled to 40×20 (no change), cropped to x 10..29.
  const src = image(40, 20, (x) => (x === 19 || x === 20 ? [255, 255, 255] : x < 10 ? [255, 0, 0] : [0, 0, 0]));
  const out = coverResize({ ...src }, 20, 20);
  assert.equal(out.width, 20);
  assert.equal(out.height, 20);
  assert.deepEqual([...out.data.subarray(9 * 3, 11 * 3)], [255, 255, 255, 255, 255, 255]);
  assert.ok(
    !out.data.some((v, i) => i % 3 === 0 && v === 255 && out.data[i + 1] === 0),
    'the red margin is cropped away',
  );
  const tall = coverResize(
    image(10, 30, () => [5, 6, 7]),
    20,
    20,
  );
  assert.equal(tall.width * tall.height, 400);
});
