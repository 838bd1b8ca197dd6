import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { createWeightRng } from '../../engine/models/tiny/seeded-weights.ts';
import { buildUnet } from '../../engine/models/tiny/unet-graph.ts';
import { TINY_DIMS, writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { fromFloat16Array, toFloat16Array } from '../../engine/onnx/float16.ts';
import { OnnxSession, type FeedTensor } from '../../engine/onnx/session.ts';
import { FREEU_INPUT, findFreeuSites, rewriteForFreeu } from '../../engine/unet/freeu-graph.ts';
import { freeuModelPath } from '../../engine/unet/freeu-model-cache.ts';
import { UnetRunner } from '../../engine/unet/unet-runner.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
type Scales = [number, number, number, number];

const root = await mkdtemp(join(tmpdir(), 'engine-freeu-'));
after(() => rm(root, { recursive: true, force: true }));

/** The tiny UNet's base channel count: its conv_in is 4→8. */
const MC = 8;
/** b1, b2, s1, s2 all different, so a swapped pair would show. */
const SCALES: Scales = [1.3, 0.8, 0.6, 1.5];
const ONES: Scales = [1, 1, 1, 1];
const SIZES: [number, number][] = [
  [5, 7],
  [6, 8],
  [1, 1],
  [2, 3],
];

// ---------- float64 reference of FreeU_V2, written plainly ----------

/** Python's slice(start, stop) on a length-n axis, as the set of indices it covers. */
function pySlice(start: number, stop: number, n: number): Set<number> {
  const from = start < 0 ? Math.max(0, start + n) : Math.min(start, n);
  const to = stop < 0 ? Math.max(0, stop + n) : Math.min(stop, n);
  const out = new Set<number>();
  for (let i = from; i < to; i++) out.add(i);
  return out;
}

/**
 * Fourier_filter(x, threshold 1, s) on one [H,W] plane: direct 2-D DFT, mask the fftshift-ed
 * rows crow−1..crow and columns ccol−1..ccol by s, inverse DFT, real part. fftshift puts natural
 * frequency k at shifted index (k + ⌊N/2⌋) mod N.
 */
function dftFilterPlane(x: ArrayLike<number>, H: number, W: number, s: number): Float64Array {
  const re = new Float64Array(H * W);
  const im = new Float64Array(H * W);
  for (let ky = 0; ky < H; ky++) {
    for (let kx = 0; kx < W; kx++) {
      for (let y = 0; y < H; y++) {
        for (let xx = 0; xx < W; xx++) {
          const angle = -2 * Math.PI * ((ky * y) / H + (kx * xx) / W);
          re[ky * W + kx] += x[y * W + xx] * Math.cos(angle);
          im[ky * W + kx] += x[y * W + xx] * Math.sin(angle);
        }
      }
    }
  }
  const rows = pySlice(Math.floor(H / 2) - 1, Math.floor(H / 2) + 1, H);
  const cols = pySlice(Math.floor(W / 2) - 1, Math.floor(W / 2) + 1, W);
  for (let ky = 0; ky < H; ky++) {
    for (let kx = 0; kx < W; kx++) {
      if (rows.has((ky + Math.floor(H / 2)) % H) && cols.has((kx + Math.floor(W / 2)) % W)) {
        re[ky * W + kx] *= s;
        im[ky * W + kx] *= s;
      }
    }
  }
  const out = new Float64Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < W; xx++) {
      let sum = 0;
      for (let ky = 0; ky < H; ky++) {
        for (let kx = 0; kx < W; kx++) {
          const angle = 2 * Math.PI * ((ky * y) / H + (kx * xx) / W);
          sum += re[ky * W + kx] * Math.cos(angle) - im[ky * W + kx] * Math.sin(angle);
        }
      }
      out[y * W + xx] = sum / (H * W);
    }
  }
  return out;
}

