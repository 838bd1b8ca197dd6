/**
 * The IP-Adapter's pieces on their own: the attn2 sites and their Fooocus layer order in a
 * torch-named graph, the per-block weight rule and the feeds it builds, our conversions (Resampler,
 * to_kv, CLIP vision) against a plain-JavaScript reference of the same architecture, RetinaFace
 * decoding and the 5-point similarity alignment.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { decodeRetinaface, retinafacePriors } from '../../engine/faces/retinaface-decode.ts';
import { FFHQ_TEMPLATE_512, similarityTransform, warpSimilarity } from '../../engine/faces/face-align.ts';
import { findIpAttentionLayers, rewriteForIpAdapter } from '../../engine/ip-adapter/ip-attention-graph.ts';
import { imagePromptFeeds, ipLayerWeight, weightLayerTokens } from '../../engine/ip-adapter/image-prompt-feeds.ts';
import type { LayerTokens } from '../../engine/ip-adapter/ip-adapter-model.ts';
import { convertClipVision, convertIpAdapter } from '../../engine/ip-adapter/convert/convert-files.ts';
import {
  TINY_CLIP,
  TINY_RESAMPLER,
  tinyClipVisionTensors,
  tinyIpAdapterTensors,
} from '../../engine/ip-adapter/tiny-ip-models.ts';
import { writeSafetensors, type TensorToWrite } from '../../engine/lora/safetensors.ts';
import { GraphBuilder } from '../../engine/models/onnx-graph-builder.ts';
import { scopedNodeName } from '../../engine/models/tiny/torch-names.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';
import { findClipVision, findIpAdapter } from '../../engine/ip-adapter/ip-adapter-files.ts';
import { tinyIpNegativeTensors } from '../../engine/ip-adapter/tiny-ip-models.ts';
import { runModelsCli } from '../../src/models-cli/main.ts';

const { onnx } = onnxProto;
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A graph with attn2 K/V MatMuls named like a torch SDXL export, declared out of order. */
function attn2Graph(scopes: string[]): onnxProto.onnx.IModelProto {
  const g = new GraphBuilder('attn2s');
  const context = g.input('encoder_hidden_states', 'float', [1, 'seq', 4]);
  for (const [i, scope] of scopes.entries()) {
    for (const kind of ['k', 'v']) {
      const w = g.weight(`w_${i}_${kind}`, [4, 2 + i], new Float32Array(4 * (2 + i)).fill(1));
      const out = g.node('MatMul', [context, w], {}, undefined, scopedNodeName(`${scope}.to_${kind}`, 'MatMul'));
      g.output(out, `out_${i}_${kind}`, [1, 'seq', 2 + i]);
    }
  }
  return onnx.ModelProto.decode(g.build().model);
}

test('attn2 layers in Fooocus IP order: input blocks, then output blocks, then the middle; transformer indices numerically', () => {
  const scopes = [
    'mid_block.attentions.0.transformer_blocks.0.attn2',
    'up_blocks.1.attentions.2.transformer_blocks.1.attn2',
    'down_blocks.2.attentions.1.transformer_blocks.10.attn2',
    'down_blocks.2.attentions.1.transformer_blocks.2.attn2',
    'up_blocks.0.attentions.0.transformer_blocks.0.attn2',
    'down_blocks.1.attentions.0.transformer_blocks.0.attn2',
  ];
  const layers = findIpAttentionLayers(attn2Graph(scopes));
  assert.deepEqual(
    layers.map((l) => l.scope),
    [
      '/down_blocks.1/attentions.0/transformer_blocks.0/attn2',
      '/down_blocks.2/attentions.1/transformer_blocks.2/attn2',
      '/down_blocks.2/attentions.1/transformer_blocks.10/attn2',
      '/up_blocks.0/attentions.0/transformer_blocks.0/attn2',
      '/up_blocks.1/attentions.2/transformer_blocks.1/attn2',
      '/mid_block/attentions.0/transformer_blocks.0/attn2',
    ],
  );
  // K widths read from the weights ([in, out]): scope i was built 2 + i wide.
  assert.deepEqual(
    layers.map((l) => l.keyChannels),
    [7, 5, 4, 6, 3, 2],
  );
  const rewritten = rewriteForIpAdapter(attn2Graph(scopes));
  const inputs = rewritten.graph!.input!.map((i) => i.name);
  assert.deepEqual(
    inputs.slice(1),
    layers.flatMap((l) => [`ip_k_${l.index}`, `ip_v_${l.index}`]),
  );
});

