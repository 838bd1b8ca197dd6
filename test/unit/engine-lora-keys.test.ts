import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { groupLoraKeys, parseLoraKey, unflattenKohyaName } from '../../engine/lora/lora-keys.ts';
import { SafetensorsReader, writeSafetensors } from '../../engine/lora/safetensors.ts';
import { sgmToDiffusers } from '../../engine/lora/sdxl-block-names.ts';

const dir = await mkdtemp(join(tmpdir(), 'engine-lora-keys-'));
after(() => rm(dir, { recursive: true, force: true }));

const CASES: [string, string | undefined][] = [
  // kohya SDXL keys (SGM block names)
  [
    'lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_down.weight',
    'unet down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q down',
  ],
  [
    'lora_unet_input_blocks_7_1_transformer_blocks_9_ff_net_0_proj.lora_up.weight',
    'unet down_blocks.2.attentions.0.transformer_blocks.9.ff.net.0.proj up',
  ],
  [
    'lora_unet_input_blocks_8_1_transformer_blocks_1_attn2_to_out_0.alpha',
    'unet down_blocks.2.attentions.1.transformer_blocks.1.attn2.to_out.0 alpha',
  ],
  ['lora_unet_input_blocks_1_0_in_layers_2.lora_down.weight', 'unet down_blocks.0.resnets.0.conv1 down'],
  ['lora_unet_input_blocks_1_0_emb_layers_1.lora_down.weight', 'unet down_blocks.0.resnets.0.time_emb_proj down'],
  ['lora_unet_input_blocks_3_0_op.lora_down.weight', 'unet down_blocks.0.downsamplers.0.conv down'],
  ['lora_unet_input_blocks_0_0.lora_down.weight', 'unet conv_in down'],
  ['lora_unet_middle_block_1_proj_in.lora_down.weight', 'unet mid_block.attentions.0.proj_in down'],
  ['lora_unet_middle_block_2_out_layers_3.lora_up.weight', 'unet mid_block.resnets.1.conv2 up'],
  [
    'lora_unet_output_blocks_0_1_transformer_blocks_0_attn1_to_k.lora_down.weight',
    'unet up_blocks.0.attentions.0.transformer_blocks.0.attn1.to_k down',
  ],
  ['lora_unet_output_blocks_5_1_proj_out.lora_up.weight', 'unet up_blocks.1.attentions.2.proj_out up'],
  ['lora_unet_output_blocks_8_0_skip_connection.lora_down.weight', 'unet up_blocks.2.resnets.2.conv_shortcut down'],
  ['lora_unet_output_blocks_2_2_conv.lora_down.weight', 'unet up_blocks.0.upsamplers.0.conv down'],
  ['lora_unet_time_embed_0.lora_down.weight', 'unet time_embedding.linear_1 down'],
  ['lora_unet_label_emb_0_2.lora_up.weight', 'unet add_embedding.linear_2 up'],
  ['lora_unet_out_2.lora_down.weight', 'unet conv_out down'],
  [
    'lora_te1_text_model_encoder_layers_11_self_attn_out_proj.lora_down.weight',
    'te1 text_model.encoder.layers.11.self_attn.out_proj down',
  ],
  ['lora_te2_text_model_encoder_layers_31_mlp_fc2.alpha', 'te2 text_model.encoder.layers.31.mlp.fc2 alpha'],
  ['lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight', 'te1 text_model.encoder.layers.0.mlp.fc1 up'],
  // kohya files with diffusers-style UNet names
  [
    'lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight',
    'unet down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q down',
  ],
  ['lora_unet_mid_block_resnets_0_time_emb_proj.lora_up.weight', 'unet mid_block.resnets.0.time_emb_proj up'],
  // diffusers / PEFT
  [
    'unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight',
    'unet down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q down',
  ],
  [
    'unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora_B.weight',
    'unet down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q up',
  ],
  [
    'unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.alpha',
    'unet down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q alpha',
  ],
  [
    'text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight',
    'te1 text_model.encoder.layers.0.self_attn.q_proj down',
  ],
  ['text_encoder_2.text_model.encoder.layers.0.mlp.fc1.lora_B.weight', 'te2 text_model.encoder.layers.0.mlp.fc1 up'],
  [
    'unet.mid_block.attentions.0.transformer_blocks.0.attn2.processor.to_out_lora.down.weight',
    'unet mid_block.attentions.0.transformer_blocks.0.attn2.to_out.0 down',
  ],
  [
    'unet.up_blocks.0.attentions.1.transformer_blocks.0.attn1.processor.to_k_lora.up.weight',
    'unet up_blocks.0.attentions.1.transformer_blocks.0.attn1.to_k up',
  ],
  ['unet.up_blocks.0.attentions.1.proj_in.lora_linear_layer.up.weight', 'unet up_blocks.0.attentions.1.proj_in up'],
  [
    'base_model.model.down_blocks.2.attentions.1.transformer_blocks.3.ff.net.2.lora_A.default.weight',
    'unet down_blocks.2.attentions.1.transformer_blocks.3.ff.net.2 down',
  ],
  // not understood
  ['lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.hada_w1_a', undefined],
  ['lora_unet_input_blocks_10_1_proj_in.lora_down.weight', undefined],
  ['lora_unet_output_blocks_9_0_in_layers_2.lora_down.weight', undefined],
  ['unet.down_blocks.0.resnets.0.conv1.dora_scale', undefined],
];

