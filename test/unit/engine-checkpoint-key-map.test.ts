/**
 * The checkpoint key map (engine/import/checkpoint/sdxl-key-map.ts) against the tensor list of Stability AI's
 * sd_xl_base_1.0.safetensors (test/fixtures/sdxl-base-keys.json, derived from the public SGM/OpenCLIP/LDM module
 * definitions and configs; sources in its recipe): every tensor used exactly once with its shape, or ignored by
 * name; the UNet names agree with the SGM → diffusers table the LoRA mapper uses; the shapes infer FULL_SDXL.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkCheckpointKeys } from '../../engine/import/checkpoint/check-checkpoint-keys.ts';
import { foreignCheckpointProblem } from '../../engine/import/checkpoint/foreign-checkpoint.ts';
import { inferSdxlArchitecture } from '../../engine/import/checkpoint/infer-architecture.ts';
import { isIgnoredKey, sdxlKeyMap } from '../../engine/import/checkpoint/sdxl-key-map.ts';
import { UNET_PREFIX } from '../../engine/import/checkpoint/unet-keys.ts';
import type { TensorInfo } from '../../engine/import/tensor-source.ts';
import { sgmToDiffusers } from '../../engine/lora/sdxl-block-names.ts';
import { FULL_SDXL, FULL_SDXL_REFINER, SCALED_SDXL } from '../../engine/models/synthetic/sdxl-architecture.ts';
import { buildSdxlComponent, SDXL_COMPONENTS } from '../../engine/models/synthetic/synthetic-checkpoint.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/sdxl-base-keys.json', import.meta.url), 'utf8')) as {
  count: number;
  keys: Record<string, Record<string, number[]>>;
};
const real = new Map<string, number[]>();
for (const [prefix, group] of Object.entries(fixture.keys))
  for (const [name, shape] of Object.entries(group)) real.set(prefix + name, shape);

test('the fixture holds the 2515 tensors of sd_xl_base_1.0', () => {
  assert.equal(real.size, fixture.count);
  assert.equal(real.size, 2515);
});

test('every tensor of a real SDXL base checkpoint is used exactly once with its shape, or ignored by name', () => {
  const map = sdxlKeyMap(FULL_SDXL);
  const unused: string[] = [];
  const wrong: string[] = [];
  for (const [key, shape] of real) {
    const entry = map.keys.get(key);
    if (!entry) {
      if (!isIgnoredKey(key)) unused.push(key);
      continue;
    }
    assert.ok(!isIgnoredKey(key), `${key} is both mapped and ignored`);
    if (entry.shape.join() !== shape.join()) wrong.push(`${key}: map [${entry.shape}], checkpoint [${shape}]`);
  }
  assert.deepEqual(unused, [], 'checkpoint tensors neither mapped nor ignored');
  assert.deepEqual(wrong, [], 'shapes');
  assert.deepEqual(
    [...map.keys.keys()].filter((k) => !real.has(k)),
    [],
    'map keys a real checkpoint does not have',
  );
  assert.deepEqual([...real.keys()].filter(isIgnoredKey), [
    'conditioner.embedders.0.transformer.text_model.embeddings.position_ids',
    'conditioner.embedders.1.model.logit_scale',
  ]);
});

test('every parameter of the five full-size graphs is fed by exactly one checkpoint key', () => {
  const map = sdxlKeyMap(FULL_SDXL);
  let parameters = 0;
  for (const component of SDXL_COMPONENTS) {
    for (const p of buildSdxlComponent(component, FULL_SDXL, 'float32').parameters) {
      parameters++;
      const found = map.parameters.get(`${component}/${p.parameter}`);
      assert.ok(found, `${component} ${p.parameter}`);
      assert.deepEqual(found.target.shape, p.shape);
    }
  }
  assert.equal(map.parameters.size, parameters);
  const targets = [...map.keys.values()].reduce((n, k) => n + k.targets.length, 0);
  assert.equal(targets, parameters, 'no parameter counted under two keys');
});

test('the transforms: OpenCLIP q/k/v are slices of in_proj in order, text_projection is transposed, VAE attention reshaped', () => {
  const map = sdxlKeyMap(FULL_SDXL);
  const fused = map.keys.get('conditioner.embedders.1.model.transformer.resblocks.7.attn.in_proj_weight')!;
  assert.deepEqual(
    fused.targets.map((t) => [t.parameter, t.transform]),
    ['q', 'k', 'v'].map((x, part) => [
      `text_model.encoder.layers.7.self_attn.${x}_proj.weight`,
      { kind: 'slice', part, parts: 3 },
    ]),
  );
  assert.deepEqual(map.keys.get('conditioner.embedders.1.model.text_projection')!.targets[0].transform, {
    kind: 'transpose',
  });
  const q = map.keys.get('first_stage_model.decoder.mid.attn_1.q.weight')!.targets[0];
  assert.deepEqual(
    [q.component, q.parameter, q.shape, q.transform.kind],
    ['vae_decoder', 'decoder.mid_block.attentions.0.to_q.weight', [512, 512], 'reshape'],
  );
  const up = map.keys.get('first_stage_model.decoder.up.0.block.0.nin_shortcut.weight')!.targets[0];
  assert.equal(up.parameter, 'decoder.up_blocks.3.resnets.0.conv_shortcut.weight', 'LDM numbers up blocks reversed');
});

test('UNet checkpoint names agree with the SGM → diffusers table the kohya LoRA mapper uses', () => {
  for (const arch of [FULL_SDXL, SCALED_SDXL]) {
    for (const entry of sdxlKeyMap(arch).keys.values()) {
      const target = entry.targets[0];
      if (target.component !== 'unet') continue;
      const sgm = entry.key.slice(UNET_PREFIX.length).replace(/\.(weight|bias)$/, '');
      const module = target.parameter.replace(/\.(weight|bias)$/, '');
      assert.equal(sgmToDiffusers(sgm), module, entry.key);
    }
  }
});

test('the real tensor list infers FULL_SDXL, passes the key check and is recognised as SDXL base', () => {
  assert.equal(
    inferSdxlArchitecture((key) => real.get(key)),
    FULL_SDXL,
  );
  const tensors = new Map<string, TensorInfo>(
    [...real].map(([name, shape]) => [name, { name, dtype: name.endsWith('position_ids') ? 'I64' : 'F16', shape }]),
  );
  checkCheckpointKeys('sd_xl_base_1.0.safetensors', tensors, sdxlKeyMap(FULL_SDXL));
  assert.equal(foreignCheckpointProblem([...real.keys()]), undefined);
});

test('the refiner map follows sd_xl_refiner.yaml: bigG as embedders.0, attention at levels 1-2 only, mid depth 4, ADM 2560', () => {
  const map = sdxlKeyMap(FULL_SDXL_REFINER);
  const shape = (key: string) => map.keys.get(key)?.shape;
  assert.deepEqual(shape('model.diffusion_model.label_emb.0.0.weight'), [1536, 2560]);
  assert.deepEqual(shape('model.diffusion_model.input_blocks.0.0.weight'), [384, 4, 3, 3]);
  assert.deepEqual(shape('model.diffusion_model.input_blocks.4.1.transformer_blocks.3.attn2.to_k.weight'), [768, 1280]);
  assert.deepEqual(shape('model.diffusion_model.middle_block.1.transformer_blocks.3.attn2.to_v.weight'), [1536, 1280]);
  assert.equal(shape('model.diffusion_model.input_blocks.1.1.proj_in.weight'), undefined, 'no attention at level 0');
  assert.equal(shape('model.diffusion_model.input_blocks.10.1.proj_in.weight'), undefined, 'nor at level 3');
  // The first up block has no attention, so its upsampler follows the resnet directly.
  assert.deepEqual(shape('model.diffusion_model.output_blocks.2.1.conv.weight'), [1536, 1536, 3, 3]);
  assert.deepEqual(shape('model.diffusion_model.output_blocks.5.2.conv.weight'), [1536, 1536, 3, 3]);
  assert.deepEqual(shape('conditioner.embedders.0.model.text_projection'), [1280, 1280]);
  assert.ok(![...map.keys.keys()].some((k) => k.startsWith('conditioner.embedders.1.')));
  assert.equal(
    inferSdxlArchitecture((key) => map.keys.get(key)?.shape),
    FULL_SDXL_REFINER,
  );
});
