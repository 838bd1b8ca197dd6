/**
 * A folder laid out like Fooocus's `models/`, holding test-written PyTorch and safetensors files of each
 * type converted without a base checkpoint, imported through FooocusImports (the server's first-use path
 * and `npm run models -- import`): each result is what the engine's own finder picks up, the Fooocus
 * folder is not written, a second import reuses the cache; the same files through `npm run models -- convert`.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { findExpansionModel } from '../../engine/expansion/expansion-files.ts';
import { buildTinyVocab, TINY_POSITIVE_WORDS, TINY_PROMPT_WORDS } from '../../engine/expansion/tiny-expansion-vocab.ts';
import { fooocusConverters } from '../../engine/import/fooocus-converters.ts';
import { FooocusImports } from '../../engine/import/fooocus-imports.ts';
import { findInpaintEngine } from '../../engine/inpaint/inpaint-engine-files.ts';
import { findClipVision, findIpAdapter } from '../../engine/ip-adapter/ip-adapter-files.ts';
import {
  TINY_CLIP,
  TINY_RESAMPLER,
  tinyClipVisionTensors,
  tinyIpAdapterTensors,
  tinyIpNegativeTensors,
} from '../../engine/ip-adapter/tiny-ip-models.ts';
import { writeSafetensors } from '../../engine/lora/safetensors.ts';
import { findUpscaler } from '../../engine/uov/upscaler-files.ts';
import { folderListing } from '../fixtures/generated-results.ts';
import { runModelsCli } from '../../src/models-cli/main.ts';
import { oldKeys, rrdbConvs, stateDict } from '../fixtures/esrgan-state-dict.ts';
import { gpt2Weights, writeFooocusFolder } from '../fixtures/fooocus-expansion-files.ts';
import { PyDict, tensor, torchSave, Tuple } from '../fixtures/torch-save.ts';

async function writeFooocusModels(fooocus: string): Promise<void> {
  for (const folder of ['upscale_models', 'inpaint', 'controlnet', 'clip_vision', 'checkpoints'])
    await mkdir(join(fooocus, folder), { recursive: true });
  await torchSave(
    stateDict(oldKeys(rrdbConvs(2, 1), 'residual_block_')),
    join(fooocus, 'upscale_models', 'fooocus_upscaler_s409985e5.bin'),
  );
  await torchSave(
    new PyDict([['head', tensor('FloatStorage', [8, 5, 3, 3], new Float32Array(360).fill(0.01))]]),
    join(fooocus, 'inpaint', 'fooocus_inpaint_head.pth'),
  );
  await torchSave(
    new PyDict(
      [
        [
          'diffusion_model.input_blocks.0.0.weight',
          new Tuple([
            tensor('ByteStorage', [8, 4, 3, 3], new Array<number>(288).fill(128)),
            tensor('HalfStorage', [8, 1, 1, 1], new Array<number>(8).fill(-0.01)),
            tensor('HalfStorage', [8, 1, 1, 1], new Array<number>(8).fill(0.01)),
          ]),
        ],
      ],
      true,
    ),
    join(fooocus, 'inpaint', 'inpaint_v26.fooocus.patch'),
  );
  const adapter = tinyIpAdapterTensors(3);
  const grouped = (prefix: string) =>
    new PyDict(
      Object.entries(adapter)
        .filter(([name]) => name.startsWith(`${prefix}.`))
        .map(([name, t]) => [name.slice(prefix.length + 1), tensor('FloatStorage', t.shape, t.data)]),
      true,
    );
  await torchSave(
    new PyDict(
      [
        ['image_proj', grouped('image_proj')],
        ['ip_adapter', grouped('ip_adapter')],
      ],
      true,
    ),
    join(fooocus, 'controlnet', 'ip-adapter-plus_sdxl_vit-h.bin'),
  );
  await writeSafetensors(join(fooocus, 'controlnet', 'fooocus_ip_negative.safetensors'), tinyIpNegativeTensors(3));
  await writeSafetensors(join(fooocus, 'controlnet', 'control-lora-canny-rank128.safetensors'), {
    'lora_controlnet.x': { dtype: 'F32', shape: [1], data: [0] },
  });
  await torchSave(
    new PyDict(
      Object.entries(tinyClipVisionTensors(4)).map(([name, t]) => [name, tensor('FloatStorage', t.shape, t.data)]),
    ),
    join(fooocus, 'clip_vision', 'clip_vision_vit_h.bin'),
  );
  const vocab = buildTinyVocab([...TINY_POSITIVE_WORDS, ...TINY_PROMPT_WORDS]).size;
  await writeFooocusFolder(join(fooocus, 'prompt_expansion', 'fooocus_expansion'), 'HalfStorage', gpt2Weights(vocab));
}

test('each Fooocus file converts through the import cache to what the engine finds, once, and the Fooocus folder is untouched', async () => {
  const root = await mkdtemp(join(tmpdir(), 'fooocus-models-'));
  const fooocus = join(root, 'Fooocus', 'models');
  const models = join(root, 'models');
  await writeFooocusModels(fooocus);
  const before = await folderListing(fooocus);
  const converters = fooocusConverters({ ipDimHead: TINY_RESAMPLER.dimHead, clipHeads: TINY_CLIP.heads });
  const imports = new FooocusImports(models, fooocus, converters);
  const kinds = ['upscaler', 'inpaint-head', 'inpaint-patch', 'ip-adapter', 'ip-negative', 'clip-vision', 'expansion'];
  const lines: string[] = [];
  const linked = await imports.installKinds(kinds as never, { log: (line) => lines.push(line) });
  assert.deepEqual(linked.map((path) => relative(models, path)).sort(), [
    'clip_vision/clip_vision_vit_h',
    'inpaint/fooocus_inpaint_head.safetensors',
    'inpaint/inpaint_v26.fooocus.safetensors',
    'ip_adapter/fooocus_ip_negative.safetensors',
    'ip_adapter/ip-adapter-plus_sdxl_vit-h',
    'prompt_expansion/fooocus_expansion',
    'upscale_models/fooocus_upscaler_s409985e5.onnx',
  ]);
  assert.equal(lines.filter((line) => line.startsWith('imported ')).length, 6, lines.join('\n'));
  assert.deepEqual(await folderListing(fooocus), before, 'the Fooocus folder is only read');
  lines.length = 0;
  await imports.installKinds(kinds as never, { log: (line) => lines.push(line) });
  assert.deepEqual(lines, [], 'a second import reuses the cache');

  assert.equal((await findUpscaler(models))?.name, 'fooocus_upscaler_s409985e5.onnx');
  assert.ok('files' in (await findInpaintEngine(models, 'v2.6')));
  const adapter = await findIpAdapter(models, 'ImagePrompt');
  assert.ok(
    !('reason' in adapter) &&
      adapter.name === 'ip-adapter-plus_sdxl_vit-h' &&
      adapter.negative.endsWith('ip_negative.safetensors'),
    JSON.stringify(adapter),
  );
  assert.equal((await findClipVision(models))?.name, 'clip_vision_vit_h');
  const expansion = await findExpansionModel(models);
  assert.ok(expansion.files, 'reason' in expansion ? expansion.reason : '');
  const leftovers = (await folderListing(models)).filter((p) => p.includes('.partial'));
  assert.deepEqual(leftovers, [], 'no staging files are left behind');
});

test('npm run models -- convert upscaler|inpaint|expansion converts Fooocus files where the engine looks', async () => {
  const root = await mkdtemp(join(tmpdir(), 'fooocus-models-cli-'));
  const fooocus = join(root, 'Fooocus', 'models');
  const models = join(root, 'models');
  await writeFooocusModels(fooocus);
  const lines: string[] = [];
  const run = (...args: string[]) =>
    runModelsCli(['convert', ...args, '--models-dir', models], {}, (l) => lines.push(l));
  assert.equal(await run('upscaler', join(fooocus, 'upscale_models', 'fooocus_upscaler_s409985e5.bin')), 0);
  assert.equal(await run('inpaint', join(fooocus, 'inpaint', 'fooocus_inpaint_head.pth')), 0);
  assert.equal(await run('inpaint', join(fooocus, 'inpaint', 'inpaint_v26.fooocus.patch')), 0);
  const before = await findExpansionModel(models);
  assert.ok(!before.files);
  assert.equal(await run('expansion', join(fooocus, 'prompt_expansion', 'fooocus_expansion')), 0);
  assert.match(lines.join('\n'), /×4 RRDBNet \(2 blocks, 4 features\)/);
  assert.match(lines.join('\n'), /1 dequantised weight deltas/);
  assert.match(lines.join('\n'), /GPT-2 \(2 layers, 8 wide, .*\) with a KV cache/);
  assert.equal((await findUpscaler(models))?.name, 'fooocus_upscaler_s409985e5.onnx');
  assert.ok('files' in (await findInpaintEngine(models, 'v2.6')));
  assert.ok((await findExpansionModel(models)).files);
  await assert.rejects(run('expansion', join(fooocus, 'inpaint')), /no pytorch_model\.bin/);
});
