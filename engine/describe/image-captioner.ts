/**
 * Describe → Photo (fooocus-semantics §9) on an image captioner exported the way transformers.js
 * and optimum lay it out: a vision encoder (pixel_values → last_hidden_state) and a text decoder
 * (input_ids + encoder_hidden_states → logits), with tokenizer.json, config.json and
 * preprocessor_config.json beside them. Fooocus's BLIP settings: the image resized to the
 * processor's square (384² with CLIP mean/std when the file says nothing), one caption by nucleus
 * sampling (caption-sampling.ts), min 10 / max 75 new tokens, the `a picture of ` prefix removed.
 * The decoder runs without a cache (the whole sequence each step): a caption is under 80 tokens.
 * Resizing is LANCZOS where the processors use bicubic: the engine has one Pillow-exact resampler,
 * and a captioner is not sensitive to the difference.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import { resampleLanczos } from '../image/lanczos-resample.ts';
import type { FeedTensor, OnnxSession, TensorInfo } from '../onnx/session.ts';
import { CaptionTokenizer } from './caption-tokenizer.ts';
import { CAPTION_SEED, MAX_NEW_TOKENS, nextToken, seededUniform } from './caption-sampling.ts';
import type { CaptionerFiles } from './describe-files.ts';

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
const BLIP_SIZE = 384;
/** Fooocus prompts BLIP with this and cuts it from the caption. */
const PROMPT_PREFIX = 'a picture of ';

export interface CaptionerSettings {
  width: number;
  height: number;
  mean: number[];
  std: number[];
  rescale: number;
  isNormalized: boolean;
  startId: number;
  eosIds: Set<number>;
}

type Json = Record<string, unknown>;

async function readJson(path: string): Promise<Json> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Json;
  } catch {
    return {};
  }
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const sub = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {});
function triple(value: unknown, fallback: number[]): number[] {
  if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number')) return value as number[];
  return typeof value === 'number' ? [value, value, value] : fallback;
}

/** Settings from the export's JSON files; what they leave out is BLIP's (Fooocus's model). */
export function captionerSettings(preprocessor: Json, config: Json, generation: Json): CaptionerSettings {
  const size = preprocessor.size;
  const sized = sub(size);
  const side = num(size) ?? num(sized.shortest_edge) ?? BLIP_SIZE;
  const decoder = sub(config.decoder);
  const text = sub(config.text_config);
  const startId =
    num(generation.decoder_start_token_id) ??
    num(config.decoder_start_token_id) ??
    num(decoder.decoder_start_token_id) ??
    num(decoder.bos_token_id) ??
    num(text.bos_token_id) ??
    num(config.bos_token_id);
  if (startId === undefined) {
    throw new EngineError('runtime-failure', 'the captioner config names no decoder_start_token_id or bos_token_id');
  }
  const eosIds = new Set<number>();
  const eosSources = [generation.eos_token_id, config.eos_token_id, decoder.eos_token_id];
  eosSources.push(text.eos_token_id, text.sep_token_id);
  for (const value of eosSources) {
    for (const id of Array.isArray(value) ? value : [value]) if (num(id) !== undefined) eosIds.add(id as number);
  }
  return {
    width: num(sized.width) ?? side,
    height: num(sized.height) ?? side,
    mean: triple(preprocessor.image_mean, CLIP_MEAN),
    std: triple(preprocessor.image_std, CLIP_STD),
    rescale: preprocessor.do_rescale === false ? 1 : (num(preprocessor.rescale_factor) ?? 1 / 255),
    isNormalized: preprocessor.do_normalize !== false,
    startId,
    eosIds,
  };
}

export function captionerPixels(rgb: Bitmap8, settings: CaptionerSettings): FeedTensor {
  const { width, height } = settings;
  const resized = resampleLanczos(rgb, width, height);
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = resized.data[p * 3 + c] * settings.rescale;
      data[c * plane + p] = settings.isNormalized ? (v - settings.mean[c]) / settings.std[c] : v;
    }
  }
  return { data, dims: [1, 3, height, width] };
}

