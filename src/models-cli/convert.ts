/**
 * `convert ip-adapter|clip-vision <file.safetensors|file.bin>`: our conversions (engine/ip-adapter/convert)
 * of Fooocus's IP-Adapter and CLIP vision files (safetensors, or torch.save pickles read by the safe
 * reader in engine/import/torch) into the ONNX graphs the engine loads, written to
 * models/ip_adapter/<name>/ and models/clip_vision/<name>/ (name: --name, else the file's stem); Fooocus's
 * upscaler, inpaint and expansion files through convert-fooocus.ts.
 */
import { basename, join } from 'node:path';
import { CLIP_VISION_FOLDER, convertClipVision, convertIpAdapter, IP_ADAPTER_FOLDER } from '../../engine/index.ts';
import { convertFooocusFile, FOOOCUS_CONVERSIONS } from './convert-fooocus.ts';

export interface ConvertOptions {
  modelsDir: string;
  what: string;
  source: string;
  name?: string;
  /** fooocus_ip_negative.safetensors, copied beside the adapter. */
  negative?: string;
  /** Resampler head width (safetensors may say it in metadata; a .bin cannot). */
  dimHead?: number;
  /** CLIP vision attention heads (likewise). */
  heads?: number;
  out: (line: string) => void;
}

export async function convert(options: ConvertOptions): Promise<void> {
  const name = options.name ?? basename(options.source).replace(/\.(safetensors|bin|pth)$/i, '');
  if (options.what === 'ip-adapter') {
    const dir = join(options.modelsDir, IP_ADAPTER_FOLDER, name);
    const result = await convertIpAdapter(options.source, dir, {
      negative: options.negative,
      dimHead: options.dimHead,
    });
    options.out(
      `${dir}: resampler.onnx (${result.tokens} image tokens) and to_kv.onnx (${result.layers} cross-attention layers)${options.negative ? ' and ip_negative.safetensors' : ''}`,
    );
    return;
  }
  if (options.what === 'clip-vision') {
    const dir = join(options.modelsDir, CLIP_VISION_FOLDER, name);
    const result = await convertClipVision(options.source, dir, { heads: options.heads });
    options.out(
      `${dir}: model.onnx (${result.imageSize}² input, ${result.tokens}×${result.hidden} penultimate hidden states)`,
    );
    return;
  }
  if (await convertFooocusFile(options.what, options.source, options.modelsDir, options.out)) return;
  throw new Error(
    `convert: '${options.what}' is unknown; convert ip-adapter|clip-vision|${FOOOCUS_CONVERSIONS.join('|')} <file>`,
  );
}
