/**
 * Issue 16's acceptance: a folder laid out like Fooocus's `models/`, holding test-written files of
 * every kind we import — a single-file SDXL checkpoint in A1111/SGM names, a kohya LoRA, an SDXL
 * embedding, a Control-LoRA, and PyTorch pickles of the ESRGAN upscaler, the inpaint head and patch,
 * an IP-Adapter plus, CLIP vision and the GPT-2 expansion — serves generations through both dialects
 * on the real server with `--fooocus-models` and no demo models: all-models lists the Fooocus names,
 * the first task imports what it uses, later tasks reuse the cache, and the Fooocus folder is never
 * written.
 * The checkpoint is the scaled SDXL (same graph code and names as the real one, fewer channels).
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { buildTinyVocab, TINY_POSITIVE_WORDS, TINY_PROMPT_WORDS } from '../../engine/expansion/tiny-expansion-vocab.ts';
import { findIpAttentionLayers } from '../../engine/ip-adapter/ip-attention-graph.ts';
import { TINY_CLIP, tinyClipVisionTensors } from '../../engine/ip-adapter/tiny-ip-models.ts';
import { exportSyntheticCheckpoint } from '../../engine/import/checkpoint/export-checkpoint.ts';
import { writeSafetensors } from '../../engine/lora/safetensors.ts';
import { unetLoraModules, writeKohyaLora } from '../../engine/models/synthetic/kohya-lora.ts';
import { contextWidth, SCALED_SDXL, type SdxlArchitecture } from '../../engine/models/synthetic/sdxl-architecture.ts';
import { writeSyntheticCheckpoint } from '../../engine/models/synthetic/synthetic-checkpoint.ts';
import { writeTestControlLora } from '../fixtures/control-lora-file.ts';
import { oldKeys, rrdbConvs, stateDict as esrganStateDict } from '../fixtures/esrgan-state-dict.ts';
import { gpt2Weights, writeFooocusFolder as writeExpansionFolder } from '../fixtures/fooocus-expansion-files.ts';
import { folderListing, generateFinished, imageSizeAt, type TaskRow } from '../fixtures/generated-results.ts';
import { makePng } from '../fixtures/images.ts';
import { PyDict, tensor, torchSave, Tuple, type PyValue } from '../fixtures/torch-save.ts';
import { startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';

/**
 * The scaled architecture without transformers at the middle level: inpaint always works on a
 * crop resized to about 1024² (Fooocus), where the middle level's self-attention over 64×64 tokens
 * took most of this file's time. The import code reads the block layout from the tensors either way.
 */
const ARCH: SdxlArchitecture = {
  ...SCALED_SDXL,
  name: 'scaled-lean',
  unet: { ...SCALED_SDXL.unet, depths: [0, 0, 2] },
};
const { onnx } = onnxProto;
const CHECKPOINT = 'scaledXL_v1Synthetic.safetensors';
const LORA = 'scaled_all_layers.safetensors';
const VAE = 'scaled_vae_fix.safetensors';
const SD15 = 'realisticVision_v51.safetensors';
const SEED = 2024;

let root: string;
let fooocus: string;
let server: ServerProcess;

/** An IP-Adapter plus state dict for `layers` (the scaled UNet's attn2 widths), nested as Fooocus's .bin holds it. */
function ipAdapterBin(layers: { key: number; value: number }[], embedding: number, output: number): PyDict {
  let state = 11;
  const rand = (n: number, std: number) =>
    Array.from({ length: n }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state / 2 ** 32 - 0.5) * 2 * std;
    });
  const dim = 64; // one 64-wide head: Fooocus's dim_head, which the conversion assumes for a .bin
  const proj: [string, PyValue][] = [];
  const w = (name: string, out: number, inDim: number) =>
    proj.push([name, tensor('FloatStorage', [out, inDim], rand(out * inDim, 1 / Math.sqrt(inDim)))]);
  const norm = (name: string, width: number) => {
    proj.push([`${name}.weight`, tensor('FloatStorage', [width], new Array<number>(width).fill(1))]);
    proj.push([`${name}.bias`, tensor('FloatStorage', [width], new Array<number>(width).fill(0))]);
  };
  proj.push(['latents', tensor('FloatStorage', [1, 4, dim], rand(4 * dim, 1))]);
  w('proj_in.weight', dim, embedding);
  proj.push(['proj_in.bias', tensor('FloatStorage', [dim], rand(dim, 0.05))]);
  norm('layers.0.0.norm1', dim);
  norm('layers.0.0.norm2', dim);
  w('layers.0.0.to_q.weight', dim, dim);
  w('layers.0.0.to_kv.weight', 2 * dim, dim);
  w('layers.0.0.to_out.weight', dim, dim);
  norm('layers.0.1.0', dim);
  w('layers.0.1.1.weight', 4 * dim, dim);
  w('layers.0.1.3.weight', dim, 4 * dim);
  w('proj_out.weight', output, dim);
  proj.push(['proj_out.bias', tensor('FloatStorage', [output], rand(output, 0.05))]);
  norm('norm_out', output);
  const kv: [string, PyValue][] = [];
  layers.forEach((layer, i) => {
    kv.push([
      `${2 * i + 1}.to_k_ip.weight`,
      tensor('FloatStorage', [layer.key, output], rand(layer.key * output, 0.2)),
    ]);
    kv.push([
      `${2 * i + 1}.to_v_ip.weight`,
      tensor('FloatStorage', [layer.value, output], rand(layer.value * output, 0.2)),
    ]);
  });
  return new PyDict(
    [
      ['image_proj', new PyDict(proj, true)],
      ['ip_adapter', new PyDict(kv, true)],
    ],
    true,
  );
}