test('an attn2 fed image tokens attends over [text ; image]: 0 tokens changes nothing', async () => {
  const model = rewriteForIpAdapter(attn2Graph(['down_blocks.1.attentions.0.transformer_blocks.0.attn2']));
  const session = await OnnxSession.create(onnx.ModelProto.encode(model).finish(), { provider: 'cpu' });
  try {
    const context = { data: [1, 2, 3, 4, 5, 6, 7, 8], dims: [1, 2, 4] };
    const none = await session.run({
      encoder_hidden_states: context,
      ip_k_0: { data: [], dims: [1, 0, 2] },
      ip_v_0: { data: [], dims: [1, 0, 2] },
    });
    assert.deepEqual([...none.out_0_k.data], [10, 10, 26, 26]);
    assert.deepEqual(none.out_0_k.dims, [1, 2, 2]);
    const two = await session.run({
      encoder_hidden_states: context,
      ip_k_0: { data: [9, 8, 7, 6], dims: [1, 2, 2] },
      ip_v_0: { data: [0, 0, 0, 0], dims: [1, 2, 2] },
    });
    assert.deepEqual([...two.out_0_k.data], [10, 10, 26, 26, 9, 8, 7, 6]);
  } finally {
    await session.release();
  }
});

test('per-block weight: w = weight × C/1280 (0.3 at 640 channels, 0.6 at 1280 for weight 0.6); K·w, V re-centred on its token mean', () => {
  assert.equal(ipLayerWeight(0.6, 640), 0.3);
  assert.equal(ipLayerWeight(0.6, 1280), 0.6);
  assert.equal(ipLayerWeight(1.5, 1280), 1.5);
  const layer: LayerTokens = {
    k: Float32Array.from([2, 4, 6, 8]),
    v: Float32Array.from([1, 3, 3, 5]),
    tokens: 2,
    keyChannels: 640,
    valueChannels: 2,
  };
  const weighted = weightLayerTokens(layer, 1);
  assert.deepEqual([...weighted.k], [1, 2, 3, 4]);
  // means per channel (2, 4); v − mean + mean·0.5.
  assert.deepEqual([...weighted.v], [0, 1, 2, 3]);
});

test('feeds: [uncond ; cond] rows at cfg, cond alone at cfg 1, slots concatenated while progress < their stop', () => {
  // 2 channels wide; weight 640 makes w = 640 × 2/1280 = 1, so the values pass unchanged.
  const tokens = (value: number, n: number): LayerTokens => ({
    k: new Float32Array(n * 2).fill(value),
    v: new Float32Array(n * 2).fill(value),
    tokens: n,
    keyChannels: 2,
    valueChannels: 2,
  });
  const feeds = imagePromptFeeds(
    [
      { cond: [tokens(1, 2)], uncond: [tokens(-1, 2)], stop: 0.5, weight: 640 },
      { cond: [tokens(2, 1)], uncond: [tokens(-2, 1)], stop: 0.9, weight: 640 },
    ],
    [{ index: 0, keyChannels: 2, valueChannels: 2 }],
  );
  const early = feeds(0.1, 2);
  assert.deepEqual(early.ip_k_0.dims, [2, 3, 2]);
  assert.deepEqual(Array.from(early.ip_k_0.data), [-1, -1, -1, -1, -2, -2, 1, 1, 1, 1, 2, 2]);
  assert.deepEqual(Array.from(feeds(0.6, 1).ip_k_0.data), [2, 2]);
  assert.deepEqual(feeds(0.95, 2).ip_v_0.dims, [2, 0, 2]);
  // A graph that leaves the widths symbolic: 0 tokens still carry the adapter's width.
  const symbolic = imagePromptFeeds(
    [{ cond: [tokens(1, 2)], uncond: [tokens(1, 2)], stop: 0.5, weight: 640 }],
    [{ index: 0 }],
  );
  assert.deepEqual(symbolic(0.9, 2).ip_k_0.dims, [2, 0, 2]);
  assert.throws(
    () =>
      imagePromptFeeds(
        [{ cond: [tokens(1, 2)], uncond: [tokens(1, 2)], stop: 1, weight: 1 }],
        [{ index: 0 }, { index: 1 }],
      ),
    /has 1 cross-attention layers but this UNet has 2/,
  );
  assert.throws(
    () =>
      imagePromptFeeds(
        [{ cond: [tokens(1, 2)], uncond: [tokens(1, 2)], stop: 1, weight: 1 }],
        [{ index: 0, keyChannels: 640 }],
      ),
    /2\/2 wide \(K\/V\) but the UNet's attn2 there takes 640/,
  );
});