/** The closed form the graph computes: x + (s − 1)·(R_H·x·R_W + I_H·x·I_W), divisor max(N, 2). */
function closedFormPlane(x: ArrayLike<number>, H: number, W: number, s: number): Float64Array {
  const basis = (n: number) => ({
    r: (a: number, c: number) => (1 + Math.cos((2 * Math.PI * (a - c)) / n)) / Math.max(n, 2),
    i: (a: number, c: number) => -Math.sin((2 * Math.PI * (a - c)) / n) / Math.max(n, 2),
  });
  const rows = basis(H);
  const cols = basis(W);
  const out = new Float64Array(H * W);
  for (let a = 0; a < H; a++) {
    for (let d = 0; d < W; d++) {
      let p = 0;
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++)
          p += (rows.r(a, y) * cols.r(xx, d) + rows.i(a, y) * cols.i(xx, d)) * x[y * W + xx];
      out[a * W + d] = x[a * W + d] + (s - 1) * p;
    }
  }
  return out;
}

/** FreeU_V2's output_block_patch on h [B,C,H,W] and hsp [B,Cs,H,W], in float64. */
function freeuReference(
  h: ArrayLike<number>,
  hDims: number[],
  hsp: ArrayLike<number>,
  sDims: number[],
  scales: Scales,
): { hidden: Float64Array; skip: Float64Array } {
  const [B, C, H, W] = hDims;
  const hidden = Float64Array.from(h);
  const skip = Float64Array.from(hsp);
  const scale = { [4 * MC]: [scales[0], scales[2]], [2 * MC]: [scales[1], scales[3]] }[C];
  if (!scale) return { hidden, skip };
  const [b, s] = scale;
  const plane = H * W;
  for (let n = 0; n < B; n++) {
    const mean = new Float64Array(plane);
    for (let c = 0; c < C; c++) for (let p = 0; p < plane; p++) mean[p] += h[(n * C + c) * plane + p] / C;
    const min = Math.min(...mean);
    const max = Math.max(...mean);
    for (let c = 0; c < Math.floor(C / 2); c++) {
      for (let p = 0; p < plane; p++) {
        // torch yields 0/0 = NaN for a flat mean map; the graph keeps h unchanged there (freeu-subgraph.ts).
        const normalised = max === min ? 0 : (mean[p] - min) / (max - min);
        hidden[(n * C + c) * plane + p] *= (b - 1) * normalised + 1;
      }
    }
  }
  for (let k = 0; k < sDims[0] * sDims[1]; k++)
    skip.set(dftFilterPlane(slice(hsp, k * plane, (k + 1) * plane), H, W, s), k * plane);
  return { hidden, skip };
}

function slice(values: ArrayLike<number>, from: number, to: number): Float64Array {
  return Float64Array.from({ length: to - from }, (_, i) => values[from + i]);
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

// ---------- models and runs ----------

function tinyUnet(io: 'float32' | 'float16', upBlocks: boolean): ModelProto {
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

/** A copy of `model` that also outputs the float32 values `names`. */
function withOutputs(model: ModelProto, names: readonly string[]): Uint8Array {
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  for (const name of names)
    copy.graph!.output!.push({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  return onnx.ModelProto.encode(copy).finish();
}

async function session(model: ModelProto | Uint8Array): Promise<OnnxSession> {
  return OnnxSession.create(model instanceof Uint8Array ? model : onnx.ModelProto.encode(model).finish(), {
    provider: 'cpu',
    threads: 1,
  });
}

function unetFeeds(batch: number, height: number, width: number, seed: number): Record<string, FeedTensor> {
  const rand = createWeightRng(seed);
  const context = TINY_DIMS.te1Hidden + TINY_DIMS.te2Hidden;
  return {
    sample: { data: rand(batch * 4 * height * width, 1), dims: [batch, 4, height, width] },
    timestep: { data: new Array<number>(batch).fill(601), dims: [batch] },
    encoder_hidden_states: { data: rand(batch * 3 * context, 1), dims: [batch, 3, context] },
    text_embeds: { data: rand(batch * TINY_DIMS.projection, 1), dims: [batch, TINY_DIMS.projection] },
    time_ids: {
      data: Float32Array.from({ length: batch * 6 }, (_, i) => [1024, 1024, 0, 0, 1024, 1024][i % 6]),
      dims: [batch, 6],
    },
  };
}

const scalesFeed = (scales: Scales): FeedTensor => ({ data: scales, dims: [4] });

/** A graph holding just Concat(h, skip) named like an up-block site, with its own I/O dtype and opset. */
function concatGraph(elem: 'float32' | 'float16', opset: number): ModelProto {
  const elemType = elem === 'float32' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.FLOAT16;
  const io = (name: string, channels: string) => ({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: [{ dimParam: 'batch' }, { dimParam: channels }, { dimParam: 'height' }, { dimParam: 'width' }] },
      },
    },
  });
  const convIn = {
    name: 'conv_in.weight',
    dims: [MC, 4, 1, 1],
    dataType: elemType,
    rawData: new Uint8Array(MC * 4 * (elem === 'float32' ? 4 : 2)),
  };
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'one_site',
      node: [
        {
          name: '/up_blocks.0/Concat',
          opType: 'Concat',
          input: ['h', 'skip'],
          output: ['out'],
          attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
        },
      ],
      initializer: [convIn],
      input: [io('h', 'channels'), io('skip', 'skip_channels')],
      output: [io('out', 'out_channels')],
    },
  });
}

