/**
 * A synthetic kohya-format SDXL LoRA covering every attention and resnet layer of a UNet
 * architecture (keys `lora_unet_<SGM path with _>.lora_down.weight` / `.lora_up.weight` / `.alpha`,
 * as kohya's sd-scripts writes them), streamed to a .safetensors file in fp16 like real LoRAs.
 * The module list is what a LoRA trained on all linear and conv layers of the UNet patches.
 */
import { open } from 'node:fs/promises';
import { float32ToFloat16Bits } from '../../onnx/float16.ts';
import type { UnetArchitecture } from './sdxl-architecture.ts';

export interface LoraModulePlan {
  /** diffusers path, e.g. `down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q`. */
  diffusers: string;
  /** kohya key stem, e.g. `lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q`. */
  kohya: string;
  inFeatures: number;
  outFeatures: number;
  kernel: 1 | 3;
}

const RESNET_TO_SGM: Record<string, string> = {
  conv1: 'in_layers.2',
  conv2: 'out_layers.3',
  time_emb_proj: 'emb_layers.1',
  conv_shortcut: 'skip_connection',
};

/**
 * diffusers → SGM (what kohya SDXL keys use); the inverse of engine/lora/sdxl-block-names.ts for SDXL's 3 layers per
 * block.
 */
export function diffusersToSgm(path: string): string {
  let m = /^down_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.+)$/.exec(path);
  if (m) {
    const block = 3 * Number(m[1]) + Number(m[3]) + 1;
    return m[2] === 'resnets' ? `input_blocks.${block}.0.${RESNET_TO_SGM[m[4]]}` : `input_blocks.${block}.1.${m[4]}`;
  }
  m = /^mid_block\.(resnets|attentions)\.(\d+)\.(.+)$/.exec(path);
  if (m)
    return m[1] === 'attentions'
      ? `middle_block.1.${m[3]}`
      : `middle_block.${m[2] === '0' ? 0 : 2}.${RESNET_TO_SGM[m[3]]}`;
  m = /^up_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.+)$/.exec(path);
  if (m) {
    const block = 3 * Number(m[1]) + Number(m[3]);
    return m[2] === 'resnets' ? `output_blocks.${block}.0.${RESNET_TO_SGM[m[4]]}` : `output_blocks.${block}.1.${m[4]}`;
  }
  throw new Error(`no SGM name for ${path}`);
}

/** Every attention Linear and resnet layer of the UNet, with its shape. */
export function unetLoraModules(arch: UnetArchitecture, contextWidth: number): LoraModulePlan[] {
  if (arch.layersPerBlock !== 2) throw new Error("kohya SGM block numbering assumes SDXL's 2 layers per down block");
  const plans: LoraModulePlan[] = [];
  const add = (diffusers: string, inFeatures: number, outFeatures: number, kernel: 1 | 3 = 1) =>
    plans.push({
      diffusers,
      kohya: `lora_unet_${diffusersToSgm(diffusers).replaceAll('.', '_')}`,
      inFeatures,
      outFeatures,
      kernel,
    });
  const resnet = (module: string, inC: number, outC: number) => {
    add(`${module}.conv1`, inC, outC, 3);
    add(`${module}.time_emb_proj`, arch.channels[0] * 4, outC);
    add(`${module}.conv2`, outC, outC, 3);
    if (inC !== outC) add(`${module}.conv_shortcut`, inC, outC);
  };
  const transformer = (module: string, width: number, depth: number) => {
    add(`${module}.proj_in`, width, width);
    for (let d = 0; d < depth; d++) {
      const block = `${module}.transformer_blocks.${d}`;
      for (const attn of ['attn1', 'attn2']) {
        const source = attn === 'attn1' ? width : contextWidth;
        add(`${block}.${attn}.to_q`, width, width);
        add(`${block}.${attn}.to_k`, source, width);
        add(`${block}.${attn}.to_v`, source, width);
        add(`${block}.${attn}.to_out.0`, width, width);
      }
      add(`${block}.ff.net.0.proj`, width, width * 8);
      add(`${block}.ff.net.2`, width * 4, width);
    }
    add(`${module}.proj_out`, width, width);
  };
  // The same walk as sdxl-unet-graph.ts, keeping only the layers a LoRA patches.
  const skips: number[] = [arch.channels[0]];
  let width = arch.channels[0];
  arch.channels.forEach((outC, i) => {
    for (let j = 0; j < arch.layersPerBlock; j++) {
      resnet(`down_blocks.${i}.resnets.${j}`, width, outC);
      width = outC;
      if (arch.depths[i] > 0) transformer(`down_blocks.${i}.attentions.${j}`, width, arch.depths[i]);
      skips.push(width);
    }
    if (i < arch.channels.length - 1) skips.push(width);
  });
  const last = arch.channels.length - 1;
  resnet('mid_block.resnets.0', width, width);
  transformer('mid_block.attentions.0', width, arch.depths[last]);
  resnet('mid_block.resnets.1', width, width);
  [...arch.channels].reverse().forEach((outC, i) => {
    for (let j = 0; j <= arch.layersPerBlock; j++) {
      resnet(`up_blocks.${i}.resnets.${j}`, width + skips.pop()!, outC);
      width = outC;
      if (arch.depths[last - i] > 0) transformer(`up_blocks.${i}.attentions.${j}`, width, arch.depths[last - i]);
    }
  });
  return plans;
}