// ---- a plain-JavaScript reference of the converted architectures ----

type Mat = { data: Float32Array; rows: number; cols: number };
const mat = (data: ArrayLike<number>, rows: number, cols: number): Mat => ({
  data: Float32Array.from(data),
  rows,
  cols,
});
const values = (a: ArrayLike<number>): number[] => Array.from(a);
function linearRef(x: Mat, w: TensorToWrite, b?: TensorToWrite): Mat {
  const [out, inDim] = w.shape;
  const y = new Float32Array(x.rows * out);
  for (let r = 0; r < x.rows; r++)
    for (let o = 0; o < out; o++) {
      let s = b ? b.data[o] : 0;
      for (let i = 0; i < inDim; i++) s += x.data[r * inDim + i] * w.data[o * inDim + i];
      y[r * out + o] = s;
    }
  return mat(y, x.rows, out);
}
function layerNormRef(x: Mat, w: TensorToWrite, b: TensorToWrite): Mat {
  const y = new Float32Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    let mean = 0,
      varSum = 0;
    for (let c = 0; c < x.cols; c++) mean += x.data[r * x.cols + c] / x.cols;
    for (let c = 0; c < x.cols; c++) varSum += (x.data[r * x.cols + c] - mean) ** 2 / x.cols;
    for (let c = 0; c < x.cols; c++)
      y[r * x.cols + c] = ((x.data[r * x.cols + c] - mean) / Math.sqrt(varSum + 1e-5)) * w.data[c] + b.data[c];
  }
  return mat(y, x.rows, x.cols);
}
const erf = (x: number) => {
  // Abramowitz–Stegun 7.1.26 is too coarse; integrate the series instead (|x| small here).
  let sum = 0,
    term = x,
    n = 0;
  while (Math.abs(term) > 1e-12 && n < 200) {
    sum += term / (2 * n + 1);
    n++;
    term *= (-x * x) / n;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const geluRef = (x: Mat): Mat =>
  mat(
    x.data.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
    x.rows,
    x.cols,
  );
const add = (a: Mat, b: Mat): Mat =>
  mat(
    a.data.map((v, i) => v + b.data[i]),
    a.rows,
    a.cols,
  );
/** Multi-head attention of q [n, h·d] over k, v [m, h·d], with q and k scaled by sq and sk. */
function attentionRef(q: Mat, k: Mat, v: Mat, heads: number, sq: number, sk: number): Mat {
  const d = q.cols / heads;
  const out = new Float32Array(q.rows * q.cols);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < q.rows; i++) {
      const scores = new Float64Array(k.rows);
      for (let j = 0; j < k.rows; j++)
        for (let e = 0; e < d; e++)
          scores[j] += q.data[i * q.cols + h * d + e] * sq * k.data[j * k.cols + h * d + e] * sk;
      const max = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - max));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let j = 0; j < k.rows; j++)
        for (let e = 0; e < d; e++) out[i * q.cols + h * d + e] += (exps[j] / total) * v.data[j * v.cols + h * d + e];
    }
  return mat(out, q.rows, q.cols);
}
const concatRows = (a: Mat, b: Mat): Mat => mat([...values(a.data), ...values(b.data)], a.rows + b.rows, a.cols);
const sliceCols = (a: Mat, from: number, to: number): Mat => {
  const out: number[] = [];
  for (let r = 0; r < a.rows; r++) for (let c = from; c < to; c++) out.push(a.data[r * a.cols + c]);
  return mat(out, a.rows, to - from);
};

function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, label);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst < tolerance, `${label}: max |Δ| ${worst}`);
}

