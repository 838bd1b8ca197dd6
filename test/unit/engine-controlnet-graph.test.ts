/**
 * The ControlNet residual rewrite of a UNet (engine/controlnet/residual-graph.ts) on the tiny
 * SDXL-shaped UNet with up-block skips: inputs named and ordered as diffusers exports them, each
 * residual added to the skip its index names (channel counts 8/16/32, mid 32 at the mid block),
 * zeros bit-identical to the plain UNet in float32 and float16, an export that already takes them
 * used as it is, and the cache (hard-linked weights, reused set).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import onnxProto from 'onnx-proto';
import {
  downResidualName,
  MID_RESIDUAL,
  residualInputNames,
  residualSites,
  residualUnsupportedReason,
  rewriteForResiduals,
} from '../../engine/controlnet/residual-graph.ts';
import { residualUnetPath } from '../../engine/controlnet/residual-unet-cache.ts';
import { TINY_RESIDUAL_CHANNELS } from '../../engine/controlnet/tiny-controlnet.ts';
import { createWeightRng } from '../../engine/models/tiny/seeded-weights.ts';
import { buildUnet } from '../../engine/models/tiny/unet-graph.ts';
import { TINY_DIMS, writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { OnnxSession, type FeedTensor } from '../../engine/onnx/session.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
const NAMES = [downResidualName(0), downResidualName(1), downResidualName(2), MID_RESIDUAL];
const CHANNELS = [...TINY_RESIDUAL_CHANNELS.down, TINY_RESIDUAL_CHANNELS.mid];

let root = '';
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function tinyUnet(io: 'float32' | 'float16', upBlocks = true): ModelProto {
  const graph = buildUnet(
    {
      context: TINY_DIMS.te1Hidden + TINY_DIMS.te2Hidden,
      pooled: TINY_DIMS.projection,
      attention: TINY_DIMS.attention,
    },
    'int64',
    io,
    createWeightRng(7),
    upBlocks ? createWeightRng(8) : undefined,
  );
  return onnx.ModelProto.decode(graph.build().model);
}

const session = (model: ModelProto) =>
  OnnxSession.create(onnx.ModelProto.encode(model).finish(), { provider: 'cpu', threads: 1 });

function feeds(batch: number, h: number, w: number): Record<string, FeedTensor> {
  const rand = createWeightRng(31);
  const context = TINY_DIMS.te1Hidden + TINY_DIMS.te2Hidden;
  return {
    sample: { data: rand(batch * 4 * h * w, 1), dims: [batch, 4, h, w] },
    timestep: { data: new Array<number>(batch).fill(601), dims: [batch] },
    encoder_hidden_states: { data: rand(batch * 3 * context, 1), dims: [batch, 3, context] },
    text_embeds: { data: rand(batch * TINY_DIMS.projection, 1), dims: [batch, TINY_DIMS.projection] },
    time_ids: {
      data: Float32Array.from({ length: batch * 6 }, (_, i) => [512, 512, 0, 0, 512, 512][i % 6]),
      dims: [batch, 6],
    },
  };
}

function residuals(batch: number, h: number, w: number, value: (k: number) => number): Record<string, FeedTensor> {
  return Object.fromEntries(
    NAMES.map((name, k) => [
      name,
      { data: new Float32Array(batch * CHANNELS[k] * h * w).fill(value(k)), dims: [batch, CHANNELS[k], h, w] },
    ]),
  );
}

test('the rewrite adds the diffusers residual inputs in order, one Add per skip and one at the mid block', () => {
  const model = tinyUnet('float32');
  assert.deepEqual(
    residualSites(model).map((s) => s.name),
    ['/up_blocks.0/Concat', '/up_blocks.1/Concat', '/up_blocks.1/Concat_1'],
  );
  const rewritten = rewriteForResiduals(model);
  assert.deepEqual(residualInputNames(rewritten), NAMES);
  assert.deepEqual(
    rewritten.graph!.input!.slice(-4).map((i) => i.name),
    NAMES,
  );
  // The last Concat to run reads the first skip (conv_in's 8 channels): residual 0.
  const concat = rewritten.graph!.node!.find((n) => n.name === '/up_blocks.1/Concat_1')!;
  const add = rewritten.graph!.node!.find((n) => n.output![0] === concat.input![1])!;
  assert.deepEqual(add.input![1], downResidualName(0));
  const first = rewritten.graph!.node!.find((n) => n.name === '/up_blocks.0/Concat')!;
  assert.equal(rewritten.graph!.node!.find((n) => n.output![0] === first.input![0])!.input![1], MID_RESIDUAL);
  assert.equal(rewriteForResiduals(rewritten), rewritten, 'an export that takes the residuals is used as it is');
  assert.match(residualUnsupportedReason(tinyUnet('float32', false)) ?? '', /no up-block skip Concat/);
});

for (const io of ['float32', 'float16'] as const) {
  test(`${io}: zero residuals give the plain UNet's output bit for bit; each residual moves it`, async () => {
    const plain = await session(tinyUnet(io));
    const controlled = await session(rewriteForResiduals(tinyUnet(io)));
    // The inputs take the skips' own type: the tiny graph computes in float32 even with float16 I/O (a real fp16
    // export's are float16).
    assert.deepEqual(
      controlled.inputs.slice(-4).map((i) => [i.name, i.dtype]),
      NAMES.map((n) => [n, 'float32']),
    );
    const base = feeds(2, 6, 5);
    const expected = (await plain.run(base)).out_sample.data;
    const zero = (await controlled.run({ ...base, ...residuals(2, 6, 5, () => 0) })).out_sample.data;
    assert.deepEqual(Buffer.from(zero.buffer), Buffer.from(expected.buffer));
    for (const [k, name] of NAMES.entries()) {
      const moved = (await controlled.run({ ...base, ...residuals(2, 6, 5, (j) => (j === k ? 0.5 : 0)) })).out_sample
        .data;
      assert.ok(
        moved.some((v, i) => Math.abs(v - expected[i]) > 1e-4),
        `${name} changes the output`,
      );
    }
    // A residual with another site's channel count does not fit: the mapping is the one above.
    await assert.rejects(
      controlled.run({
        ...base,
        ...residuals(2, 6, 5, () => 0),
        [downResidualName(0)]: { data: new Float32Array(2 * 16 * 30), dims: [2, 16, 6, 5] },
      }),
    );
  });
}

test('residualUnetPath: hard-linked weights, the set reused; a UNet without skips gives the reason', async () => {
  root = await mkdtemp(join(tmpdir(), 'cn-graph-'));
  const checkpoint = join(root, 'checkpoints', 'up');
  await writeTinyCheckpoint(checkpoint, { externalData: true, upBlocks: true });
  const source = join(checkpoint, 'unet', 'model.onnx');
  const built = await residualUnetPath(source, join(root, 'cache'), { folder: 'unet' });
  assert.ok('modelPath' in built);
  assert.equal(
    (await stat(join(dirname(built.modelPath), 'model.onnx_data'))).ino,
    (await stat(join(checkpoint, 'unet', 'model.onnx_data'))).ino,
  );
  assert.deepEqual(await residualUnetPath(source, join(root, 'cache'), { folder: 'unet' }), built);
  const plain = join(root, 'checkpoints', 'plain');
  await writeTinyCheckpoint(plain, { externalData: true });
  const refused = await residualUnetPath(join(plain, 'unet', 'model.onnx'), join(root, 'cache2'));
  assert.ok('reason' in refused && /no up-block skip Concat/.test(refused.reason));
});
