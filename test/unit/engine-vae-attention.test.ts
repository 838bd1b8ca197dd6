/**
 * The synthetic/converted VAE's mid-block attention runs as onnxruntime's MultiHeadAttention
 * (engine/models/synthetic/sdxl-vae-graphs.ts): the op must compute exactly diffusers' single-head
 * attention, softmax(q·kᵀ/√width)·v, and the VAE graphs must hold no score-matrix Softmax any more.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { SCALED_SDXL } from '../../engine/models/synthetic/sdxl-architecture.ts';
import { buildSdxlVaeDecoder, buildSdxlVaeEncoder } from '../../engine/models/synthetic/sdxl-vae-graphs.ts';
import { StreamingGraph } from '../../engine/models/synthetic/streaming-graph.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';

const root = await mkdtemp(join(tmpdir(), 'vae-attention-'));
after(() => rm(root, { recursive: true, force: true }));

/** softmax(q·kᵀ/√width)·v for [tokens, width] row-major matrices, in float64. */
function referenceAttention(q: Float32Array, k: Float32Array, v: Float32Array, tokens: number, width: number) {
  const out = new Float64Array(tokens * width);
  const scores = new Float64Array(tokens);
  for (let i = 0; i < tokens; i++) {
    let max = -Infinity;
    for (let j = 0; j < tokens; j++) {
      let dot = 0;
      for (let c = 0; c < width; c++) dot += q[i * width + c] * k[j * width + c];
      scores[j] = dot / Math.sqrt(width);
      max = Math.max(max, scores[j]);
    }
    let sum = 0;
    for (let j = 0; j < tokens; j++) sum += scores[j] = Math.exp(scores[j] - max);
    for (let j = 0; j < tokens; j++)
      for (let c = 0; c < width; c++) out[i * width + c] += (scores[j] / sum) * v[j * width + c];
  }
  return out;
}

test('MultiHeadAttention with one head equals softmax(q·kᵀ/√width)·v (max abs difference below 1e-6)', async () => {
  const tokens = 300;
  const width = 16;
  const g = new StreamingGraph('attention', 'float32');
  const [q, k, v] = ['q', 'k', 'v'].map((name) => g.input(name, 'float', [1, 'tokens', width]));
  g.output(g.microsoftNode('mid', 'MultiHeadAttention', [q, k, v], { num_heads: 1 }), 'out', [1, 'tokens', width]);
  const dir = join(root, 'attention');
  await mkdir(dir);
  await g.write(dir, { external: false, seed: 1 });
  const session = await OnnxSession.create(join(dir, 'model.onnx'), { provider: 'cpu', threads: 1 });
  let s = 7;
  const random = () =>
    Float32Array.from({ length: tokens * width }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 4 - 2);
  const feeds = { q: random(), k: random(), v: random() };
  const result = await session.run(
    Object.fromEntries(Object.entries(feeds).map(([name, data]) => [name, { data, dims: [1, tokens, width] }])),
  );
  const got = result.out.data as Float32Array;
  const want = referenceAttention(feeds.q, feeds.k, feeds.v, tokens, width);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst < 1e-6, `max abs difference ${worst}`);
});

test('the VAE encoder and decoder graphs attend through MultiHeadAttention and build no Softmax', async () => {
  for (const [name, build] of [
    ['encoder', buildSdxlVaeEncoder],
    ['decoder', buildSdxlVaeDecoder],
  ] as const) {
    const dir = join(root, name);
    await mkdir(dir);
    await build(SCALED_SDXL.vae, 'float32').write(dir, { external: false, seed: 1 });
    const model = onnxProto.onnx.ModelProto.decode(await readFile(join(dir, 'model.onnx')));
    const ops = model.graph!.node!.map((n) => `${n.domain ? `${n.domain}.` : ''}${n.opType}`);
    assert.equal(ops.filter((op) => op === 'com.microsoft.MultiHeadAttention').length, 1, name);
    assert.equal(ops.filter((op) => op.endsWith('Softmax')).length, 0, name);
    assert.ok(model.opsetImport!.some((o) => o.domain === 'com.microsoft' && Number(o.version) === 1));
  }
});