test('our IP-Adapter conversion (from .safetensors) computes the Resampler and the per-layer to_k/to_v as the reference does', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ip-convert-'));
  dirs.push(dir);
  const t = tinyIpAdapterTensors(77);
  await writeSafetensors(join(dir, 'adapter.safetensors'), t);
  const result = await convertIpAdapter(join(dir, 'adapter.safetensors'), join(dir, 'out'), {
    dimHead: TINY_RESAMPLER.dimHead,
  });
  assert.deepEqual(result, { layers: 1, tokens: TINY_RESAMPLER.queries });
  const hiddenWidth = TINY_CLIP.hidden;
  const x = mat(
    Array.from({ length: 257 * hiddenWidth }, (_, i) => Math.sin(i * 0.37)),
    257,
    hiddenWidth,
  );
  // Reference Resampler.
  const heads = TINY_RESAMPLER.dim / TINY_RESAMPLER.dimHead;
  const scale = 1 / Math.sqrt(Math.sqrt(TINY_RESAMPLER.dimHead));
  let latents = mat(t['image_proj.latents'].data, TINY_RESAMPLER.queries, TINY_RESAMPLER.dim);
  const xp = linearRef(x, t['image_proj.proj_in.weight'], t['image_proj.proj_in.bias']);
  const p = 'image_proj.layers.0';
  const xn = layerNormRef(xp, t[`${p}.0.norm1.weight`], t[`${p}.0.norm1.bias`]);
  const ln = layerNormRef(latents, t[`${p}.0.norm2.weight`], t[`${p}.0.norm2.bias`]);
  const q = linearRef(ln, t[`${p}.0.to_q.weight`]);
  const kv = linearRef(concatRows(xn, ln), t[`${p}.0.to_kv.weight`]);
  const attended = attentionRef(
    q,
    sliceCols(kv, 0, TINY_RESAMPLER.dim),
    sliceCols(kv, TINY_RESAMPLER.dim, 2 * TINY_RESAMPLER.dim),
    heads,
    scale,
    scale,
  );
  latents = add(linearRef(attended, t[`${p}.0.to_out.weight`]), latents);
  const ff = linearRef(
    geluRef(linearRef(layerNormRef(latents, t[`${p}.1.0.weight`], t[`${p}.1.0.bias`]), t[`${p}.1.1.weight`])),
    t[`${p}.1.3.weight`],
  );
  latents = add(ff, latents);
  const expected = layerNormRef(
    linearRef(latents, t['image_proj.proj_out.weight'], t['image_proj.proj_out.bias']),
    t['image_proj.norm_out.weight'],
    t['image_proj.norm_out.bias'],
  );

  const resampler = await OnnxSession.create(join(dir, 'out', 'resampler.onnx'), { provider: 'cpu' });
  const toKv = await OnnxSession.create(join(dir, 'out', 'to_kv.onnx'), { provider: 'cpu' });
  try {
    const embeds = (await resampler.run({ clip_hidden_states: { data: x.data, dims: [1, 257, hiddenWidth] } }))
      .image_prompt_embeds;
    assert.deepEqual(embeds.dims, [1, TINY_RESAMPLER.queries, TINY_RESAMPLER.output]);
    closeTo(embeds.data, expected.data, 1e-4, 'resampler');
    const kvOut = await toKv.run({ image_prompt_embeds: embeds });
    const tokens = mat(embeds.data, TINY_RESAMPLER.queries, TINY_RESAMPLER.output);
    closeTo(kvOut.ip_k_0.data, linearRef(tokens, t['ip_adapter.1.to_k_ip.weight']).data, 1e-4, 'ip_k_0');
    closeTo(kvOut.ip_v_0.data, linearRef(tokens, t['ip_adapter.1.to_v_ip.weight']).data, 1e-4, 'ip_v_0');
  } finally {
    await resampler.release();
    await toKv.release();
  }
});