/** How many inserted FreeU nodes Cast to `elemType`. */
function castsTo(model: ModelProto, elemType: number): number {
  return model.graph!.node!.filter(
    (n) => n.name?.startsWith('/freeu/') && n.opType === 'Cast' && n.attribute?.[0]?.i === elemType,
  ).length;
}

// ---------- tests ----------

test('the Fourier closed form equals the direct DFT filter with the shifted mask for odd, even and unit sizes', () => {
  const rand = createWeightRng(3);
  for (let H = 1; H <= 7; H++) {
    for (let W = 1; W <= 6; W++) {
      const x = rand(H * W, 1);
      assert.ok(relativeError(closedFormPlane(x, H, W, 0.7), dftFilterPlane(x, H, W, 0.7)) < 1e-12, `${H}×${W}`);
    }
  }
  // At N = 1 the frequencies −1 and 0 coincide and the mask covers the one frequency once: s·x.
  assert.ok(Math.abs(dftFilterPlane([2], 1, 1, 0.7)[0] - 1.4) < 1e-12);
});

test('finds the up-block skip Concats in graph order with their block index, and none in the default tiny UNet', () => {
  const model = tinyUnet('float32', true);
  const sites = findFreeuSites(model);
  assert.deepEqual(
    sites.map((s) => [s.name, s.block]),
    [
      ['/up_blocks.0/Concat', 0],
      ['/up_blocks.1/Concat', 1],
      ['/up_blocks.1/Concat_1', 1],
    ],
  );
  assert.ok(sites.every((s, i) => i === 0 || s.nodeIndex > sites[i - 1].nodeIndex));
  assert.deepEqual(findFreeuSites(tinyUnet('float32', false)), []);
  // Matched by name, op, axis 1 and two inputs: another axis is not a site.
  const other = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  other.graph!.node![sites[1].nodeIndex].attribute![0].i = 2;
  assert.deepEqual(
    findFreeuSites(other).map((s) => s.name),
    ['/up_blocks.0/Concat', '/up_blocks.1/Concat_1'],
  );
  assert.throws(() => rewriteForFreeu(tinyUnet('float32', false)), /no up-block skip Concat/);
});

test('the rewrite adds freeu_scales and keeps every original node, initializer and input', () => {
  const model = tinyUnet('float32', true);
  const rewritten = rewriteForFreeu(model);
  // Original nodes are the same objects, in the same order; the site Concats are copies reading new inputs.
  const siteNames = new Set(findFreeuSites(model).map((s) => s.name));
  const kept = rewritten.graph!.node!.filter((n) => !n.name?.startsWith('/freeu/'));
  assert.equal(kept.length, model.graph!.node!.length);
  for (const [i, node] of model.graph!.node!.entries()) {
    if (!siteNames.has(node.name ?? '')) assert.equal(kept[i], node, node.name ?? '');
    else assert.deepEqual({ ...kept[i], input: node.input }, { ...node }, node.name ?? '');
  }
  const initializers = new Set(rewritten.graph!.initializer!);
  assert.ok(
    model.graph!.initializer!.every((t) => initializers.has(t)),
    'original initializers are kept as they are',
  );
  assert.deepEqual(
    rewritten.graph!.input!.map((i) => i.name),
    [...model.graph!.input!.map((i) => i.name), FREEU_INPUT],
  );
  assert.equal(rewritten.opsetImport![0].version, model.opsetImport![0].version);
  assert.throws(() => rewriteForFreeu(rewritten), /already has a freeu_scales input/);
});

