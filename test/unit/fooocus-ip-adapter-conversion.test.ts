/**
 * IP-Adapter and CLIP vision files in PyTorch's format, as Fooocus downloads them
 * (`controlnet/ip-adapter-plus_sdxl_vit-h.bin`: `{'image_proj': {...}, 'ip_adapter': {...}}`; a CLIP
 * vision `pytorch_model.bin` with transformers' flat keys), written here in torch.save's format: the
 * existing conversions read them through openTensorSource and write the same graphs, byte for byte, as
 * from the .safetensors of the same tensors; `npm run models -- convert` takes the .bin and the engine
 * finds the result.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertClipVision, convertIpAdapter } from '../../engine/ip-adapter/convert/convert-files.ts';
import { findIpAdapter } from '../../engine/ip-adapter/ip-adapter-files.ts';
import {
  TINY_CLIP,
  TINY_RESAMPLER,
  tinyClipVisionTensors,
  tinyIpAdapterTensors,
  tinyIpNegativeTensors,
} from '../../engine/ip-adapter/tiny-ip-models.ts';
import { writeSafetensors, type TensorToWrite } from '../../engine/lora/safetensors.ts';
import { runModelsCli } from '../../src/models-cli/main.ts';
import { PyDict, tensor, torchSave, type PyValue } from '../fixtures/torch-save.ts';

const root = await mkdtemp(join(tmpdir(), 'fooocus-ip-adapter-'));

/** Tensors under `<group>.<rest>` nested as `{group: {rest: tensor}}`, like IP-Adapter's torch.save. */
function nested(tensors: Record<string, TensorToWrite>, groups: string[]): PyDict {
  const inner = new Map<string, [string, PyValue][]>(groups.map((g) => [g, []]));
  const top: [string, PyValue][] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const group = groups.find((g) => name.startsWith(`${g}.`));
    const value = tensor('FloatStorage', t.shape, t.data);
    if (group) inner.get(group)!.push([name.slice(group.length + 1), value]);
    else top.push([name, value]);
  }
  return new PyDict([...groups.map((g) => [g, new PyDict(inner.get(g)!, true)] as [string, PyValue]), ...top], true);
}

async function filesOf(dir: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = await readFile(join(dir, name));
  return out;
}

test('an IP-Adapter .bin with nested image_proj / ip_adapter dicts and a CLIP vision .bin convert to the same graphs as their .safetensors', async () => {
  const adapter = tinyIpAdapterTensors(5);
  await writeSafetensors(join(root, 'adapter.safetensors'), adapter);
  await torchSave(nested(adapter, ['image_proj', 'ip_adapter']), join(root, 'ip-adapter-plus_sdxl_vit-h.bin'));
  const options = { dimHead: TINY_RESAMPLER.dimHead };
  const fromSafetensors = await convertIpAdapter(join(root, 'adapter.safetensors'), join(root, 'st'), options);
  const fromBin = await convertIpAdapter(join(root, 'ip-adapter-plus_sdxl_vit-h.bin'), join(root, 'bin'), options);
  assert.deepEqual(fromBin, fromSafetensors);
  const binFiles = await filesOf(join(root, 'bin'));
  assert.deepEqual(Object.keys(binFiles), ['resampler.onnx', 'resampler.onnx_data', 'to_kv.onnx']);
  assert.deepEqual(binFiles, await filesOf(join(root, 'st')));

  const clip = tinyClipVisionTensors(7);
  await writeSafetensors(join(root, 'clip.safetensors'), clip);
  await torchSave(nested(clip, []), join(root, 'clip_vision_vit_h.bin'));
  const clipOptions = { heads: TINY_CLIP.heads };
  assert.deepEqual(
    await convertClipVision(join(root, 'clip_vision_vit_h.bin'), join(root, 'clip-bin'), clipOptions),
    await convertClipVision(join(root, 'clip.safetensors'), join(root, 'clip-st'), clipOptions),
  );
  assert.deepEqual(await filesOf(join(root, 'clip-bin')), await filesOf(join(root, 'clip-st')));
});

test('npm run models -- convert ip-adapter takes the .bin Fooocus downloads and the engine finds the adapter', async () => {
  const source = join(root, 'cli', 'ip-adapter-plus_sdxl_vit-h.bin');
  await mkdir(join(root, 'cli'), { recursive: true });
  await torchSave(nested(tinyIpAdapterTensors(6), ['image_proj', 'ip_adapter']), source);
  await writeSafetensors(join(root, 'cli', 'neg.safetensors'), tinyIpNegativeTensors(6));
  const models = join(root, 'cli', 'models');
  const lines: string[] = [];
  const code = await runModelsCli(
    [
      'convert',
      'ip-adapter',
      source,
      '--negative',
      join(root, 'cli', 'neg.safetensors'),
      '--dim-head',
      String(TINY_RESAMPLER.dimHead),
      '--models-dir',
      models,
    ],
    {},
    (l) => lines.push(l),
  );
  assert.equal(code, 0, lines.join('\n'));
  assert.match(lines.join('\n'), /resampler\.onnx .* and to_kv\.onnx/);
  const found = await findIpAdapter(models, 'ImagePrompt');
  assert.ok(
    !('reason' in found) && found.name === 'ip-adapter-plus_sdxl_vit-h' && !found.isDemo,
    JSON.stringify(found),
  );
});
