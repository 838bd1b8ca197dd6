/**
 * The IP-Adapter's own models at run time (fooocus-semantics.md §8.4): the CLIP vision tower on a
 * 224² CLIP-normalised image → penultimate hidden states → the adapter's Resampler → image tokens →
 * its per-layer to_k/to_v projections. The unconditional tokens are Fooocus's fixed negative
 * embedding through the same projections, computed once per adapter.
 */
import { SafetensorsReader } from '../lora/safetensors.ts';
import { resampleLanczos, type Bitmap8 } from '../image/lanczos-resample.ts';
import type { OnnxSession } from '../onnx/session.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import { EngineError } from '../errors.ts';
import { CLIP_VISION_FILE } from './convert/convert-files.ts';
import { CLIP_VISION_INPUT, CLIP_VISION_OUTPUT } from './convert/clip-vision-graph.ts';
import { RESAMPLER_INPUT, RESAMPLER_OUTPUT } from './convert/ip-adapter-graphs.ts';
import type { IpAdapterFiles, ModelFolder } from './ip-adapter-files.ts';
import { join } from 'node:path';

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
/** Fooocus stretches every image prompt to 224×224 (no aspect kept) before CLIP. */
export const IP_IMAGE_SIZE = 224;

/** One layer's image K and V for one batch row: [tokens, keyChannels] and [tokens, valueChannels]. */
export interface LayerTokens {
  k: Float32Array;
  v: Float32Array;
  tokens: number;
  keyChannels: number;
  valueChannels: number;
}

/** RGB → float32 [1, 3, S, S]: LANCZOS stretch to S×S, /255, CLIP mean/std per channel. */
export function clipPixels(image: Bitmap8, size: number): Float32Array {
  const resized = image.width === size && image.height === size ? image : resampleLanczos(image, size, size);
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++)
      out[c * plane + p] = (resized.data[p * resized.channels + c] / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
  }
  return out;
}

export class ClipVisionEncoder {
  private constructor(
    private readonly session: OnnxSession,
    readonly folder: ModelFolder,
    readonly imageSize: number,
  ) {}

  static async load(folder: ModelFolder, providers: ProviderSelector): Promise<ClipVisionEncoder> {
    const session = await providers.createSession(join(folder.dir, CLIP_VISION_FILE), `clip_vision/${folder.name}`);
    const input = session.input(CLIP_VISION_INPUT);
    if (!input || !session.outputs.some((o) => o.name === CLIP_VISION_OUTPUT)) {
      await session.release();
      throw new EngineError(
        'model-missing',
        `clip_vision/${folder.name}: expected input ${CLIP_VISION_INPUT} and output ${CLIP_VISION_OUTPUT} (convert the CLIP vision file with our converter; see README)`,
      );
    }
    const size = typeof input.shape[3] === 'number' ? input.shape[3] : IP_IMAGE_SIZE;
    return new ClipVisionEncoder(session, folder, size);
  }

  /** hidden_states[-2] for one image: { data [1, T, E], dims }. */
  async encode(image: Bitmap8): Promise<{ data: Float32Array; dims: number[] }> {
    const pixels = clipPixels(image, this.imageSize);
    const out = await this.session.run(
      { [CLIP_VISION_INPUT]: { data: pixels, dims: [1, 3, this.imageSize, this.imageSize] } },
      [CLIP_VISION_OUTPUT],
    );
    return out[CLIP_VISION_OUTPUT];
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export class IpAdapterModel {
  private unconditionalTokens: Promise<LayerTokens[]> | null = null;

  private constructor(
    private readonly resampler: OnnxSession,
    private readonly toKv: OnnxSession,
    readonly files: IpAdapterFiles,
    readonly layerCount: number,
  ) {}

  static async load(files: IpAdapterFiles, providers: ProviderSelector): Promise<IpAdapterModel> {
    const label = `ip_adapter/${files.name}`;
    const resampler = await providers.createSession(files.resampler, `${label}/resampler`);
    const toKv = await providers.createSession(files.toKv, `${label}/to_kv`);
    let layers = 0;
    while (
      toKv.outputs.some((o) => o.name === `ip_k_${layers}`) &&
      toKv.outputs.some((o) => o.name === `ip_v_${layers}`)
    )
      layers++;
    if (!resampler.input(RESAMPLER_INPUT) || layers === 0) {
      await resampler.release();
      await toKv.release();
      throw new EngineError(
        'model-missing',
        `${label}: not our conversion (resampler input ${RESAMPLER_INPUT}, to_kv outputs ip_k_<i>/ip_v_<i>); see README`,
      );
    }
    return new IpAdapterModel(resampler, toKv, files, layers);
  }

  /** Image tokens [1, N, D] → per-layer K/V. */
  private async project(tokens: { data: Float32Array; dims: number[] }): Promise<LayerTokens[]> {
    const names = Array.from({ length: this.layerCount }, (_, i) => [`ip_k_${i}`, `ip_v_${i}`]).flat();
    const out = await this.toKv.run({ [RESAMPLER_OUTPUT]: { data: tokens.data, dims: tokens.dims } }, names);
    return Array.from({ length: this.layerCount }, (_, i) => {
      const k = out[`ip_k_${i}`];
      const v = out[`ip_v_${i}`];
      return { k: k.data, v: v.data, tokens: k.dims[1], keyChannels: k.dims[2], valueChannels: v.dims[2] };
    });
  }

  /** CLIP penultimate hidden states of one image → its per-layer K/V (the conditional side). */
  async conditional(hidden: { data: Float32Array; dims: number[] }): Promise<LayerTokens[]> {
    const out = await this.resampler.run({ [RESAMPLER_INPUT]: { data: hidden.data, dims: hidden.dims } }, [
      RESAMPLER_OUTPUT,
    ]);
    return this.project(out[RESAMPLER_OUTPUT]);
  }

  /** The negative embedding's K/V (Fooocus's ip_unconds), once per loaded adapter. */
  unconditional(): Promise<LayerTokens[]> {
    this.unconditionalTokens ??= (async () => {
      const reader = await SafetensorsReader.open(this.files.negative);
      try {
        const name = reader.entries.has('data') ? 'data' : [...reader.entries.keys()][0];
        const negative = await reader.readFloat32(name);
        const width = negative.shape[negative.shape.length - 1];
        return this.project({ data: negative.data, dims: [1, negative.data.length / width, width] });
      } finally {
        await reader.close();
      }
    })();
    return this.unconditionalTokens;
  }

  async release(): Promise<void> {
    await this.resampler.release();
    await this.toKv.release();
  }
}