test('with scales (1,1,1,1) the rewritten tiny UNet output is bit-identical to the original', async () => {
  const model = tinyUnet('float32', true);
  const [original, rewritten] = await Promise.all([session(model), session(rewriteForFreeu(model))]);
  for (const [i, [height, width]] of SIZES.entries()) {
    const feeds = unetFeeds(2, height, width, 100 + i);
    const expected = (await original.run(feeds)).out_sample.data;
    const actual = (await rewritten.run({ ...feeds, [FREEU_INPUT]: scalesFeed(ONES) })).out_sample.data;
    assert.equal(Buffer.compare(bytesOf(actual), bytesOf(expected)), 0, `${height}×${width}`);
    const changed = (await rewritten.run({ ...feeds, [FREEU_INPUT]: scalesFeed(SCALES) })).out_sample.data;
    assert.ok(relativeError(changed, expected) > 1e-4, `FreeU changes out_sample at ${height}×${width}`);
  }
});

test('every patched Concat input of the tiny UNet matches a float64 FreeU_V2 reference (rel. error ≤ 1e-5)', async () => {
  const model = tinyUnet('float32', true);
  const rewritten = rewriteForFreeu(model);
  const sites = findFreeuSites(model);
  const concat = (name: string) => rewritten.graph!.node!.find((n) => n.name === name)!;
  const probes = sites.flatMap((s) => [s.hidden, s.skip, ...concat(s.name).input!]);
  const run = await session(withOutputs(rewritten, probes));
  for (const [i, [height, width]] of SIZES.entries()) {
    const out = await run.run({ ...unetFeeds(2, height, width, 200 + i), [FREEU_INPUT]: scalesFeed(SCALES) }, probes);
    for (const site of sites) {
      const [hidden, skip] = concat(site.name).input!;
      const h = out[site.hidden];
      const hsp = out[site.skip];
      const expected = freeuReference(h.data, h.dims, hsp.data, hsp.dims, SCALES);
      const where = `${site.name} at ${height}×${width}`;
      assert.ok(
        relativeError(out[hidden].data, expected.hidden) <= 1e-5,
        `h ${where}: ${relativeError(out[hidden].data, expected.hidden)}`,
      );
      assert.ok(
        relativeError(out[skip].data, expected.skip) <= 1e-5,
        `hsp ${where}: ${relativeError(out[skip].data, expected.skip)}`,
      );
      if (h.dims[1] === MC) {
        assert.equal(Buffer.compare(bytesOf(out[hidden].data), bytesOf(h.data)), 0, `C = mc is untouched: ${where}`);
        assert.equal(Buffer.compare(bytesOf(out[skip].data), bytesOf(hsp.data)), 0, `C = mc is untouched: ${where}`);
      } else {
        assert.ok(relativeError(out[skip].data, hsp.data) > 1e-3, `the skip is filtered: ${where}`);
        if (height * width > 1) assert.ok(relativeError(out[hidden].data, h.data) > 1e-3, `h is scaled: ${where}`);
      }
    }
  }
});

test('a single float32 site (opset 14 and 17) matches the reference over odd, even and unit sizes and every channel case', async () => {
  const shapes: [number, number][] = [
    [1, 1],
    [1, 4],
    [3, 1],
    [2, 3],
    [5, 7],
    [6, 8],
    [9, 4],
  ];
  for (const opset of [14, 17]) {
    const run = await session(rewriteForFreeu(concatGraph('float32', opset)));
    for (const [i, [H, W]] of shapes.entries()) {
      for (const C of [4 * MC, 2 * MC, MC, 12]) {
        const rand = createWeightRng(1000 * opset + 10 * i + C);
        const h = { data: rand(2 * C * H * W, 1), dims: [2, C, H, W] };
        const skip = { data: rand(2 * 5 * H * W, 1), dims: [2, 5, H, W] };
        const out = (await run.run({ h, skip, [FREEU_INPUT]: scalesFeed(SCALES) })).out.data;
        const expected = freeuReference(h.data, h.dims, skip.data, skip.dims, SCALES);
        const error = relativeError(out, concatChannels(expected.hidden, C, expected.skip, 5, 2, H * W));
        assert.ok(error <= 1e-5, `opset ${opset}, C ${C}, ${H}×${W}: ${error}`);
      }
    }
  }
});

