/**
 * The real-size case in miniature (DECISIONS §6): an SDXL UNet's model.onnx_data is 5–10 GB and a
 * Node Buffer stops at 4 GiB. A sparse 5 GiB data file holds the LoRA targets beyond the 4 GiB mark;
 * the merge must read them by offset, stay far below the file size in memory and write only the
 * patched tensors. Runs in its own file so the memory figures are this merge's alone.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { ExternalFiles, externalRef, readInitializer } from '../../engine/lora/initializer-data.ts';
import { mergeLoras } from '../../engine/lora/merge.ts';
import { writeSafetensors } from '../../engine/lora/safetensors.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';
import { dyadic, UNET_NAMES, unetLikeGraph, writeFixtureModel } from '../fixtures/lora-models.ts';

const { onnx } = onnxProto;
const GiB = 2 ** 30;
const MB = 2 ** 20;
const root = await mkdtemp(join(tmpdir(), 'engine-lora-sparse-'));
after(() => rm(root, { recursive: true, force: true }));

const unetDir = join(root, 'checkpoints', 'big', 'unet');
// SDXL-sized layers: conv1 [320,320,3,3] (3.7 MB), proj_in [1280,320,1,1], to_q/to_k [1280,1280] (6.5 MB each).
const C = 320;
const INNER = 1280;
const placement = {
  conv1Bias: 0,
  conv1: 4 * GiB + 4096,
  projIn: 4 * GiB + 8 * MB,
  toK: 4 * GiB + 64 * MB,
  toQ: 4.5 * GiB,
};
const graph = unetLikeGraph(5, placement, { c: C, inner: INNER });

async function sparseSupport(): Promise<string | undefined> {
  try {
    await writeFixtureModel(unetDir, graph, { dataFileSize: 5 * GiB });
  } catch (error) {
    return `cannot create a 5 GiB sparse file in ${tmpdir()}: ${(error as Error).message}`;
  }
  const s = await stat(join(unetDir, 'model.onnx_data'));
  if (s.size !== 5 * GiB) return `the temp filesystem reports ${s.size} bytes for a 5 GiB sparse file`;
  if (s.blocks * 512 > 256 * MB)
    return `the temp filesystem does not keep files sparse (${Math.round((s.blocks * 512) / MB)} MB allocated)`;
  return undefined;
}

const skipReason = await sparseSupport();

const RANK = 16;
const factors = {
  lora_unet_input_blocks_1_0_in_layers_2: { down: [RANK, C, 3, 3], up: [C, RANK, 1, 1] },
  lora_unet_input_blocks_4_1_proj_in: { down: [RANK, C, 1, 1], up: [INNER, RANK, 1, 1] },
  lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q: { down: [RANK, INNER], up: [INNER, RANK] },
};
const values = Object.fromEntries(
  Object.entries(factors).map(([m, f], i) => [
    m,
    {
      down: dyadic(
        f.down.reduce((a, b) => a * b, 1),
        40 + i,
        4,
      ),
      up: dyadic(
        f.up.reduce((a, b) => a * b, 1),
        50 + i,
        4,
      ),
    },
  ]),
);
const WEIGHT = 0.75;
const ALPHA = 8;

test(
  'merges LoRAs into a > 4 GiB sparse external-data UNet by offset, in bounded memory, writing only the patched tensors',
  { skip: skipReason },
  async () => {
    const loraPath = join(root, 'big.safetensors');
    await writeSafetensors(
      loraPath,
      Object.fromEntries(
        Object.entries(factors).flatMap(([m, f]) => [
          [`${m}.lora_down.weight`, { dtype: 'F16' as const, shape: f.down, data: values[m].down }],
          [`${m}.lora_up.weight`, { dtype: 'F16' as const, shape: f.up, data: values[m].up }],
          [`${m}.alpha`, { dtype: 'F32' as const, shape: [], data: [ALPHA] }],
        ]),
      ),
    );

    const start = process.memoryUsage();
    let peakRss = start.rss;
    let peakBuffers = start.arrayBuffers;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    }, 2);
    const began = performance.now();
    let result;
    try {
      result = await mergeLoras(
        join(root, 'checkpoints', 'big', 'unet'),
        [{ path: loraPath, weight: WEIGHT }],
        join(root, 'checkpoints', '.lora-cache'),
      );
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - began) / 1000;
    const end = process.memoryUsage();
    peakRss = Math.max(peakRss, end.rss);
    peakBuffers = Math.max(peakBuffers, end.arrayBuffers);
    const rssGrowth = (peakRss - start.rss) / MB;
    const bufferGrowth = (peakBuffers - start.arrayBuffers) / MB;
    console.log(
      `sparse 5 GiB merge: ${seconds.toFixed(2)} s, peak rss +${rssGrowth.toFixed(1)} MB, peak arrayBuffers +${bufferGrowth.toFixed(1)} MB`,
    );
    assert.ok(rssGrowth < 200, `rss grew ${rssGrowth.toFixed(1)} MB`);
    assert.ok(bufferGrowth < 100, `arrayBuffers grew ${bufferGrowth.toFixed(1)} MB`);

    assert.deepEqual([...result.changed].sort(), [UNET_NAMES.conv1, UNET_NAMES.projIn, UNET_NAMES.toQ].sort());
    const setDir = dirname(result.modelPath);
    const sideName = `lora-${setDir.split('/').pop()}.onnx_data`;
    const changedBytes = (C * C * 9 + INNER * C + INNER * INNER) * 4;
    assert.equal((await stat(join(setDir, sideName))).size, changedBytes, 'side file = sum of the patched tensors');

    // Every patched value equals the original (read from beyond 4 GiB) plus the expected delta.
    const model = onnx.ModelProto.decode(await readFile(result.modelPath));
    const files = new ExternalFiles(setDir);
    try {
      const check = async (name: string, module: keyof typeof factors, isTransposed: boolean) => {
        const tensor = model.graph!.initializer!.find((t) => t.name === name)!;
        assert.equal(externalRef(tensor)!.location, sideName);
        const merged = new Float32Array((await readInitializer(tensor, files)).buffer);
        const base = graph.tensors.find((t) => t.name === name)!.values;
        const { down, up } = values[module];
        const out = factors[module].up[0];
        const k = down.length / RANK;
        const scale = WEIGHT * (ALPHA / RANK);
        let worst = 0;
        for (let o = 0; o < out; o++) {
          for (let j = 0; j < k; j++) {
            let d = 0;
            for (let r = 0; r < RANK; r++) d += up[o * RANK + r] * down[r * k + j];
            const index = isTransposed ? j * out + o : o * k + j;
            worst = Math.max(worst, Math.abs(merged[index] - (base[index] + scale * d)));
          }
        }
        assert.ok(worst < 1e-5, `${name}: worst error ${worst}`);
      };
      await check(UNET_NAMES.conv1, 'lora_unet_input_blocks_1_0_in_layers_2', false);
      await check(UNET_NAMES.projIn, 'lora_unet_input_blocks_4_1_proj_in', false);
      await check(UNET_NAMES.toQ, 'lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q', true);
      const toK = model.graph!.initializer!.find((t) => t.name === UNET_NAMES.toK)!;
      assert.deepEqual(externalRef(toK), {
        location: 'model.onnx_data',
        offset: placement.toK,
        length: INNER * INNER * 4,
      });
    } finally {
      await files.close();
    }

    // onnxruntime reads the unchanged to_k from beyond 4 GiB of the hard-linked original.
    const feeds = { sample: { data: dyadic(C * 64, 7, 4), dims: [1, C, 8, 8] } };
    const outputs: Float32Array[] = [];
    for (const path of [join(unetDir, 'model.onnx'), result.modelPath]) {
      const session = await OnnxSession.create(path, { provider: 'cpu', threads: 2 });
      outputs.push((await session.run(feeds)).out_sample.data);
      await session.release();
    }
    assert.equal(outputs[1].length, 64 * INNER);
    assert.ok(
      outputs[1].some((v, i) => Math.abs(v - outputs[0][i]) > 1e-3),
      'the merged model computes something else',
    );
  },
);