test('maps kohya (SGM names) and diffusers/PEFT LoRA keys to component, diffusers module path and role', () => {
  const actual = CASES.map(([key]) => {
    const parsed = parseLoraKey(key);
    return [key, parsed && `${parsed.component} ${parsed.modulePath} ${parsed.role}`];
  });
  assert.deepEqual(actual, CASES);
});

test('rebuilds flattened kohya names around module names that contain underscores', () => {
  assert.equal(
    unflattenKohyaName('text_model_encoder_layers_0_self_attn_out_proj'),
    'text_model.encoder.layers.0.self_attn.out_proj',
  );
  assert.equal(
    unflattenKohyaName('output_blocks_3_1_transformer_blocks_0_ff_net_2'),
    'output_blocks.3.1.transformer_blocks.0.ff.net.2',
  );
  assert.equal(sgmToDiffusers('output_blocks.5.2.conv'), 'up_blocks.1.upsamplers.0.conv');
  assert.equal(sgmToDiffusers('input_blocks.6.0.op'), 'down_blocks.1.downsamplers.0.conv');
  assert.equal(sgmToDiffusers('input_blocks.9.0.op'), undefined);
});

test('groups down/up/alpha tensors per module and lists halves without a partner and unknown keys', () => {
  const { modules, ignored } = groupLoraKeys([
    'lora_unet_input_blocks_4_1_proj_in.lora_down.weight',
    'lora_unet_input_blocks_4_1_proj_in.lora_up.weight',
    'lora_unet_input_blocks_4_1_proj_in.alpha',
    'lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight',
    'lora_unet_input_blocks_4_1_proj_out.hada_w2_b',
  ]);
  assert.deepEqual(modules, [
    {
      component: 'unet',
      modulePath: 'down_blocks.1.attentions.0.proj_in',
      down: 'lora_unet_input_blocks_4_1_proj_in.lora_down.weight',
      up: 'lora_unet_input_blocks_4_1_proj_in.lora_up.weight',
      alpha: 'lora_unet_input_blocks_4_1_proj_in.alpha',
    },
  ]);
  assert.deepEqual(ignored.sort(), [
    'lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight',
    'lora_unet_input_blocks_4_1_proj_out.hada_w2_b',
  ]);
});

test('reads F32, F16 and BF16 safetensors tensors by offset, with the header metadata', async () => {
  const path = join(dir, 'mixed.safetensors');
  await writeSafetensors(
    path,
    {
      a: { dtype: 'F32', shape: [2, 2], data: [1.25, -2, 3.5, 1e-3] },
      b: { dtype: 'F16', shape: [3], data: [0.5, -65504, 1 / 1024] },
      c: { dtype: 'BF16', shape: [2], data: [1.5, -0.0078125] },
    },
    { ss_network_alpha: '4' },
  );
  const bytes = await readFile(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0, 'header padded so tensor data stays 8-aligned');
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
  assert.deepEqual(header.c, { dtype: 'BF16', shape: [2], data_offsets: [22, 26] });
  assert.equal(bytes.readUInt16LE(8 + headerLength + 22), 0x3fc0, 'bf16(1.5) bit pattern');
  const reader = await SafetensorsReader.open(path);
  try {
    assert.deepEqual(reader.metadata, { ss_network_alpha: '4' });
    assert.deepEqual([...reader.entries.keys()], ['a', 'b', 'c']);
    assert.deepEqual(Array.from((await reader.readFloat32('a')).data), [1.25, -2, 3.5, Math.fround(1e-3)]);
    assert.deepEqual(Array.from((await reader.readFloat32('b')).data), [0.5, -65504, 1 / 1024]);
    const c = await reader.readFloat32('c');
    assert.deepEqual([Array.from(c.data), c.shape], [[1.5, -0.0078125], [2]]);
    await assert.rejects(reader.readFloat32('zz'), /no tensor named zz/);
  } finally {
    await reader.close();
  }
});

test('refuses a truncated safetensors file and an out-of-range tensor offset naming the file', async () => {
  const path = join(dir, 'bad.safetensors');
  await writeSafetensors(path, { a: { dtype: 'F32', shape: [4], data: [1, 2, 3, 4] } });
  const bytes = await readFile(path);
  await writeFile(path, bytes.subarray(0, bytes.length - 4));
  await assert.rejects(SafetensorsReader.open(path), /bad\.safetensors: tensor a lies outside the file/);
  await writeFile(path, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x7b]));
  await assert.rejects(SafetensorsReader.open(path), /header length .* exceeds/);
});