/** [B,Ch,..] ‖ [B,Cs,..] along channels, as Concat(axis 1) lays them out. */
function concatChannels(
  hidden: ArrayLike<number>,
  ch: number,
  skip: ArrayLike<number>,
  cs: number,
  batch: number,
  plane: number,
): Float64Array {
  const out = new Float64Array(batch * (ch + cs) * plane);
  for (let n = 0; n < batch; n++) {
    out.set(slice(hidden, n * ch * plane, (n + 1) * ch * plane), n * (ch + cs) * plane);
    out.set(slice(skip, n * cs * plane, (n + 1) * cs * plane), (n * (ch + cs) + ch) * plane);
  }
  return out;
}

test('an fp16 site computes in float32 and casts back: identity at (1,1,1,1), reference within fp16 rounding otherwise', async () => {
  const model = concatGraph('float16', 14);
  assert.equal(
    castsTo(rewriteForFreeu(model), onnx.TensorProto.DataType.FLOAT16),
    2,
    'h and hsp are cast back to fp16',
  );
  const [original, rewritten] = await Promise.all([session(model), session(rewriteForFreeu(model))]);
  const half = (values: Float32Array) => fromFloat16Array(toFloat16Array(values));
  for (const [H, W] of [
    [6, 8],
    [5, 7],
    [1, 1],
  ] as const) {
    for (const C of [4 * MC, 2 * MC, MC]) {
      const rand = createWeightRng(H * 100 + W * 10 + C);
      const h = { data: half(rand(2 * C * H * W, 1)), dims: [2, C, H, W] };
      const skip = { data: half(rand(2 * 3 * H * W, 1)), dims: [2, 3, H, W] };
      const plain = (await original.run({ h, skip })).out.data;
      const identity = (await rewritten.run({ h, skip, [FREEU_INPUT]: scalesFeed(ONES) })).out.data;
      assert.equal(Buffer.compare(bytesOf(identity), bytesOf(plain)), 0, `C ${C}, ${H}×${W}`);
      const out = (await rewritten.run({ h, skip, [FREEU_INPUT]: scalesFeed(SCALES) })).out.data;
      const expected = freeuReference(h.data, h.dims, skip.data, skip.dims, SCALES);
      const error = relativeError(out, concatChannels(expected.hidden, C, expected.skip, 3, 2, H * W));
      assert.ok(error <= 1e-3, `C ${C}, ${H}×${W}: ${error}`);
    }
  }
});

test('the fp16-I/O tiny UNet (float32 inside) rewrites without casts and stays bit-identical at (1,1,1,1)', async () => {
  const model = tinyUnet('float16', true);
  const rewritten = rewriteForFreeu(model);
  assert.equal(
    castsTo(rewritten, onnx.TensorProto.DataType.FLOAT16),
    0,
    'its Concats read float32, so nothing is cast back to fp16',
  );
  const [original, patched] = await Promise.all([session(model), session(rewritten)]);
  const feeds = unetFeeds(2, 6, 5, 300);
  const expected = (await original.run(feeds)).out_sample.data;
  assert.equal(
    Buffer.compare(
      bytesOf((await patched.run({ ...feeds, [FREEU_INPUT]: scalesFeed(ONES) })).out_sample.data),
      bytesOf(expected),
    ),
    0,
  );
  const changed = (await patched.run({ ...feeds, [FREEU_INPUT]: scalesFeed(SCALES) })).out_sample.data;
  assert.ok(changed.every(Number.isFinite));
  assert.ok(relativeError(changed, expected) > 1e-3);
});

