/**
 * Fooocus's inpaint engine in ONNX form (engine/inpaint): the head spliced in after conv_in is an
 * exact identity for a zero feed and a 3×3 replicate-padded convolution of the feed otherwise; the
 * patch adds each weight delta to its initializer (transposed for MatMul weights) and leaves
 * biases and unknown modules alone; the cached set is reused.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import {
  INPAINT_HEAD_INPUT,
  inpaintHeadUnsupportedReason,
  rewriteForInpaintHead,
} from '../../engine/inpaint/inpaint-head-graph.ts';
import { findInpaintEngine } from '../../engine/inpaint/inpaint-engine-files.ts';
import { inpaintUnetPath } from '../../engine/inpaint/inpaint-unet-cache.ts';
import { ExternalFiles, readInitializer } from '../../engine/lora/initializer-data.ts';
import { LoraTargetIndex } from '../../engine/lora/onnx-targets.ts';
import { SafetensorsReader } from '../../engine/lora/safetensors.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';
import { writeTinyInpaintEngine } from '../fixtures/inpaint-engine.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

const { onnx } = onnxProto;

function unetFeeds(feed?: Float32Array) {
  const h = 6;
  const w = 5;
  return {
    sample: { data: Float32Array.from({ length: 4 * h * w }, (_, i) => Math.sin(i)), dims: [1, 4, h, w] },
    timestep: { data: [500], dims: [1] },
    encoder_hidden_states: { data: Float32Array.from({ length: 3 * 64 }, (_, i) => Math.cos(i)), dims: [1, 3, 64] },
    text_embeds: { data: new Float32Array(32).fill(0.1), dims: [1, 32] },
    time_ids: { data: [1024, 1024, 0, 0, 1024, 1024], dims: [1, 6] },
    ...(feed ? { [INPAINT_HEAD_INPUT]: { data: feed, dims: [1, 5, h, w] } } : {}),
  };
}

async function run(model: Uint8Array, feeds: ReturnType<typeof unetFeeds>): Promise<Float32Array> {
  const session = await OnnxSession.create(model, { provider: 'cpu', threads: 1 });
  try {
    return (await session.run(feeds))[session.outputs[0].name].data;
  } finally {
    await session.release();
  }
}

test('the inpaint head after conv_in: zero feed leaves the UNet output bit-identical, a feed changes it; exports without conv_in are refused with the reason', async () => {
  const withConvIn = await tinyCheckpoint({ upBlocks: true }, 'tiny-head');
  const bytes = await readFile(join(withConvIn.checkpointDir, 'unet', 'model.onnx'));
  const model = onnx.ModelProto.decode(bytes);
  const head = Float32Array.from({ length: 8 * 45 }, (_, i) => Math.sin(i * 0.7));
  const rewritten = onnx.ModelProto.encode(rewriteForInpaintHead(model, head, [8, 5, 3, 3])).finish();
  const original = await run(bytes, unetFeeds());
  assert.deepEqual(await run(rewritten, unetFeeds(new Float32Array(5 * 30))), original);
  const changed = await run(rewritten, unetFeeds(Float32Array.from({ length: 5 * 30 }, (_, i) => (i % 7) / 7)));
  assert.ok(
    changed.some((v, i) => Math.abs(v - original[i]) > 1e-4),
    'a non-zero feed changes the prediction',
  );

  assert.match(inpaintHeadUnsupportedReason(model, [320, 5, 3, 3]) ?? '', /needs \[8,5,3,3\]/);
  const plain = await tinyCheckpoint({}, 'tiny-no-conv-in');
  const noConvIn = onnx.ModelProto.decode(await readFile(join(plain.checkpointDir, 'unet', 'model.onnx')));
  assert.match(inpaintHeadUnsupportedReason(noConvIn, [8, 5, 3, 3]) ?? '', /no \/conv_in\/Conv/);
});

test('the inpaint patch adds its weight deltas (transposed into MatMul weights), skips biases and unknown modules, and the set is cached', async () => {
  const { modelsDir, checkpointDir } = await tinyCheckpoint({ upBlocks: true }, 'tiny-patch');
  await writeTinyInpaintEngine(modelsDir);
  assert.deepEqual(await findInpaintEngine(modelsDir, 'v1'), {
    missing: [join(modelsDir, 'inpaint', 'inpaint.fooocus.safetensors')],
  });
  const found = await findInpaintEngine(modelsDir, 'v2.6');
  assert.ok('files' in found);
  const unet = join(checkpointDir, 'unet', 'model.onnx');
  const built = await inpaintUnetPath(unet, found.files, join(modelsDir, '.inpaint-cache'), { folder: 'unet' });
  assert.ok('modelPath' in built);
  assert.equal(built.skipped.length, 2, built.skipped.join(' | '));
  const again = await inpaintUnetPath(unet, found.files, join(modelsDir, '.inpaint-cache'), { folder: 'unet' });
  assert.deepEqual(again, built, 'the second request reuses the cached set');

  const before = onnx.ModelProto.decode(await readFile(unet));
  const after = onnx.ModelProto.decode(await readFile(built.modelPath));
  assert.ok(after.graph!.input!.some((i) => i.name === INPAINT_HEAD_INPUT));
  const values = async (model: typeof before, dir: string, name: string) => {
    const tensor = model.graph!.initializer!.find((t) => t.name === name)!;
    const files = new ExternalFiles(dir);
    try {
      return new Float32Array((await readInitializer(tensor, files)).buffer);
    } finally {
      await files.close();
    }
  };
  const patch = await SafetensorsReader.open(found.files.patch);
  try {
    const conv = (await patch.readFloat32('diffusion_model.input_blocks.1.0.in_layers.2.weight')).data;
    const w0 = await values(before, dirname(unet), 'down_blocks.0.resnets.0.conv1.weight');
    const w1 = await values(after, dirname(built.modelPath), 'down_blocks.0.resnets.0.conv1.weight');
    w1.forEach((v, i) => assert.ok(Math.abs(v - (w0[i] + conv[i])) < 1e-6, `conv1[${i}]`));
    // to_q is an anonymous MatMul weight stored [in, out]: torch's Δ[o, i] lands at [i, o].
    const toQ = new LoraTargetIndex(before).find('down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_q')!;
    assert.equal(toQ.layout, 'in-out');
    const q = (await patch.readFloat32('diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_q.weight')).data;
    const q0 = await values(before, dirname(unet), toQ.name);
    const q1 = await values(after, dirname(built.modelPath), toQ.name);
    for (let o = 0; o < 8; o++)
      for (let i = 0; i < 8; i++)
        assert.ok(Math.abs(q1[i * 8 + o] - (q0[i * 8 + o] + q[o * 8 + i])) < 1e-6, `to_q[${o}, ${i}]`);
    const bias0 = await values(before, dirname(unet), 'conv_in.bias');
    assert.deepEqual(await values(after, dirname(built.modelPath), 'conv_in.bias'), bias0, 'biases are not patched');
  } finally {
    await patch.close();
  }
});