async function writeFooocusFolder(dir: string, scratch: string): Promise<void> {
  for (const sub of [
    'checkpoints',
    'loras',
    'embeddings',
    'controlnet',
    'upscale_models',
    'inpaint',
    'clip_vision',
    'vae',
  ])
    await mkdir(join(dir, sub), { recursive: true });
  await exportSyntheticCheckpoint(join(dir, 'checkpoints', CHECKPOINT), ARCH, { seed: SEED });
  // An SD 1.5 checkpoint next to the SDXL one, as people keep them: listed, refused when named.
  await writeSafetensors(join(dir, 'checkpoints', SD15), {
    'cond_stage_model.transformer.text_model.embeddings.token_embedding.weight': {
      dtype: 'F32',
      shape: [4, 768],
      data: new Array<number>(4 * 768).fill(0),
    },
    'model.diffusion_model.input_blocks.0.0.weight': {
      dtype: 'F32',
      shape: [320, 4, 3, 3],
      data: new Float32Array(11520),
    },
  });
  // A separate VAE file (bare encoder./decoder. keys, other weights), as Fooocus's vae/ folder holds.
  await exportSyntheticCheckpoint(join(dir, 'vae', VAE), ARCH, {
    seed: SEED + 1,
    components: ['vae_encoder', 'vae_decoder'],
    isBareVae: true,
  });
  await writeKohyaLora(join(dir, 'loras', LORA), unetLoraModules(ARCH.unet, contextWidth(ARCH)), 4);
  const vectors = (n: number, width: number, scale: number) =>
    Array.from({ length: n * width }, (_, i) => Math.sin(i * scale) * 0.5);
  await writeSafetensors(join(dir, 'embeddings', 'scaled-style.safetensors'), {
    clip_l: { dtype: 'F32', shape: [2, ARCH.textEncoder.hidden], data: vectors(2, 16, 0.7) },
    clip_g: { dtype: 'F32', shape: [2, ARCH.textEncoder2.hidden], data: vectors(2, 32, 1.3) },
  });
  // A Control-LoRA is written against its base's encoder: the same weights as the checkpoint above.
  const base = join(scratch, 'base');
  await writeSyntheticCheckpoint(base, ARCH, { seed: SEED });
  await writeTestControlLora(
    join(dir, 'controlnet', 'control-lora-canny-rank128.safetensors'),
    ARCH.unet,
    join(base, 'unet'),
  );
  // PyTorch pickles, written in torch.save's zip format.
  await torchSave(
    esrganStateDict(oldKeys(rrdbConvs(2, 1), 'residual_block_')),
    join(dir, 'upscale_models', 'fooocus_upscaler_s409985e5.bin'),
  );
  const width = ARCH.unet.channels[0];
  await torchSave(
    new PyDict([['head', tensor('FloatStorage', [width, 5, 3, 3], new Float32Array(width * 45).fill(0.01))]]),
    join(dir, 'inpaint', 'fooocus_inpaint_head.pth'),
  );
  const quantised = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  await torchSave(
    new PyDict(
      [
        [
          'diffusion_model.input_blocks.0.0.weight',
          new Tuple([
            tensor('ByteStorage', [width, 4, 3, 3], new Array<number>(quantised([width, 4, 3, 3])).fill(140)),
            tensor('HalfStorage', [width, 1, 1, 1], new Array<number>(width).fill(-0.02)),
            tensor('HalfStorage', [width, 1, 1, 1], new Array<number>(width).fill(0.02)),
          ]),
        ],
      ],
      true,
    ),
    join(dir, 'inpaint', 'inpaint_v26.fooocus.patch'),
  );
  const clip = tinyClipVisionTensors(4);
  await torchSave(
    new PyDict(Object.entries(clip).map(([name, t]) => [name, tensor('FloatStorage', t.shape, t.data)])),
    join(dir, 'clip_vision', 'clip_vision_vit_h.bin'),
  );
  const unet = onnx.ModelProto.decode(await readFile(join(base, 'unet', 'model.onnx')));
  const layers = findIpAttentionLayers(unet).map((l) => ({ key: l.keyChannels!, value: l.valueChannels! }));
  const context = contextWidth(ARCH);
  await torchSave(
    ipAdapterBin(layers, TINY_CLIP.hidden, context),
    join(dir, 'controlnet', 'ip-adapter-plus_sdxl_vit-h.bin'),
  );
  await writeSafetensors(join(dir, 'controlnet', 'fooocus_ip_negative.safetensors'), {
    data: { dtype: 'F32', shape: [1, 4, context], data: new Array<number>(4 * context).fill(0) },
  });
  const vocab = buildTinyVocab([...TINY_POSITIVE_WORDS, ...TINY_PROMPT_WORDS]).size;
  await writeExpansionFolder(join(dir, 'prompt_expansion', 'fooocus_expansion'), 'HalfStorage', gpt2Weights(vocab));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fooocus-folder-e2e-'));
  fooocus = join(root, 'Fooocus', 'models');
  await writeFooocusFolder(fooocus, join(root, 'scratch'));
  server = await startServerProcess([
    '--data-dir',
    join(root, 'outputs'),
    '--models-dir',
    join(root, 'models'),
    '--fooocus-models',
    fooocus,
    '--no-demo-model',
  ]);
});
after(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

// 512² through overwrite_width/height: what is checked here does not depend on the size.
const FAST = {
  performance_selection: 'Lightning',
  aspect_ratios_selection: '1024*1024',
  overwrite_width: 512,
  overwrite_height: 512,
} as const;

function generate(body: Record<string, unknown>): Promise<TaskRow> {
  return generateFinished(server.url, { ...FAST, base_model_name: CHECKPOINT, ...body });
}

test('all-models lists the Fooocus checkpoint and LoRA by their Fooocus names before anything is imported', async () => {
  const res = await fetch(`${server.url}/v1/engines/all-models`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { model_filenames: string[]; lora_filenames: string[] };
  assert.deepEqual(body.model_filenames, [SD15, CHECKPOINT]);
  assert.deepEqual(body.lora_filenames, [LORA]);
});

test('legacy v1: text to image with the Fooocus checkpoint, its LoRA and an embedding imports on first use', async () => {
  const before = await folderListing(fooocus);
  const res = await fetch(`${server.url}/v1/generation/text-to-image`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      performance_selection: 'Lightning',
      advanced_params: { overwrite_width: 512, overwrite_height: 512 },
      prompt: 'a lighthouse embedding:scaled-style',
      base_model_name: CHECKPOINT,
      loras: [{ model_name: LORA, weight: 0.6 }],
      image_seed: 7,
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { url: string; finish_reason: string }[];
  assert.equal(body[0]?.finish_reason, 'SUCCESS', JSON.stringify(body));
  assert.deepEqual(await imageSizeAt(body[0].url), [512, 512]);
  const warnings = decodeURIComponent(res.headers.get('x-fooocus-warnings') ?? '');
  assert.doesNotMatch(warnings, /embedding/i, 'the embedding was found');
  assert.deepEqual(await folderListing(fooocus), before, 'the Fooocus folder is never written');
  const cache = await readdir(join(root, 'models', '.import-cache', 'checkpoint'));
  assert.equal(cache.filter((name) => /^[0-9a-f]{64}$/.test(name)).length, 1);
});

test('all-in-one: the imported checkpoint with a PyraCanny slot runs the Control-LoRA converted onto it', async () => {
  const edges = await makePng(96, 96);
  const row = await generate({
    prompt: 'a lighthouse',
    image_seed: 7,
    controlnet_image: [{ cn_img: edges.toString('base64'), cn_type: 'PyraCanny', cn_stop: 0.6, cn_weight: 1 }],
  });
  assert.equal(row.result.length, 1);
  assert.deepEqual(await imageSizeAt(row.result[0]), [512, 512]);
  assert.ok(!row.warnings.some((w) => /demo/i.test(w)), JSON.stringify(row.warnings));
  const link = join(root, 'models', 'controlnet', 'control-lora-canny-rank128');
  assert.ok((await lstat(link)).isSymbolicLink());
});

test('legacy v2: Upscale (2x) uses the ESRGAN upscaler converted from fooocus_upscaler_s409985e5.bin', async () => {
  const res = await fetch(`${server.url}/v2/generation/image-upscale-vary`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      performance_selection: 'Lightning',
      prompt: 'a lighthouse',
      base_model_name: CHECKPOINT,
      uov_method: 'Upscale (2x)',
      input_image: (await makePng(96, 80)).toString('base64'),
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { url: string; finish_reason: string }[];
  assert.equal(body[0]?.finish_reason, 'SUCCESS', JSON.stringify(body));
  const warnings = decodeURIComponent(res.headers.get('x-fooocus-warnings') ?? '');
  assert.doesNotMatch(warnings, /LANCZOS|demo/i, warnings);
  assert.ok((await lstat(join(root, 'models', 'upscale_models', 'fooocus_upscaler_s409985e5.onnx'))).isSymbolicLink());
});

test('all-in-one: inpaint runs the v2.6 engine converted from the .pth head and the .fooocus.patch', async () => {
  const rgba = new Uint8Array(128 * 128 * 4);
  for (let i = 0; i < 128 * 128; i++) {
    const [x, y] = [i % 128, Math.floor(i / 128)];
    rgba.set(x >= 40 && x < 88 && y >= 40 && y < 88 ? [255, 255, 255, 255] : [0, 0, 0, 255], i * 4);
  }
  const row = await generate({
    prompt: 'a boat',
    inpaint_input_image: (await makePng(128, 128)).toString('base64'),
    inpaint_mask_image_upload: (await makePng(128, 128, rgba)).toString('base64'),
  });
  assert.deepEqual(await imageSizeAt(row.result[0]), [128, 128]);
  assert.ok(!row.warnings.some((w) => /inpaint engine|engine None/i.test(w)), JSON.stringify(row.warnings));
});

test('all-in-one: an ImagePrompt slot runs the IP-Adapter and CLIP vision converted from their .bin files, and Fooocus V2 the converted GPT-2', async () => {
  const row = await generate({
    prompt: 'a lighthouse',
    style_selections: ['Fooocus V2'],
    controlnet_image: [{ cn_img: (await makePng(90, 70)).toString('base64'), cn_type: 'ImagePrompt' }],
  });
  assert.deepEqual(await imageSizeAt(row.result[0]), [512, 512]);
  assert.ok(!row.warnings.some((w) => /demo|Fooocus V2/i.test(w)), JSON.stringify(row.warnings));
  for (const link of [
    'ip_adapter/ip-adapter-plus_sdxl_vit-h',
    'clip_vision/clip_vision_vit_h',
    'prompt_expansion/fooocus_expansion',
  ])
    assert.ok((await lstat(join(root, 'models', link))).isSymbolicLink(), link);
  const cache = await readdir(join(root, 'models', '.import-cache', 'checkpoint'));
  assert.equal(cache.filter((name) => /^[0-9a-f]{64}$/.test(name)).length, 1, 'every task reused the one import');
});

test("vae_name: a Fooocus vae/ file is imported and decodes instead of the checkpoint's VAE (same seed, other pixels)", async () => {
  const same = { prompt: 'a lighthouse', image_seed: 11, save_meta_image: false };
  const own = await generate(same);
  const swapped = await generate({ ...same, vae_name: VAE });
  const bytes = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());
  assert.notDeepEqual(await bytes(swapped.result[0]), await bytes(own.result[0]));
  assert.ok(!swapped.warnings.some((w) => /vae_name/.test(w)), JSON.stringify(swapped.warnings));
  assert.ok((await lstat(join(root, 'models', 'vae', 'scaled_vae_fix'))).isSymbolicLink());
  const again = await generate(same);
  assert.deepEqual(await bytes(again.result[0]), await bytes(own.result[0]), "the checkpoint's own VAE is back");
});

test('a Fooocus checkpoint that is not SDXL is a 422 naming the field and the file, before anything is queued or imported', async () => {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({ ...FAST, prompt: 'a lighthouse', base_model_name: SD15 }),
  });
  assert.equal(res.status, 422, await res.clone().text());
  const body = await res.text();
  assert.match(body, /"loc":\["body","base_model_name"\]/);
  assert.match(body, /realisticVision_v51\.safetensors: is an SD 1\.x checkpoint/);
  const tasks = (await (await fetch(`${server.url}/tasks?page_size=100`)).json()) as {
    history: unknown[];
    current: unknown[];
  };
  assert.ok(!JSON.stringify(tasks).includes(SD15), 'no task was queued for it');
  assert.equal(await lstat(join(root, 'models', 'checkpoints', 'realisticVision_v51')).catch(() => null), null);
});
