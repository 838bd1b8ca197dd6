/**
 * Sizes and boxes of the image modes, hand-computed from Fooocus's rules (fooocus-semantics §6,
 * §7): every upscale-or-vary method on odd and large inputs (the 1024 floor, the 2048 vary cap,
 * the 2800 direct return, the VAE's multiple-of-8 crop), every outpaint side combination, the
 * working crop, the fill, the latent mask, the inpaint blending and the final composite.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bitmap8 } from '../../engine/image/lanczos-resample.ts';
import { featherMask } from '../../engine/image/morphology.ts';
import { fooocusFill } from '../../engine/inpaint/fooocus-fill.ts';
import { growArea, initialArea } from '../../engine/inpaint/inpaint-area.ts';
import { inpaintBlender } from '../../engine/inpaint/inpaint-denoiser.ts';
import { composite, prepareInpaint } from '../../engine/inpaint/inpaint-worker.ts';
import { latentMask } from '../../engine/inpaint/latent-mask.ts';
import { outpaintMargins, padCanvas } from '../../engine/inpaint/outpaint.ts';
import { planSampling } from '../../engine/pipeline/sampling-plan.ts';
import type { OutpaintSide, UovMethodName } from '../../engine/protocol.ts';
import { SDXL_CONFIG } from '../../engine/models/registry.ts';

const CONFIG = { ...SDXL_CONFIG, warnings: [] };
import { schedule } from '../../engine/schedulers/sigmas.ts';
import { shapeCeil, shapeCeilSize, upscalePlan, vaeCroppedSize, varyPlan } from '../../engine/uov/uov-geometry.ts';

test('shape ceil and set_image_shape_ceil: 101×77 is raised to 1152×896 (three refinements); a matching size is kept', () => {
  assert.equal(shapeCeil(77, 101), 128);
  assert.deepEqual(shapeCeilSize({ width: 101, height: 77 }, 1024), { width: 1152, height: 896 });
  assert.deepEqual(shapeCeilSize({ width: 202, height: 154 }, 1024), { width: 1152, height: 896 });
  assert.deepEqual(
    shapeCeilSize({ width: 1000, height: 1000 }, 1024),
    { width: 1000, height: 1000 },
    'shape ceil already 1024',
  );
  for (const [w, h] of [
    [64, 64],
    [333, 999],
    [4000, 100],
    [1, 1],
  ]) {
    const out = shapeCeilSize({ width: w, height: h }, 1024);
    assert.equal(shapeCeil(out.height, out.width), 1024, `${w}×${h} → ${out.width}×${out.height}`);
    assert.ok(out.width % 64 === 0 && out.height % 64 === 0);
  }
});

const noOverride = -1;

test('vary: subtle 0.5, strong 0.85 (overwrite_vary_strength wins); small inputs raised to 1024, large ones cut to 2048, others kept', () => {
  assert.deepEqual(varyPlan('Vary (Subtle)', { width: 101, height: 77 }, noOverride), {
    denoise: 0.5,
    size: { width: 1152, height: 896 },
  });
  assert.equal(varyPlan('Vary (Strong)', { width: 101, height: 77 }, noOverride).denoise, 0.85);
  assert.equal(varyPlan('Vary (Strong)', { width: 101, height: 77 }, 0.3).denoise, 0.3);
  assert.deepEqual(
    varyPlan('Vary (Subtle)', { width: 1501, height: 999 }, noOverride).size,
    { width: 1501, height: 999 },
    'shape ceil 1280: untouched',
  );
  const big = varyPlan('Vary (Subtle)', { width: 3000, height: 2000 }, noOverride).size;
  assert.equal(shapeCeil(big.height, big.width), 2048);
  assert.deepEqual(
    vaeCroppedSize({ width: 1501, height: 999 }),
    { width: 1496, height: 992 },
    'the VAE keeps the centred multiple-of-8 part',
  );
});

test('upscale sizes for every method: W·f × H·f truncated, 1024 floor from the super-resolved size, Fast and > 2800 return directly', () => {
  type Case = [UovMethodName, [number, number], number, [number, number], boolean];
  const cases: Case[] = [
    ['Upscale (1.5x)', [801, 601], 1, [1201, 901], false],
    ['Upscale (2x)', [700, 500], 1, [1400, 1000], false],
    ['Upscale (Custom)', [600, 400], 2.5, [1500, 1000], false],
    ['Upscale (Custom)', [333, 333], 3.3, [1098, 1098], false],
    ['Upscale (Fast 2x)', [700, 500], 1, [1400, 1000], true],
    ['Upscale (2x)', [1376, 1376], 1, [2752, 2752], false],
    ['Upscale (2x)', [1377, 1377], 1, [2754, 2754], true],
    ['Upscale (2x)', [1400, 1400], 1, [2800, 2800], true],
    ['Upscale (1.5x)', [2400, 1600], 1, [3600, 2400], true],
  ];
  for (const [method, [w, h], custom, [tw, th], isDirect] of cases) {
    const plan = upscalePlan(method, { width: w, height: h }, { width: w * 4, height: h * 4 }, custom, noOverride);
    assert.deepEqual(
      [plan.size.width, plan.size.height, plan.isDirectReturn],
      [tw, th, isDirect],
      `${method} ${w}×${h}`,
    );
    assert.equal(plan.denoise, 0.382);
  }
  const small = upscalePlan('Upscale (2x)', { width: 101, height: 77 }, { width: 202, height: 154 }, 1, 0.6);
  assert.deepEqual(
    [small.size, small.isDirectReturn, small.denoise],
    [{ width: 1152, height: 896 }, false, 0.6],
    'below 1024: raised from the super-resolved image',
  );
  assert.equal(
    upscalePlan('Upscale (Fast 2x)', { width: 101, height: 77 }, { width: 202, height: 154 }, 1, noOverride)
      .isDirectReturn,
    true,
  );
});

function rgbImage(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Bitmap8 {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, channels: 3, data };
}

test('outpaint: every side combination, top/bottom from the original height, left/right from the width; explicit distances win', () => {
  const sides: OutpaintSide[] = ['left', 'top', 'right', 'bottom'];
  for (let bits = 0; bits < 16; bits++) {
    const chosen = sides.filter((_, i) => bits & (1 << i));
    const m = outpaintMargins(101, 77, chosen, [0, 0, 0, 0]);
    assert.deepEqual(
      m,
      {
        left: chosen.includes('left') ? 30 : 0,
        top: chosen.includes('top') ? 23 : 0,
        right: chosen.includes('right') ? 30 : 0,
        bottom: chosen.includes('bottom') ? 23 : 0,
      },
      chosen.join(','),
    );
  }
  assert.deepEqual(
    outpaintMargins(101, 77, ['left', 'bottom'], [7, 9, 11, 13]),
    { left: 7, top: 0, right: 0, bottom: 13 },
    'unselected sides add nothing',
  );
});

test('outpaint canvas: edge pixels repeated outward, the added margin masked 255, the original mask kept', () => {
  const image = rgbImage(3, 2, (x, y) => [x * 10, y * 10, 7]);
  const mask = Uint8Array.from([0, 255, 0, 0, 0, 0]);
  const { image: out, mask: outMask } = padCanvas({ image, mask }, { left: 2, top: 1, right: 0, bottom: 1 });
  assert.deepEqual([out.width, out.height], [5, 4]);
  const px = (x: number, y: number) => Array.from(out.data.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3));
  assert.deepEqual(px(0, 0), [0, 0, 7], 'corner repeats the original corner');
  assert.deepEqual(px(4, 3), [20, 10, 7]);
  assert.deepEqual(px(3, 1), [10, 0, 7], 'original pixels shifted by the margins');
  assert.deepEqual(
    Array.from(outMask),
    [255, 255, 255, 255, 255, 255, 255, 0, 255, 0, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255],
  );
});

test('working crop: the mask box squared around its centre at 1.15×, clamped; grown to k·H × k·W; k = 1 is the whole image', () => {
  const width = 200;
  const height = 100;
  const mask = new Uint8Array(width * height);
  for (let y = 40; y <= 49; y++) for (let x = 100; x <= 119; x++) mask[y * width + x] = 255;
  // rows 40..49: centre 44, half 4; columns 100..119: centre 109, half 9; l = int(9·1.15) = 10.
  const initial = initialArea(mask, width, height)!;
  assert.deepEqual(initial, { top: 34, bottom: 55, left: 99, right: 120 });
  assert.deepEqual(growArea(initial, width, height, 0), initial);
  // k = 0.3: needs ≥ 30 rows and ≥ 60 columns; the shorter side grows (columns on a tie), so the
  // two alternate from 21×21 until 59 rows × 61 columns.
  const grown = growArea(initial, width, height, 0.3);
  assert.deepEqual(grown, { top: 15, bottom: 74, left: 79, right: 140 });
  assert.deepEqual(growArea(initial, width, height, 1), { top: 0, bottom: 100, left: 0, right: 200 });
  const corner = new Uint8Array(width * height);
  corner[0] = 255;
  assert.deepEqual(initialArea(corner, width, height), { top: 0, bottom: 1, left: 0, right: 1 });
  assert.equal(initialArea(new Uint8Array(4), 2, 2), null);
});

test('fooocus_fill: pixels outside the mask are untouched; a hole in a uniform field fills with (nearly) that colour', () => {
  const image = rgbImage(40, 30, (x, y) => (x >= 15 && x < 25 && y >= 10 && y < 20 ? [255, 0, 0] : [30, 60, 90]));
  const mask = new Uint8Array(40 * 30);
  for (let y = 10; y < 20; y++) for (let x = 15; x < 25; x++) mask[y * 40 + x] = 255;
  const filled = fooocusFill(image, mask);
  for (let p = 0; p < mask.length; p++) {
    const pixel = Array.from(filled.data.subarray(p * 3, p * 3 + 3));
    if (mask[p] === 0) assert.deepEqual(pixel, [30, 60, 90], `pixel ${p}`);
    else pixel.forEach((v, c) => assert.ok(Math.abs(v - [30, 60, 90][c]) <= 2, `hole pixel ${p}: ${pixel.join(',')}`));
  }
});

test('latent mask: a latent cell is 1 when any of its 8×8 pixels is masked', () => {
  const mask = new Uint8Array(32 * 16);
  mask[3 * 32 + 17] = 255;
  assert.deepEqual(Array.from(latentMask(mask, 32, 16, 2, 4)), [0, 0, 1, 0, 0, 0, 0, 0]);
  assert.ok(latentMask(new Uint8Array(32 * 16).fill(255), 32, 16, 2, 4).every((v) => v === 1));
});

test('inpaint blending: the known region is the fill re-noised at σ before the model and the fill after; the hole passes through', async () => {
  const fill = Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]);
  const mask = Float32Array.from([1, 0, 0, 1]);
  const seen: Float32Array[] = [];
  const wrap = inpaintBlender(fill, mask, 5n);
  const out = await wrap(async (x) => {
    seen.push(x);
    return Float32Array.from(x, (v) => v * 0);
  })(Float32Array.from([9, 9, 9, 9, 9, 9, 9, 9]), 0);
  assert.deepEqual(Array.from(seen[0]), [9, 2, 3, 9, 9, 20, 30, 9], 'σ = 0: the known region is exactly the fill');
  assert.deepEqual(Array.from(out), [0, 2, 3, 0, 0, 20, 30, 0]);
  await wrap(async (x) => {
    seen.push(x);
    return x;
  })(new Float32Array(8), 2);
  assert.notEqual(seen[1][1], 2, 'σ > 0: the model sees the fill plus fresh noise');
});

test('inpaint composite: the crop is pasted back and blended by the feathered mask; pixels farther than 32 px are bit-identical', async () => {
  const width = 120;
  const height = 90;
  const image = rgbImage(width, height, (x, y) => [(x * 7) % 256, (y * 5) % 256, (x + y) % 256]);
  const mask = new Uint8Array(width * height);
  for (let y = 40; y < 50; y++) for (let x = 55; x < 65; x++) mask[y * width + x] = 255;
  const prep = await prepareInpaint(
    { image, mask },
    { useFill: false, respectiveField: 0.618, superResolve: async (crop) => crop },
  );
  assert.ok(
    prep.interestedImage.width % 64 === 0 &&
      shapeCeil(prep.interestedImage.height, prep.interestedImage.width) === 1024,
  );
  const generated = rgbImage(prep.interestedImage.width, prep.interestedImage.height, () => [255, 255, 255]);
  const out = composite(prep, generated);
  const feather = featherMask(mask, width, height);
  for (let p = 0; p < width * height; p++) {
    const pixel = Array.from(out.data.subarray(p * 3, p * 3 + 3));
    if (feather[p] === 0) assert.deepEqual(pixel, Array.from(image.data.subarray(p * 3, p * 3 + 3)), `pixel ${p}`);
    if (mask[p] === 255) assert.deepEqual(pixel, [255, 255, 255], `masked pixel ${p}`);
  }
});

test('img2img schedule: ⌊steps/denoise⌋ steps scheduled, the last steps+1 σ kept; denoise 1 is the full schedule', () => {
  const full = planSampling('euler', 'karras', 18, CONFIG);
  const partial = planSampling('euler', 'karras', 18, CONFIG, 0.382);
  assert.equal(partial.sigmas.length, 19);
  const reference = schedule('karras', 47, full.modelSampling.sigmaMin, full.modelSampling.sigmaMax, full.table);
  assert.deepEqual(partial.sigmas, reference.slice(-19));
  assert.ok(partial.sigmas[0] < full.sigmas[0]);
  assert.equal(partial.initialNoiseScale, partial.sigmas[0], 'partial denoise noises by σ0, not √(1+σ0²)');
  assert.deepEqual(planSampling('euler', 'karras', 4, CONFIG, 0).sigmas, [0]);
});
