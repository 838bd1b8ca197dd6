/**
 * Fooocus's inpaint engine files as Fooocus ships them (`fooocus_inpaint_head.pth`, a state dict with
 * `head`; `inpaint_v26.fooocus.patch`, a dict of UNet keys → (uint8 w, w_min, w_max)), written here in
 * torch.save's format and converted by engine/import/fooocus/inpaint-files.ts: findInpaintEngine finds the
 * results, the patch holds w/255·(max − min) + min (broadcast) in float16, and inpaintUnetPath builds the
 * inpaint UNet of the tiny checkpoint from them.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModelConversionError } from '../../engine/import/fooocus/conversion-error.ts';
import {
  convertInpaintHead,
  convertInpaintPatch,
  inpaintTargetPath,
} from '../../engine/import/fooocus/inpaint-files.ts';
import { findInpaintEngine } from '../../engine/inpaint/inpaint-engine-files.ts';
import { inpaintUnetPath } from '../../engine/inpaint/inpaint-unet-cache.ts';
import { SafetensorsReader } from '../../engine/lora/safetensors.ts';
import { createWeightRng } from '../../engine/models/tiny/seeded-weights.ts';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../engine/onnx/float16.ts';
import { TINY_PATCH_DELTAS } from '../fixtures/inpaint-engine.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';
import { PyDict, tensor, torchSave, Tuple } from '../fixtures/torch-save.ts';

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** One quantised entry: w uint8 of `shape`, min/max of `rangeShape` (broadcast as torch does). */
function quantised(shape: readonly number[], rangeShape: number[], seed: number) {
  const rand = createWeightRng(seed);
  const w = Array.from({ length: count(shape) }, (_, i) => (i * 37 + seed) % 256);
  const lo = Array.from(rand(count(rangeShape), 0.02), (v) => v - 0.05);
  const hi = lo.map((v, i) => v + 0.1 + 0.01 * i);
  return { w, lo, hi, rangeShape };
}