/** Writes the LoRA; returns its byte size. Values: seeded, down ~ 1/√in, up small (a gentle LoRA). */
export async function writeKohyaLora(
  path: string,
  modules: readonly LoraModulePlan[],
  rank: number,
  seed = 7,
): Promise<number> {
  const entries: { key: string; shape: number[]; std: number; fill?: number }[] = [];
  for (const m of modules) {
    const r = Math.min(rank, m.inFeatures, m.outFeatures);
    entries.push({
      key: `${m.kohya}.lora_down.weight`,
      shape: m.kernel === 3 ? [r, m.inFeatures, 3, 3] : [r, m.inFeatures],
      std: 1 / Math.sqrt(m.inFeatures * m.kernel * m.kernel),
    });
    entries.push({
      key: `${m.kohya}.lora_up.weight`,
      shape: m.kernel === 3 ? [m.outFeatures, r, 1, 1] : [m.outFeatures, r],
      std: 0.01 / Math.sqrt(r),
    });
    entries.push({ key: `${m.kohya}.alpha`, shape: [], std: 0, fill: r / 2 });
  }
  const header: Record<string, unknown> = {
    __metadata__: { ss_network_module: 'networks.lora', ss_network_dim: String(rank), synthetic: 'true' },
  };
  let offset = 0;
  for (const e of entries) {
    const bytes = e.shape.reduce((a, b) => a * b, 1) * 2;
    header[e.key] = { dtype: 'F16', shape: e.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const headerBytes = Buffer.from(text, 'utf8');
  const handle = await open(path, 'w');
  try {
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(headerBytes.length));
    await handle.write(length, 0, 8, 0);
    await handle.write(headerBytes, 0, headerBytes.length, 8);
    let position = 8 + headerBytes.length;
    let state = seed >>> 0;
    for (const e of entries) {
      const count = e.shape.reduce((a, b) => a * b, 1);
      const out = new Uint16Array(count);
      const half = e.std * Math.sqrt(3);
      for (let i = 0; i < count; i++) {
        if (e.fill !== undefined) {
          out[i] = float32ToFloat16Bits(e.fill);
          continue;
        }
        state = (state + 0x6d2b79f5) | 0;
        let t = Math.imul(state ^ (state >>> 15), state | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        out[i] = float32ToFloat16Bits(((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * half);
      }
      const bytes = new Uint8Array(out.buffer);
      let done = 0;
      while (done < bytes.length)
        done += (await handle.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
      position += bytes.length;
    }
    return position;
  } finally {
    await handle.close();
  }
}