/** A zero-length past key/value for optimum's merged decoder: [batch 1, heads, 0, head_dim]. */
function emptyPast(info: TensorInfo): FeedTensor {
  const dims = info.shape.map((d, i) => (i === 2 ? 0 : typeof d === 'number' ? d : 1));
  return { data: new Float32Array(0), dims };
}

export function stripPromptPrefix(caption: string): string {
  return caption.toLowerCase().startsWith(PROMPT_PREFIX) ? caption.slice(PROMPT_PREFIX.length) : caption;
}

export class ImageCaptioner {
  private constructor(
    private readonly encoder: OnnxSession,
    private readonly decoder: OnnxSession,
    private readonly tokenizer: CaptionTokenizer,
    readonly settings: CaptionerSettings,
  ) {}

  static async load(files: CaptionerFiles, open: (path: string, label: string) => Promise<OnnxSession>) {
    const [preprocessor, config, generation, tokenizerText] = await Promise.all([
      readJson(join(files.dir, 'preprocessor_config.json')),
      readJson(join(files.dir, 'config.json')),
      readJson(join(files.dir, 'generation_config.json')),
      readFile(join(files.dir, 'tokenizer.json'), 'utf8'),
    ]);
    const settings = captionerSettings(preprocessor, config, generation);
    const encoder = await open(files.encoder, 'caption encoder');
    const decoder = await open(files.decoder, 'caption decoder');
    return new ImageCaptioner(encoder, decoder, CaptionTokenizer.parse(tokenizerText), settings);
  }

  async caption(rgb: Bitmap8): Promise<string> {
    const encoderOut = this.encoder.outputs.find((o) => o.name === 'last_hidden_state') ?? this.encoder.outputs[0];
    const pixels = { [this.encoder.inputs[0].name]: captionerPixels(rgb, this.settings) };
    const encoded = (await this.encoder.run(pixels, [encoderOut.name]))[encoderOut.name];
    const logitsName = (this.decoder.outputs.find((o) => o.name === 'logits') ?? this.decoder.outputs[0]).name;
    const uniform = seededUniform(CAPTION_SEED);
    const ids = [this.settings.startId];
    for (let generated = 0; generated < MAX_NEW_TOKENS; generated++) {
      const feeds = this.decoderFeeds(ids, encoded.data, encoded.dims);
      const out = (await this.decoder.run(feeds, [logitsName]))[logitsName];
      const vocab = out.dims[out.dims.length - 1];
      const last = out.data.subarray(out.data.length - vocab);
      const id = nextToken(last, { sequence: ids, generated, eosIds: this.settings.eosIds }, uniform);
      if (this.settings.eosIds.has(id)) break;
      ids.push(id);
    }
    return stripPromptPrefix(this.tokenizer.decode(ids.slice(1))).trim();
  }

  private decoderFeeds(ids: number[], hidden: Float32Array, hiddenDims: number[]): Record<string, FeedTensor> {
    const feeds: Record<string, FeedTensor> = {};
    const ones = (n: number): FeedTensor => ({ data: new Array<number>(n).fill(1), dims: [1, n] });
    for (const info of this.decoder.inputs) {
      if (info.name === 'input_ids') feeds[info.name] = { data: ids, dims: [1, ids.length] };
      else if (info.name === 'encoder_hidden_states') feeds[info.name] = { data: hidden, dims: hiddenDims };
      else if (info.name === 'attention_mask' || info.name === 'decoder_attention_mask') {
        feeds[info.name] = ones(ids.length);
      } else if (info.name === 'encoder_attention_mask') feeds[info.name] = ones(hiddenDims[1]);
      else if (info.name === 'use_cache_branch') feeds[info.name] = { data: [0], dims: [1] };
      else if (info.name.startsWith('past_key_values.')) feeds[info.name] = emptyPast(info);
      else {
        const names = this.decoder.inputs.map((i) => i.name).join(', ');
        const message = `the caption decoder takes '${info.name}', unknown to captioner exports (inputs: ${names})`;
        throw new EngineError('runtime-failure', message);
      }
    }
    return feeds;
  }
}
