/**
 * Masks in the engine (fooocus-semantics §7.2, rembg's sessions): the input normalisation, the
 * min–max stretch of a saliency map to a soft mask of the input's size, the cloth category pick,
 * the grey PNG, and every rembg name through the MaskGenerator on the demo models and on a tiny
 * model with a known output.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Jimp } from 'jimp';
import { EngineError } from '../../engine/errors.ts';
import type { Bitmap8 } from '../../engine/image/lanczos-resample.ts';
import { encodeGreyPng } from '../../engine/masks/grey-png.ts';
import { demoMaskFile, findMaskModel } from '../../engine/masks/mask-files.ts';
import { MaskGenerator } from '../../engine/masks/mask-generator.ts';
import { clothMask, rembgInput, saliencyMask } from '../../engine/masks/rembg-mask.ts';
import { MASK_FOLDER, REMBG_MODEL_NAMES, rembgModelSpec } from '../../engine/masks/rembg-models.ts';
import { writeTinyMaskModel } from '../../engine/masks/tiny-mask-model.ts';
import { GraphBuilder } from '../../engine/models/onnx-graph-builder.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';

const open = (path: string, label: string) => OnnxSession.create(path, { provider: 'cpu', threads: 1, label });

/** A grey image with a red square (the subject) at [x0, x1) × [y0, y1). */
function subject(width: number, height: number, box: [number, number, number, number]): Bitmap8 {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const isInside = x >= box[0] && x < box[1] && y >= box[2] && y < box[3];
      data.set(isInside ? [230, 20, 20] : [120, 120, 120], (y * width + x) * 3);
    }
  }
  return { width, height, channels: 3, data };
}

async function decodeGrey(
  png: Uint8Array,
): Promise<{ width: number; height: number; at: (x: number, y: number) => number }> {
  const image = await Jimp.read(Buffer.from(png));
  const { width, height, data } = image.bitmap;
  return { width, height, at: (x, y) => data[(y * width + x) * 4] };
}

describe('rembg pre- and post-processing', () => {
  test('input: divided by the largest byte (not 255), then (x − mean) / std, NCHW', () => {
    const image: Bitmap8 = { width: 2, height: 1, channels: 3, data: Uint8Array.from([100, 50, 0, 200, 100, 0]) };
    const feed = rembgInput(image, { size: 2, mean: [0.5, 0.5, 0.5], std: [0.5, 1, 1] });
    assert.deepEqual(feed.dims, [1, 3, 2, 2]);
    const data = feed.data as Float32Array;
    // Upscaled 2×1 → 2×2 keeps the columns; R of the second pixel is the max (200) → 1.
    assert.ok(Math.abs(data[1] - (1 - 0.5) / 0.5) < 1e-6);
    assert.ok(Math.abs(data[4 + 1] - (100 / 200 - 0.5)) < 1e-6);
    assert.ok(Math.abs(data[8] - (0 - 0.5)) < 1e-6);
  });

  test('saliency: the map is stretched min→0, max→255 (not thresholded) and resized to the input size', () => {
    const pred = Float32Array.from([-3, -1, 1, 5]);
    const mask = saliencyMask({ data: pred, dims: [1, 1, 2, 2] }, 2, 2);
    assert.deepEqual(Array.from(mask.data), [0, 63, 127, 255]);
    const sized = saliencyMask({ data: pred, dims: [1, 1, 2, 2] }, 7, 5);
    assert.equal(sized.data.length, 35);
    const flat = saliencyMask({ data: new Float32Array(4).fill(2), dims: [1, 1, 2, 2] }, 3, 3);
    assert.deepEqual(Array.from(flat.data), new Array(9).fill(0));
  });

  test('cloth: argmax over the four class maps, then only the asked category is white', () => {
    // Pixels' classes: 0 (background), 1 (upper), 2 (lower), 3 (full).
    const data = new Float32Array(16);
    [0, 1, 2, 3].forEach((cls, p) => (data[cls * 4 + p] = 5));
    const output = { data, dims: [1, 4, 2, 2] };
    assert.deepEqual(Array.from(clothMask(output, 'upper', 2, 2).data), [0, 255, 0, 0]);
    assert.deepEqual(Array.from(clothMask(output, 'lower', 2, 2).data), [0, 0, 255, 0]);
    assert.deepEqual(Array.from(clothMask(output, 'full', 2, 2).data), [0, 0, 0, 255]);
  });

  test('the grey PNG decodes to the same pixels', async () => {
    const pixels = Uint8Array.from({ length: 15 }, (_, i) => i * 17);
    const decoded = await decodeGrey(encodeGreyPng(5, 3, pixels));
    assert.equal(decoded.width, 5);
    assert.equal(decoded.height, 3);
    assert.equal(decoded.at(4, 2), 14 * 17);
    assert.equal(decoded.at(1, 0), 17);
  });
});