test('freeuModelPath hard-links the external data, reuses its set, keeps two sets and returns null without sites', async () => {
  const checkpoint = join(root, 'checkpoints', 'up-blocks');
  await writeTinyCheckpoint(checkpoint, { externalData: true, upBlocks: true });
  const source = join(checkpoint, 'unet', 'model.onnx');
  const sourceData = await stat(join(checkpoint, 'unet', 'model.onnx_data'));
  const cacheRoot = join(root, 'freeu-cache');
  const lines: string[] = [];

  const built = await freeuModelPath(source, cacheRoot, { log: (l) => lines.push(l) });
  assert.ok(built);
  assert.equal(dirname(dirname(built)), join(cacheRoot, 'unet'));
  const linked = await stat(join(dirname(built), 'model.onnx_data'));
  assert.equal(linked.ino, sourceData.ino, 'the weights are hard-linked, not copied');
  assert.ok(linked.nlink >= 2);
  const rewritten = onnx.ModelProto.decode(await readFile(built));
  const original = onnx.ModelProto.decode(await readFile(source));
  const external = (m: ModelProto) =>
    JSON.stringify(m.graph!.initializer!.filter((t) => t.externalData?.length).map((t) => [t.name, t.externalData]));
  assert.notEqual(external(original), '[]');
  assert.equal(external(rewritten), external(original), 'external-data references are unchanged');

  // The runner feeds freeu_scales only to a rewritten UNet; (1,1,1,1) by default.
  const [plain, freeu] = await Promise.all([
    OnnxSession.create(source, { provider: 'cpu', threads: 1 }),
    OnnxSession.create(built, { provider: 'cpu', threads: 1 }),
  ]);
  const rand = createWeightRng(400);
  const context = TINY_DIMS.te1Hidden + TINY_DIMS.te2Hidden;
  const batch = {
    sample: rand(4 * 4 * 6, 1),
    batch: 1,
    latentHeight: 4,
    latentWidth: 6,
    timestep: 700,
    context: rand(2 * context, 1),
    tokens: 2,
    contextWidth: context,
    textEmbeds: rand(TINY_DIMS.projection, 1),
    timeIds: Float32Array.from([1024, 1024, 0, 0, 1024, 1024]),
  };
  const plainRunner = new UnetRunner(plain);
  const freeuRunner = new UnetRunner(freeu);
  assert.ok(!(FREEU_INPUT in plainRunner.feedsFor(batch)));
  assert.deepEqual(Array.from(freeuRunner.feedsFor(batch)[FREEU_INPUT].data), ONES);
  assert.deepEqual(Array.from(freeuRunner.feedsFor({ ...batch, freeuScales: SCALES })[FREEU_INPUT].data), SCALES);
  const expected = await plainRunner.predict(batch);
  assert.equal(Buffer.compare(bytesOf(await freeuRunner.predict(batch)), bytesOf(expected)), 0);
  assert.ok(relativeError(await freeuRunner.predict({ ...batch, freeuScales: SCALES }), expected) > 1e-4);

  const before = await stat(built);
  assert.equal(await freeuModelPath(source, cacheRoot), built, 'the second call reuses the set');
  const again = await stat(built);
  assert.equal(again.ino, before.ino);
  assert.equal(again.mtimeMs, before.mtimeMs);

  // A changed source is a new set; only the two most recently used stay.
  const moved: string[] = [];
  for (const seconds of [1_000_000, 2_000_000]) {
    await utimes(source, seconds, seconds);
    moved.push((await freeuModelPath(source, cacheRoot))!);
  }
  assert.equal(new Set([built, ...moved]).size, 3);
  const kept = (await readdir(join(cacheRoot, 'unet'))).filter((n) => !n.startsWith('.'));
  assert.deepEqual(kept.sort(), moved.map((p) => dirname(p).split('/').pop()!).sort());

  const named = await freeuModelPath(source, cacheRoot, { folder: 'unet-of-a-lora-set' });
  assert.equal(dirname(dirname(named!)), join(cacheRoot, 'unet-of-a-lora-set'));

  const plainCheckpoint = join(root, 'checkpoints', 'plain');
  await writeTinyCheckpoint(plainCheckpoint, { externalData: true });
  assert.equal(
    await freeuModelPath(join(plainCheckpoint, 'unet', 'model.onnx'), join(root, 'other-cache'), {
      log: (l) => lines.push(l),
    }),
    null,
  );
  assert.match(lines.at(-1)!, /no up-block skip Concat/);
  await assert.rejects(stat(join(root, 'other-cache', 'unet')), { code: 'ENOENT' });
});
