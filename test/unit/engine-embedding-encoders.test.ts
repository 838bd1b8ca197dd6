/**
 * The token-embedding rewrite (engine/embeddings/token-embedding-rows.ts) by known answer: an
 * encoder rewritten for a set of embeddings, fed placeholder ids, gives exactly — bit for bit, every
 * hidden state and the pooled output — what the original encoder gives when the rows of some
 * ordinary token ids are overwritten with the same vectors and those ids are fed instead. Checked on
 * both encoders of the tiny checkpoint (float32, inline weights) and of the scaled synthetic SDXL
 * layout (float16 weights in model.onnx_data), and on a minimal export with int32 input ids,
 * through the pipeline's own cache.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import onnxProto from 'onnx-proto';
import type { SdxlEmbedding } from '../../engine/embeddings/embedding-vectors.ts';
import { EMBEDDING_ID_BASE, type EmbeddingSet } from '../../engine/embeddings/job-embeddings.ts';
import { EngineError } from '../../engine/errors.ts';
import { DATA_TYPE, dimsOf, externalRef } from '../../engine/lora/initializer-data.ts';
import { ELEM, GraphBuilder } from '../../engine/models/onnx-graph-builder.ts';
import { TINY_DIMS } from '../../engine/models/tiny-checkpoint.ts';
import { SCALED_SDXL } from '../../engine/models/synthetic/sdxl-architecture.ts';
import { buildClipTextEncoder } from '../../engine/models/synthetic/clip-text-graph.ts';
import { toFloat16Array } from '../../engine/onnx/float16.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { OutputTensor } from '../../engine/onnx/session.ts';
import { EMBEDDING_CACHE_FOLDER, embeddingEncoderModels } from '../../engine/pipeline/embedding-encoders.ts';
import { originalModels, type ComponentModels } from '../../engine/pipeline/loaded-checkpoint.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

const { onnx } = onnxProto;
const TABLE = 'text_model.embeddings.token_embedding.weight';
const EOS = 49407;
const providers = new ProviderSelector('cpu', 1, () => {});
const folder = await mkdtemp(join(tmpdir(), 'embedding-encoders-'));
after(() => rm(folder, { recursive: true, force: true }));

/** Deterministic, clearly non-zero vectors: float32 [rows, width]. */
function vectors(rows: number, width: number, seed: number): Float32Array {
  return Float32Array.from({ length: rows * width }, (_, i) => Math.sin(seed * 31 + i * 0.7) * 0.8);
}

function embedding(name: string, rows: [number, number], widths: [number, number], seed: number): SdxlEmbedding {
  const side = (n: number, w: number, s: number, tensor: string) => ({
    rows: n,
    width: w,
    data: vectors(n, w, s),
    tensor,
  });
  return {
    name,
    path: `/embeddings/${name}.safetensors`,
    first: side(rows[0], widths[0], seed, 'clip_l'),
    second: side(rows[1], widths[1], seed + 1, 'clip_g'),
  };
}

function setOf(embeddings: SdxlEmbedding[]): EmbeddingSet {
  const ids = (side: 'first' | 'second') => {
    const map = new Map<string, number[]>();
    let next = EMBEDDING_ID_BASE;
    for (const e of embeddings) {
      map.set(
        e.name,
        Array.from({ length: e[side].rows }, (_, k) => next + k),
      );
      next += e[side].rows;
    }
    return map;
  };
  return { embeddings, first: ids('first'), second: ids('second') };
}

/**
 * A copy of the encoder at `componentDir` whose token table rows `ids[k]` hold `rows[k]` (stored in
 * the table's own precision, wherever the table lives: inline or in model.onnx_data).
 */
async function withRowsReplaced(componentDir: string, ids: number[], rows: Float32Array[]): Promise<string> {
  const dir = await mkdtemp(join(folder, 'reference-'));
  const model = onnx.ModelProto.decode(await readFile(join(componentDir, 'model.onnx')));
  const table = model.graph!.initializer!.find((t) => t.name === TABLE)!;
  const [, width] = dimsOf(table);
  const isHalf = table.dataType === DATA_TYPE.float16;
  const bytes = (row: Float32Array) => {
    const values = isHalf ? toFloat16Array(row) : row;
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  };
  const rowBytes = width * (isHalf ? 2 : 4);
  const ref = externalRef(table);
  for (const file of await readdir(componentDir))
    if (file !== 'model.onnx') await copyFile(join(componentDir, file), join(dir, file));
  if (ref) {
    const data = await readFile(join(dir, ref.location));
    ids.forEach((id, k) => bytes(rows[k]).copy(data, ref.offset + id * rowBytes));
    await writeFile(join(dir, ref.location), data);
  } else {
    const raw = Buffer.from(table.rawData!);
    ids.forEach((id, k) => bytes(rows[k]).copy(raw, id * rowBytes));
    table.rawData = raw;
  }
  await writeFile(join(dir, 'model.onnx'), onnx.ModelProto.encode(model).finish());
  return join(dir, 'model.onnx');
}