describe('MaskGenerator', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fooocus-masks-'));
    await writeTinyMaskModel(join(root, MASK_FOLDER, demoMaskFile('saliency')), 'saliency');
    await writeTinyMaskModel(join(root, MASK_FOLDER, demoMaskFile('cloth')), 'cloth');
  });
  after(async () => rm(root, { recursive: true, force: true }));

  test('every rembg name answers a PNG of the input size on the demo models, said to be demo; the subject is white', async () => {
    const generator = new MaskGenerator(root, true, open);
    const image = subject(53, 37, [20, 35, 10, 25]);
    for (const name of REMBG_MODEL_NAMES) {
      const result = await generator.generate(image, name, 'upper');
      const mask = await decodeGrey(result.png);
      assert.deepEqual([mask.width, mask.height, result.width, result.height], [53, 37, 53, 37], name);
      assert.match(result.warnings.join(' '), new RegExp(`'${name}' is not installed.*demo`), name);
      assert.ok(mask.at(27, 17) > 127, `${name}: subject centre ${mask.at(27, 17)}`);
      assert.ok(mask.at(3, 3) < 128, `${name}: background ${mask.at(3, 3)}`);
    }
  });

  test('an installed model wins over the demo: its known output comes back stretched and resized', async () => {
    // Output: the input's red channel, so the mask is 255 where the image is reddest.
    const g = new GraphBuilder('known_u2netp');
    const x = g.input('input.image', 'float', [1, 3, 320, 320]);
    g.output(g.node('Slice', [x, g.ints([0]), g.ints([1]), g.ints([1])]), 'd0', [1, 1, 320, 320]);
    await writeFile(join(root, MASK_FOLDER, 'u2netp.onnx'), g.build().model);
    try {
      assert.equal((await findMaskModel(root, 'u2netp', true))?.isDemo, false);
      const result = await new MaskGenerator(root, true, open).generate(
        subject(40, 30, [0, 20, 0, 30]),
        'u2netp',
        'full',
      );
      assert.deepEqual(result.warnings, []);
      const mask = await decodeGrey(result.png);
      // Not exactly 255/0: LANCZOS rings at the red edge, and the stretch maps the overshoot to 255.
      assert.ok(mask.at(5, 15) > 200, `subject ${mask.at(5, 15)}`);
      assert.ok(mask.at(35, 15) < 30, `background ${mask.at(35, 15)}`);
    } finally {
      await rm(join(root, MASK_FOLDER, 'u2netp.onnx'));
    }
  });

  test('sizes per name follow rembg: 320 for the u2net family, 768 for cloth, 1024 for isnet', () => {
    assert.deepEqual(
      REMBG_MODEL_NAMES.map((n) => rembgModelSpec(n)!.size),
      [320, 320, 320, 768, 320, 1024, 1024],
    );
  });

  test('refusals: an unknown cloth category is invalid input; no model and no demo is model-missing naming the file', async () => {
    const generator = new MaskGenerator(root, true, open);
    await assert.rejects(
      generator.generate(subject(8, 8, [0, 4, 0, 4]), 'u2net_cloth_seg', 'hat'),
      (e: unknown) => e instanceof EngineError && e.kind === 'invalid-input' && e.field === 'cloth_category',
    );
    const strict = new MaskGenerator(root, false, open);
    await assert.rejects(
      strict.generate(subject(8, 8, [0, 4, 0, 4]), 'silueta', 'full'),
      (e: unknown) => e instanceof EngineError && e.kind === 'model-missing' && /silueta\.onnx/.test(e.message),
    );
  });
});