test('fooocus_inpaint_head.pth and inpaint_v26.fooocus.patch convert to the files the engine reads, dequantised as Fooocus does, and build the inpaint UNet', async () => {
  const { modelsDir, checkpointDir } = await tinyCheckpoint({ upBlocks: true }, 'fooocus-inpaint-import');
  const sourceDir = join(modelsDir, '..', 'fooocus-inpaint');
  const head = Array.from(createWeightRng(5)(8 * 45, 0.5));
  const headSource = join(sourceDir, 'fooocus_inpaint_head.pth');
  await mkdir(sourceDir, { recursive: true });
  await torchSave(new PyDict([['head', tensor('FloatStorage', [8, 5, 3, 3], head)]]), headSource);
  const ranges: Record<string, number[]> = {
    'diffusion_model.input_blocks.0.0.weight': [8, 1, 1, 1],
    'diffusion_model.input_blocks.1.0.in_layers.2.weight': [1, 4, 1, 1],
    'diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_q.weight': [],
  };
  const entries = Object.entries(TINY_PATCH_DELTAS).map(([key, shape], i) => ({
    key,
    shape: [...shape],
    ...quantised(shape, ranges[key], 11 + i),
  }));
  const patchSource = join(sourceDir, 'inpaint_v26.fooocus.patch');
  // Fooocus's patch is a plain dict (not an OrderedDict) of tuples; min/max are float16 like its weights.
  await torchSave(
    new PyDict(
      entries.map((e) => [
        e.key,
        new Tuple([
          tensor('ByteStorage', e.shape, e.w),
          tensor('HalfStorage', e.rangeShape, e.lo),
          tensor('HalfStorage', e.rangeShape, e.hi),
        ]),
      ]),
      true,
    ),
    patchSource,
  );

  const headTarget = inpaintTargetPath(modelsDir, 'fooocus_inpaint_head.pth');
  const patchTarget = inpaintTargetPath(modelsDir, 'inpaint_v26.fooocus.patch');
  assert.deepEqual(await convertInpaintHead(headSource, headTarget), { shape: [8, 5, 3, 3] });
  assert.deepEqual(await convertInpaintPatch(patchSource, patchTarget), { tensors: 3 });
  const found = await findInpaintEngine(modelsDir, 'v2.6');
  assert.deepEqual(found, { files: { head: headTarget, patch: patchTarget } });
  assert.deepEqual((await readdir(join(modelsDir, 'inpaint'))).sort(), [
    'fooocus_inpaint_head.safetensors',
    'inpaint_v26.fooocus.safetensors',
  ]);

  const headReader = await SafetensorsReader.open(headTarget);
  try {
    assert.deepEqual([...(await headReader.readFloat32('head')).data], [...Float32Array.from(head)]);
  } finally {
    await headReader.close();
  }
  const patch = await SafetensorsReader.open(patchTarget);
  try {
    const f16 = (v: number) => float16BitsToFloat32(float32ToFloat16Bits(v));
    for (const e of entries) {
      const entry = patch.entries.get(e.key)!;
      assert.deepEqual([entry.dtype, entry.shape], ['F16', e.shape], e.key);
      const values = (await patch.readFloat32(e.key)).data;
      // torch broadcasting: the range index of element k keeps k's coordinates on the range's non-1 axes.
      const row = (k: number) => {
        const coords: number[] = [];
        for (let axis = e.shape.length - 1, rest = k; axis >= 0; axis--) {
          coords[axis] = rest % e.shape[axis];
          rest = Math.floor(rest / e.shape[axis]);
        }
        let index = 0;
        for (let i = 0, offset = e.shape.length - e.rangeShape.length; i < e.rangeShape.length; i++)
          index = index * e.rangeShape[i] + (e.rangeShape[i] === 1 ? 0 : coords[offset + i]);
        return index;
      };
      values.forEach((v, k) => {
        const lo = f16(e.lo[row(k)]);
        const hi = f16(e.hi[row(k)]);
        const expected = f16(Math.fround(Math.fround(Math.fround(e.w[k] / 255) * Math.fround(hi - lo)) + lo));
        assert.equal(v, expected, `${e.key}[${k}]`);
      });
    }
  } finally {
    await patch.close();
  }

  const built = await inpaintUnetPath(
    join(checkpointDir, 'unet', 'model.onnx'),
    found.files,
    join(modelsDir, '.inpaint-cache'),
    {
      folder: 'unet',
    },
  );
  assert.ok('modelPath' in built, JSON.stringify(built));
  assert.deepEqual(built.skipped, [], 'every converted delta lands on a UNet weight');
});

test('files that are not an inpaint head or patch are refused naming the file; nothing is written', async () => {
  const { modelsDir } = await tinyCheckpoint({}, 'fooocus-inpaint-bad');
  const bad = join(modelsDir, 'not-a-head.pth');
  await torchSave(new PyDict([['weight', tensor('FloatStorage', [2, 2], [1, 2, 3, 4])]]), bad);
  const out = join(modelsDir, 'inpaint-out');
  await assert.rejects(convertInpaintHead(bad, join(out, 'head.safetensors')), (error: unknown) => {
    assert.ok(error instanceof ModelConversionError);
    assert.equal(error.path, bad);
    assert.match(error.problem, /not a Fooocus inpaint head.*weight \[2,2\]/);
    return true;
  });
  await assert.rejects(convertInpaintPatch(bad, join(out, 'patch.safetensors')), /not a Fooocus inpaint patch/);
  const mismatched = join(modelsDir, 'mismatched.patch');
  await torchSave(
    new PyDict([
      [
        'diffusion_model.input_blocks.0.0.weight',
        new Tuple([
          tensor('ByteStorage', [2, 3], [0, 1, 2, 3, 4, 5]),
          tensor('FloatStorage', [3, 1], [0, 0, 0]),
          tensor('FloatStorage', [1], [1]),
        ]),
      ],
    ]),
    mismatched,
  );
  await assert.rejects(
    convertInpaintPatch(mismatched, join(out, 'patch.safetensors')),
    /diffusion_model\.input_blocks\.0\.0\.weight: w_min \[3,1\] does not broadcast to \[2,3\]/,
  );
  await assert.rejects(readdir(out), { code: 'ENOENT' });
});