test('our CLIP vision conversion returns hidden_states[-2] as the reference ViT computes it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clip-convert-'));
  dirs.push(dir);
  const t = tinyClipVisionTensors(91);
  await writeSafetensors(join(dir, 'clip.safetensors'), t, { num_attention_heads: String(TINY_CLIP.heads) });
  const info = await convertClipVision(join(dir, 'clip.safetensors'), join(dir, 'out'));
  assert.deepEqual(info, { imageSize: 224, tokens: 257, hidden: TINY_CLIP.hidden });
  const S = 224,
    P = TINY_CLIP.patch,
    H = TINY_CLIP.hidden,
    grid = S / P;
  const pixels = Float32Array.from({ length: 3 * S * S }, (_, i) => Math.cos(i * 0.011));
  // Embeddings: patch conv (no bias), class token first, positions, pre-LN.
  const w = t['vision_model.embeddings.patch_embedding.weight'].data;
  const rows: number[] = Array.from(t['vision_model.embeddings.class_embedding'].data);
  for (let gy = 0; gy < grid; gy++)
    for (let gx = 0; gx < grid; gx++)
      for (let o = 0; o < H; o++) {
        let s = 0;
        for (let c = 0; c < 3; c++)
          for (let ky = 0; ky < P; ky++)
            for (let kx = 0; kx < P; kx++)
              s += pixels[c * S * S + (gy * P + ky) * S + gx * P + kx] * w[((o * 3 + c) * P + ky) * P + kx];
        rows.push(s);
      }
  let x = add(mat(rows, 257, H), mat(t['vision_model.embeddings.position_embedding.weight'].data, 257, H));
  x = layerNormRef(x, t['vision_model.pre_layrnorm.weight'], t['vision_model.pre_layrnorm.bias']);
  const l = 'vision_model.encoder.layers.0';
  const h = layerNormRef(x, t[`${l}.layer_norm1.weight`], t[`${l}.layer_norm1.bias`]);
  const proj = (name: string, input: Mat) => linearRef(input, t[`${l}.${name}.weight`], t[`${l}.${name}.bias`]);
  const attn = attentionRef(
    proj('self_attn.q_proj', h),
    proj('self_attn.k_proj', h),
    proj('self_attn.v_proj', h),
    TINY_CLIP.heads,
    1 / Math.sqrt(H / TINY_CLIP.heads),
    1,
  );
  x = add(x, proj('self_attn.out_proj', attn));
  const m = layerNormRef(x, t[`${l}.layer_norm2.weight`], t[`${l}.layer_norm2.bias`]);
  x = add(x, proj('mlp.fc2', geluRef(proj('mlp.fc1', m))));
  const session = await OnnxSession.create(join(dir, 'out', 'model.onnx'), { provider: 'cpu' });
  try {
    const out = (await session.run({ pixel_values: { data: pixels, dims: [1, 3, S, S] } })).penultimate_hidden_states;
    assert.deepEqual(out.dims, [1, 257, H]);
    closeTo(out.data, x.data, 1e-3, 'penultimate hidden states');
  } finally {
    await session.release();
  }
});

test('RetinaFace decoding: priors per stride and anchor, boxes and landmarks in pixels, the 0.8 threshold, NMS keeping the best', () => {
  const W = 64,
    H = 48;
  const priors = retinafacePriors(W, H);
  // 8×6 cells × 2 anchors at stride 8, 4×3 × 2 at 16, 2×2 × 2 at 32.
  assert.equal(priors.length / 4, 96 + 24 + 8);
  assert.deepEqual(
    [...priors.slice(0, 4)].map((v) => +v.toFixed(4)),
    [4 / W, 4 / H, 16 / W, 16 / H].map((v) => +v.toFixed(4)),
  );
  const n = priors.length / 4;
  const loc = new Float32Array(n * 4),
    conf = new Float32Array(n * 2),
    landms = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) conf[i * 2] = 1;
  // Prior 19 = cell (row 1, col 1) anchor 1 (32 px) at stride 8, centre (12, 12); prior 17 (anchor 1 at cell (1, 0))
  // overlaps it.
  const face = (i: number, score: number) => {
    conf[i * 2] = 1 - score;
    conf[i * 2 + 1] = score;
    for (let k = 0; k < 5; k++) landms.set([k - 2, 1], i * 10 + 2 * k);
  };
  face(19, 0.95);
  face(17, 0.9);
  face(0, 0.5);
  loc.set([1, 0, 0, 0], 19 * 4);
  const faces = decodeRetinaface(loc, conf, landms, W, H);
  assert.equal(faces.length, 1, 'the overlapping lower score is suppressed; 0.5 is below the threshold');
  const [f] = faces;
  assert.ok(Math.abs(f.score - 0.95) < 1e-6);
  // cx = 12 + 1·0.1·32 = 15.2; w = h = 32.
  assert.deepEqual(
    f.box.map((v) => +v.toFixed(3)),
    [-0.8, -4, 31.2, 28],
  );
  assert.deepEqual(
    f.landmarks.map(([x, y]) => [+x.toFixed(3), +y.toFixed(3)]),
    [
      [5.6, 15.2],
      [8.8, 15.2],
      [12, 15.2],
      [15.2, 15.2],
      [18.4, 15.2],
    ],
  );
});

