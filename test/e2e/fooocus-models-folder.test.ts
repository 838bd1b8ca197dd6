/**
 * Issue 16's acceptance: a folder laid out like Fooocus's `models/`, holding test-written files of
 * every kind we import (a single-file SDXL checkpoint in A1111/SGM names, a kohya LoRA, an SDXL
 * embedding, a Control-LoRA, …), serves generations through both dialects on the real server with
 * `--fooocus-models` and no demo models: all-models lists the Fooocus names, the first task imports
 * what it uses (and says so), later tasks reuse the cache, and the Fooocus folder is never written.
 * The checkpoint is the scaled SDXL (same graph code and names as the real one, fewer channels).
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportSyntheticCheckpoint } from '../../engine/import/checkpoint/export-checkpoint.ts';
import { writeSafetensors } from '../../engine/lora/safetensors.ts';
import { unetLoraModules, writeKohyaLora } from '../../engine/models/synthetic/kohya-lora.ts';
import { contextWidth, SCALED_SDXL } from '../../engine/models/synthetic/sdxl-architecture.ts';
import { writeSyntheticCheckpoint } from '../../engine/models/synthetic/synthetic-checkpoint.ts';
import { sniffImage } from '../../src/images/sniff-image.ts';
import { writeTestControlLora } from '../fixtures/control-lora-file.ts';
import { makePng } from '../fixtures/images.ts';
import { startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';

const CHECKPOINT = 'scaledXL_v1Synthetic.safetensors';
const LORA = 'scaled_all_layers.safetensors';
const SEED = 2024;

let root: string;
let fooocus: string;
let server: ServerProcess;

/** Every entry under `dir` with size and mtime. */
async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const info = await lstat(join(dir, name));
    out.push(`${name}:${info.size}:${info.mtimeMs}`);
  }
  return out;
}

async function writeFooocusFolder(dir: string, scratch: string): Promise<void> {
  for (const sub of ['checkpoints', 'loras', 'embeddings', 'controlnet'])
    await mkdir(join(dir, sub), { recursive: true });
  await exportSyntheticCheckpoint(join(dir, 'checkpoints', CHECKPOINT), SCALED_SDXL, { seed: SEED });
  await writeKohyaLora(join(dir, 'loras', LORA), unetLoraModules(SCALED_SDXL.unet, contextWidth(SCALED_SDXL)), 4);
  const vectors = (n: number, width: number, scale: number) =>
    Array.from({ length: n * width }, (_, i) => Math.sin(i * scale) * 0.5);
  await writeSafetensors(join(dir, 'embeddings', 'scaled-style.safetensors'), {
    clip_l: { dtype: 'F32', shape: [2, SCALED_SDXL.textEncoder.hidden], data: vectors(2, 16, 0.7) },
    clip_g: { dtype: 'F32', shape: [2, SCALED_SDXL.textEncoder2.hidden], data: vectors(2, 32, 1.3) },
  });
  // A Control-LoRA is written against its base's encoder: the same weights as the checkpoint above.
  const base = join(scratch, 'base');
  await writeSyntheticCheckpoint(base, SCALED_SDXL, { seed: SEED });
  await writeTestControlLora(
    join(dir, 'controlnet', 'control-lora-canny-rank128.safetensors'),
    SCALED_SDXL.unet,
    join(base, 'unet'),
  );
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

const FAST = { performance_selection: 'Lightning', aspect_ratios_selection: '1024*1024' } as const;

async function imageSize(url: string): Promise<[number, number]> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  const info = sniffImage(Buffer.from(await res.arrayBuffer()));
  return [info!.width, info!.height];
}

interface Row {
  task_status: string;
  result: string[];
  error: string | null;
  warnings: string[];
}

async function generate(body: Record<string, unknown>): Promise<Row> {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({ ...FAST, base_model_name: CHECKPOINT, ...body }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const row = (await res.json()) as Row;
  assert.equal(row.error ?? null, null, JSON.stringify(row));
  assert.equal(row.task_status, 'finished', JSON.stringify(row));
  return row;
}

test('all-models lists the Fooocus checkpoint and LoRA by their Fooocus names before anything is imported', async () => {
  const res = await fetch(`${server.url}/v1/engines/all-models`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { model_filenames: string[]; lora_filenames: string[] };
  assert.deepEqual(body.model_filenames, [CHECKPOINT]);
  assert.deepEqual(body.lora_filenames, [LORA]);
});

test('legacy v1: text to image with the Fooocus checkpoint, its LoRA and an embedding imports on first use', async () => {
  const before = await listing(fooocus);
  const res = await fetch(`${server.url}/v1/generation/text-to-image`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      ...FAST,
      prompt: 'a lighthouse embedding:scaled-style',
      base_model_name: CHECKPOINT,
      loras: [{ model_name: LORA, weight: 0.6 }],
      image_seed: 7,
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { url: string; finish_reason: string }[];
  assert.equal(body[0]?.finish_reason, 'SUCCESS', JSON.stringify(body));
  assert.deepEqual(await imageSize(body[0].url), [1024, 1024]);
  const warnings = decodeURIComponent(res.headers.get('x-fooocus-warnings') ?? '');
  assert.doesNotMatch(warnings, /embedding/i, 'the embedding was found');
  assert.deepEqual(await listing(fooocus), before, 'the Fooocus folder is never written');
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
  assert.deepEqual(await imageSize(row.result[0]), [1024, 1024]);
  assert.ok(!row.warnings.some((w) => /demo/i.test(w)), JSON.stringify(row.warnings));
  const link = join(root, 'models', 'controlnet', 'control-lora-canny-rank128');
  assert.ok((await lstat(link)).isSymbolicLink());
});