async function runAll(modelPath: string, ids: number[][]): Promise<Record<string, OutputTensor>> {
  const session = await providers.createSession(modelPath, 'embedding test');
  try {
    return await session.run({ input_ids: { data: ids.flat(), dims: [ids.length, 77] } });
  } finally {
    await session.release();
  }
}

function chunk(content: number[], pad: number): number[] {
  const out = [49406, ...content, EOS];
  while (out.length < 77) out.push(pad);
  return out;
}

/** Bit-exact equality of every output; returns how many outputs were compared. */
function assertSameOutputs(actual: Record<string, OutputTensor>, expected: Record<string, OutputTensor>): number {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const name of Object.keys(expected)) {
    assert.deepEqual(actual[name].dims, expected[name].dims, name);
    const a = Buffer.from(actual[name].data.buffer, actual[name].data.byteOffset, actual[name].data.byteLength);
    const e = Buffer.from(expected[name].data.buffer, expected[name].data.byteOffset, expected[name].data.byteLength);
    assert.ok(a.equals(e), `${name} differs from the row-replaced original`);
  }
  return Object.keys(expected).length;
}

/**
 * For both encoders of `models`: the rewritten encoder with placeholders at positions 2–3 (A, two
 * rows on te1 / one on te2) and 9–11 (B, three rows) of the first chunk, and B again in a second
 * chunk, against the original with ordinary ids carrying the same rows.
 */
async function knownAnswer(models: ComponentModels, widths: [number, number], modelsDir: string): Promise<void> {
  const a = embedding('a', [2, 1], widths, 1);
  const b = embedding('b', [3, 3], widths, 5);
  const set = setOf([a, b]);
  const rewritten = await embeddingEncoderModels(models, set, modelsDir, () => {});
  for (const [side, component, pad] of [
    ['first', 'text_encoder', EOS],
    ['second', 'text_encoder_2', 0],
  ] as const) {
    assert.notEqual(rewritten[component], models[component], `${component} is rewritten`);
    const ordinary = [1000, 1001, 1002, 2000, 2001, 2002, 3000].slice(0, a[side].rows + b[side].rows);
    const [aIds, bIds] = [set[side].get('a')!, set[side].get('b')!];
    const rows = [a, b].flatMap((e) =>
      Array.from({ length: e[side].rows }, (_, k) => e[side].data.subarray(k * e[side].width, (k + 1) * e[side].width)),
    );
    const [aOrd, bOrd] = [ordinary.slice(0, aIds.length), ordinary.slice(aIds.length)];
    const words = [320, 1125];
    const placeholders = [
      chunk([...words, ...aIds, 530, 531, 532, ...bIds, 533], pad),
      chunk([...bIds, ...words], pad),
    ];
    const reference = [chunk([...words, ...aOrd, 530, 531, 532, ...bOrd, 533], pad), chunk([...bOrd, ...words], pad)];
    const got = await runAll(rewritten[component], placeholders);
    const expected = await runAll(await withRowsReplaced(join(models[component], '..'), ordinary, rows), reference);
    assert.ok(assertSameOutputs(got, expected) >= 2, `${component}: hidden states and pooled compared`);
    // The check can fail: the untouched original reading the ordinary ids gives something else.
    const untouched = await runAll(models[component], reference);
    const last = Object.keys(untouched).find((n) => n.startsWith('last_hidden_state'))!;
    assert.ok(!Buffer.from(untouched[last].data.buffer).equals(Buffer.from(got[last].data.buffer)));
  }
}

const tiny = await tinyCheckpoint();
const synthetic = join(folder, 'synthetic');
for (const [component, arch, name, anonymous] of [
  ['text_encoder', SCALED_SDXL.textEncoder, 'synthetic_text_encoder', 2000],
  ['text_encoder_2', SCALED_SDXL.textEncoder2, 'synthetic_text_encoder_2', 3000],
] as const) {
  await mkdir(join(synthetic, component), { recursive: true });
  await buildClipTextEncoder(arch, 'float16', name, anonymous).write(join(synthetic, component), {
    external: true,
    seed: 7,
  });
}