test('5-point alignment: the similarity transform maps the landmarks onto the FFHQ template; the warp samples through it with a grey border', () => {
  // The template rotated by 30°, scaled by 0.25 and moved: the fit recovers the inverse exactly.
  const angle = Math.PI / 6,
    s = 0.25;
  const landmarks = FFHQ_TEMPLATE_512.map(
    ([x, y]) =>
      [s * (Math.cos(angle) * x - Math.sin(angle) * y) + 40, s * (Math.sin(angle) * x + Math.cos(angle) * y) + 10] as [
        number,
        number,
      ],
  );
  const [a, b, tx, ty] = similarityTransform(landmarks, FFHQ_TEMPLATE_512);
  for (const [i, [x, y]] of landmarks.entries()) {
    assert.ok(
      Math.abs(a * x - b * y + tx - FFHQ_TEMPLATE_512[i][0]) < 1e-6 &&
        Math.abs(b * x + a * y + ty - FFHQ_TEMPLATE_512[i][1]) < 1e-6,
      `point ${i}`,
    );
  }
  assert.ok(Math.abs(Math.hypot(a, b) - 1 / s) < 1e-9);
  // Scale 2 and shift 10: output (x, y) shows source ((x − 10)/2, (y − 10)/2).
  const image = {
    width: 4,
    height: 4,
    channels: 3,
    data: Uint8Array.from({ length: 48 }, (_, i) => (Math.floor(i / 3) * 10) % 256),
  };
  const warped = warpSimilarity(image, [2, 0, 10, 10], 20);
  assert.equal(warped.data[(10 * 20 + 10) * 3], 0, 'source (0, 0)');
  assert.equal(warped.data[(10 * 20 + 14) * 3], 20, 'source (2, 0)');
  assert.equal(warped.data[(12 * 20 + 10) * 3], 40, 'source (0, 1)');
  assert.deepEqual([...warped.data.slice(0, 3)], [135, 133, 132], 'outside the image: the grey border');
});

test('npm run models -- convert: ip-adapter and clip-vision .safetensors into the folders the engine reads, taking precedence over the demos', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'models-convert-'));
  dirs.push(dir);
  const adapter = join(dir, 'ip-adapter-plus_sdxl_vit-h.safetensors');
  await writeSafetensors(adapter, tinyIpAdapterTensors(5), { dim_head: String(TINY_RESAMPLER.dimHead) });
  await writeSafetensors(join(dir, 'neg.safetensors'), tinyIpNegativeTensors(6));
  await writeSafetensors(join(dir, 'clip_vision_vit_h.safetensors'), tinyClipVisionTensors(7), {
    num_attention_heads: String(TINY_CLIP.heads),
  });
  const models = join(dir, 'models');
  const lines: string[] = [];
  assert.equal(
    await runModelsCli(
      ['convert', 'ip-adapter', adapter, '--negative', join(dir, 'neg.safetensors'), '--models-dir', models],
      {},
      (l) => lines.push(l),
    ),
    0,
  );
  assert.equal(
    await runModelsCli(
      ['convert', 'clip-vision', join(dir, 'clip_vision_vit_h.safetensors'), '--models-dir', models],
      {},
      (l) => lines.push(l),
    ),
    0,
  );
  assert.match(lines.join('\n'), /1 cross-attention layers/);
  const found = await findIpAdapter(models, 'ImagePrompt');
  assert.ok(
    !('reason' in found) &&
      found.name === 'ip-adapter-plus_sdxl_vit-h' &&
      !found.isDemo &&
      found.negative.endsWith('ip_negative.safetensors'),
    JSON.stringify(found),
  );
  assert.deepEqual(await findClipVision(models), {
    name: 'clip_vision_vit_h',
    dir: join(models, 'clip_vision', 'clip_vision_vit_h'),
    isDemo: false,
  });
  assert.ok('reason' in (await findIpAdapter(models, 'FaceSwap')), 'the plain adapter is not a FaceSwap adapter');
  // A .bin is read by the PyTorch reader (test/unit/fooocus-file-conversions.test.ts); one that is no torch.save
  // file is refused naming it.
  await writeFile(join(dir, 'x.bin'), 'not a model');
  await assert.rejects(
    runModelsCli(['convert', 'ip-adapter', join(dir, 'x.bin'), '--models-dir', models], {}, () => {}),
    /x\.bin/,
  );
});