test('tiny float32 encoders: at embedding positions the rewrite equals the original with those table rows replaced', async () => {
  await knownAnswer(originalModels(tiny.checkpointDir), [TINY_DIMS.te1Hidden, TINY_DIMS.te2Hidden], tiny.modelsDir);
});

test('scaled SDXL-layout float16 encoders with external data: the same known answer', async () => {
  const table = onnx.ModelProto.decode(
    await readFile(join(synthetic, 'text_encoder_2', 'model.onnx')),
  ).graph!.initializer!.find((t) => t.name === TABLE)!;
  assert.equal(table.dataType, DATA_TYPE.float16);
  assert.ok(externalRef(table), 'the table lives in model.onnx_data');
  const models = { ...originalModels(synthetic), unet: join(synthetic, 'unet', 'model.onnx') };
  await knownAnswer(models, [SCALED_SDXL.textEncoder.hidden, SCALED_SDXL.textEncoder2.hidden], folder);
});

/** A minimal CLIP-like encoder with int32 ids (as some Olive/DirectML exports declare them). */
async function writeInt32Encoder(dir: string, width: number): Promise<void> {
  const g = new GraphBuilder('int32_text_encoder');
  const ids = g.input('input_ids', 'int32', ['batch_size', 'sequence_length']);
  const tokens = g.node('Gather', [g.weight(TABLE, [49408, width], vectors(49408, width, width)), ids]);
  const state = g.node('Tanh', [g.node('Add', [tokens, g.scalar(0.25)])]);
  const eos = g.node('Cast', [g.node('ArgMax', [ids], { axis: 1, keepdims: 1 })], { to: ELEM.int64 });
  g.output(state, 'last_hidden_state', ['batch_size', 'sequence_length', width]);
  g.output(g.node('GatherND', [state, eos], { batch_dims: 1 }), 'pooler_output', ['batch_size', width]);
  await mkdir(dir, { recursive: true });
  await g.writeTo(dir, false);
}

test('an export with int32 input ids takes the rewrite too, with the same known answer', async () => {
  const root = join(folder, 'int32');
  await writeInt32Encoder(join(root, 'text_encoder'), 8);
  await writeInt32Encoder(join(root, 'text_encoder_2'), 12);
  await knownAnswer({ ...originalModels(root), unet: join(root, 'unet', 'model.onnx') }, [8, 12], folder);
});

test('the rewritten encoders are cached per embedding content and reused; no embeddings, no rewrite', async () => {
  const modelsDir = await mkdtemp(join(folder, 'cache-'));
  const models = originalModels(tiny.checkpointDir);
  const widths: [number, number] = [TINY_DIMS.te1Hidden, TINY_DIMS.te2Hidden];
  const one = setOf([embedding('x', [1, 2], widths, 3)]);
  const first = await embeddingEncoderModels(models, one, modelsDir, () => {});
  const again = await embeddingEncoderModels(models, setOf([embedding('x', [1, 2], widths, 3)]), modelsDir, () => {});
  assert.deepEqual(again, first);
  const other = await embeddingEncoderModels(models, setOf([embedding('x', [1, 2], widths, 4)]), modelsDir, () => {});
  assert.notEqual(other.text_encoder, first.text_encoder);
  assert.equal((await readdir(join(modelsDir, EMBEDDING_CACHE_FOLDER, 'text_encoder'))).length, 2);
  assert.deepEqual(await embeddingEncoderModels(models, setOf([]), modelsDir, () => {}), models);
});

test('vectors of the wrong width fail the job naming the file, the tensor and both widths', async () => {
  const wrong = embedding('wide', [1, 1], [TINY_DIMS.te1Hidden, TINY_DIMS.te2Hidden + 8], 2);
  await assert.rejects(
    embeddingEncoderModels(originalModels(tiny.checkpointDir), setOf([wrong]), folder, () => {}),
    (error: unknown) => {
      assert.ok(error instanceof EngineError && error.kind === 'invalid-input', String(error));
      assert.match(
        error.message,
        new RegExp(
          `text_encoder_2: embedding 'wide' \\(/embeddings/wide\\.safetensors\\): \`clip_g\` vectors are ${TINY_DIMS.te2Hidden + 8} wide, but text_encoder_2's token embedding is ${TINY_DIMS.te2Hidden} wide`,
        ),
      );
      return true;
    },
  );
});
