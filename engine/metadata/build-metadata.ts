/**
 * The metadata record of one image (fooocus-semantics §10.1) and its two serialisations: the
 * `fooocus` scheme (sorted Python JSON, §10.2) and the `a1111` scheme (A1111 "parameters" text,
 * §10.3). Key names, order and formats follow Fooocus so its importer and A1111/Civitai readers
 * understand the files; the version string is ours (we do not claim to be Fooocus).
 */
import type { EngineJob } from '../protocol.ts';
import { a1111SamplerName } from './a1111-sampler-names.ts';
import { pyFloat, pyJsonDumps, pyJsonString, pyStr, pyStrList, pyTuple, type PyJson } from './python-format.ts';

export type MetadataScheme = EngineJob['metadataScheme'];

/** Written as Version (record, both schemes) and as EXIF Software. Kept equal to package.json's version by a test. */
export const METADATA_VERSION = 'fooocus-gateway 0.1.0';
/** Fooocus's name for "the checkpoint's own VAE". */
export const DEFAULT_VAE = 'Default (model)';

export interface LoraMetadata {
  /** File name as installed, e.g. `sd_xl_offset_example-lora_1.0.safetensors`. */
  name: string;
  weight: number;
  /** First 10 hex chars of the file's SHA-256; null when unknown. */
  hash: string | null;
}

/** Everything the record is made of, for one image. Floats are JS numbers, ints are too except `seed`. */
export interface ImageMetadataFacts {
  /** The prompt boxes as the user wrote them. */
  rawPrompt: string;
  rawNegativePrompt: string;
  /** The positive / negative items actually encoded (after styles, arrays, wildcards, expansion). */
  positive: readonly string[];
  negative: readonly string[];
  /** Fooocus V2 expansion text; '' when none was applied. */
  expansion: string;
  styles: readonly string[];
  /** Performance mode name (`Speed`, …); null when unknown (omitted). */
  performance: string | null;
  steps: number;
  width: number;
  height: number;
  guidanceScale: number;
  sharpness: number;
  admGuidance: readonly [positive: number, negative: number, end: number];
  adaptiveCfg: number;
  clipSkip: number;
  /** Checkpoint name (our checkpoints are folders, so the name is already Fooocus's file stem). */
  baseModel: string;
  baseModelHash: string | null;
  /** The refiner that ran, or null (logged as 'None'). */
  refiner: RefinerFacts | null;
  /** Requested refiner_switch ratio; null when the job does not carry it (row omitted). */
  refinerSwitch: number | null;
  sampler: string;
  scheduler: string;
  vae: string;
  seed: bigint;
  /** FreeU (b1, b2, s1, s2) when it ran; null = off (row omitted). */
  freeu: readonly [number, number, number, number] | null;
  loras: readonly LoraMetadata[];
  scheme: MetadataScheme;
  version: string;
}

export interface RefinerFacts {
  model: string;
  hash: string | null;
  swapMethod: string;
  /** overwrite_switch when > 0 (a step number), else 0. */
  overwriteSwitch: number;
}

/** What the pipeline knows about one image beyond the job; omitted fields fall back to the job's text. */
export interface ImageFacts {
  seed: bigint;
  /** Sampler and scheduler actually used (after substitution of unknown names). */
  sampler: string;
  scheduler: string;
  baseModel: string;
  baseModelHash: string | null;
  positive?: readonly string[];
  negative?: readonly string[];
  expansion?: string;
  styles?: readonly string[];
  performance?: string | null;
  loras?: readonly LoraMetadata[];
  /** The refiner's resolved name and hash when one ran. */
  refiner?: { model: string; hash: string | null } | null;
}

export function metadataFactsFromJob(job: EngineJob, image: ImageFacts): ImageMetadataFacts {
  return {
    rawPrompt: job.prompt,
    rawNegativePrompt: job.negativePrompt,
    positive: image.positive ?? [job.prompt],
    negative: image.negative ?? [job.negativePrompt],
    expansion: image.expansion ?? '',
    styles: image.styles ?? job.styles,
    performance: image.performance ?? job.performance ?? null,
    steps: job.steps,
    width: job.width,
    height: job.height,
    guidanceScale: job.guidanceScale,
    sharpness: job.sharpness,
    admGuidance: [job.admScalerPositive, job.admScalerNegative, job.admScalerEnd],
    adaptiveCfg: job.adaptiveCfg,
    clipSkip: job.clipSkip,
    baseModel: image.baseModel,
    baseModelHash: image.baseModelHash,
    refiner:
      image.refiner && job.refiner
        ? {
            ...image.refiner,
            swapMethod: job.refiner.swapMethod,
            overwriteSwitch: job.overwriteSwitch !== undefined && job.overwriteSwitch > 0 ? job.overwriteSwitch : 0,
          }
        : null,
    refinerSwitch: job.refinerSwitch ?? null,
    sampler: image.sampler,
    scheduler: image.scheduler,
    vae: job.vae ?? DEFAULT_VAE,
    seed: image.seed,
    freeu: job.freeu ? [job.freeu.b1, job.freeu.b2, job.freeu.s1, job.freeu.s2] : null,
    loras: image.loras ?? [],
    scheme: job.metadataScheme,
    version: METADATA_VERSION,
  };
}

export interface MetadataEntry {
  label: string;
  key: string;
  /** number = Python float, bigint = Python int. */
  value: string | number | bigint;
}

/** Python `Path(name).stem`: the last suffix removed (a leading dot does not start a suffix). */
export function fileStem(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * §10.1 in order. `Refiner Model` and `Refiner Switch` are always logged (as Fooocus does);
 * `Overwrite Switch` and `Refiner Swap Method` only with a refiner, `FreeU` only when it ran.
 * Performance is left out when the job does not say it.
 */
export function metadataRecord(facts: ImageMetadataFacts): MetadataEntry[] {
  const entries: MetadataEntry[] = [
    { label: 'Prompt', key: 'prompt', value: facts.rawPrompt },
    { label: 'Negative Prompt', key: 'negative_prompt', value: facts.rawNegativePrompt },
    { label: 'Fooocus V2 Expansion', key: 'prompt_expansion', value: facts.expansion },
    { label: 'Styles', key: 'styles', value: pyStrList(facts.styles) },
  ];
  if (facts.performance !== null) entries.push({ label: 'Performance', key: 'performance', value: facts.performance });
  entries.push(
    { label: 'Steps', key: 'steps', value: BigInt(facts.steps) },
    { label: 'Resolution', key: 'resolution', value: pyTuple([BigInt(facts.width), BigInt(facts.height)]) },
    { label: 'Guidance Scale', key: 'guidance_scale', value: facts.guidanceScale },
    { label: 'Sharpness', key: 'sharpness', value: facts.sharpness },
    { label: 'ADM Guidance', key: 'adm_guidance', value: pyTuple(facts.admGuidance) },
    { label: 'Base Model', key: 'base_model', value: facts.baseModel },
    { label: 'Refiner Model', key: 'refiner_model', value: facts.refiner?.model ?? 'None' },
  );
  if (facts.refinerSwitch !== null)
    entries.push({ label: 'Refiner Switch', key: 'refiner_switch', value: facts.refinerSwitch });
  if (facts.refiner) {
    if (facts.refiner.overwriteSwitch > 0)
      entries.push({
        label: 'Overwrite Switch',
        key: 'overwrite_switch',
        value: BigInt(facts.refiner.overwriteSwitch),
      });
    if (facts.refiner.swapMethod !== 'joint')
      entries.push({ label: 'Refiner Swap Method', key: 'refiner_swap_method', value: facts.refiner.swapMethod });
  }
  if (facts.adaptiveCfg !== 7)
    entries.push({ label: 'CFG Mimicking from TSNR', key: 'adaptive_cfg', value: facts.adaptiveCfg });
  if (facts.clipSkip > 1) entries.push({ label: 'CLIP Skip', key: 'clip_skip', value: BigInt(facts.clipSkip) });
  entries.push(
    { label: 'Sampler', key: 'sampler', value: facts.sampler },
    { label: 'Scheduler', key: 'scheduler', value: facts.scheduler },
    { label: 'VAE', key: 'vae', value: facts.vae },
    { label: 'Seed', key: 'seed', value: facts.seed.toString() },
  );
  if (facts.freeu) entries.push({ label: 'FreeU', key: 'freeu', value: pyTuple(facts.freeu) });
  facts.loras.forEach((lora, i) =>
    entries.push({
      label: `LoRA ${i + 1}`,
      key: `lora_combined_${i + 1}`,
      value: `${lora.name} : ${pyFloat(lora.weight)}`,
    }),
  );
  entries.push(
    { label: 'Metadata Scheme', key: 'metadata_scheme', value: facts.scheme },
    { label: 'Version', key: 'version', value: facts.version },
  );
  return entries;
}

/** §10.2: the record's keys (LoRA file names reduced to stems) plus the derived keys, sorted, Python JSON. */
export function toFooocusScheme(facts: ImageMetadataFacts): string {
  const out: Record<string, PyJson> = {};
  for (const { key, value } of metadataRecord(facts)) out[key] = value;
  facts.loras.forEach(
    (lora, i) => (out[`lora_combined_${i + 1}`] = `${fileStem(lora.name)} : ${pyFloat(lora.weight)}`),
  );
  out.full_prompt = [...facts.positive];
  out.full_negative_prompt = [...facts.negative];
  out.steps = BigInt(facts.steps);
  out.base_model = facts.baseModel;
  out.base_model_hash = facts.baseModelHash;
  if (facts.refiner) {
    out.refiner_model = facts.refiner.model;
    out.refiner_model_hash = facts.refiner.hash;
  }
  out.vae = facts.vae;
  out.loras = facts.loras.map((lora) => [fileStem(lora.name), lora.weight, lora.hash]);
  return pyJsonDumps(out, true);
}

// Python str.strip() whitespace (JS \s differs: it includes U+FEFF and lacks U+001C–U+001F, U+0085).
const PY_WHITESPACE =
  '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+';
const PY_STRIP = new RegExp(`^${PY_WHITESPACE}|${PY_WHITESPACE}$`, 'g');

/** A1111 parameter value: JSON-quoted (non-ASCII kept) when it holds `,`, `:` or a newline. */
function a1111Value(value: string): string {
  return /[,:\n]/.test(value) ? pyJsonString(value, false) : value;
}

/** §10.3: prompt line, optional `Negative prompt:` line, then `Key: value, …` in Fooocus's order. */
export function toA1111Scheme(facts: ImageMetadataFacts): string {
  const params: [string, string | number | bigint | null][] = [
    ['Steps', BigInt(facts.steps)],
    ['Sampler', a1111SamplerName(facts.sampler, facts.scheduler)],
    ['Seed', facts.seed.toString()],
    ['Size', `${facts.width}x${facts.height}`],
    ['CFG scale', facts.guidanceScale],
    ['Sharpness', facts.sharpness],
    ['ADM Guidance', pyTuple(facts.admGuidance)],
    ['Model', facts.baseModel],
    ['Model hash', facts.baseModelHash],
    ['Performance', facts.performance],
    ['Scheduler', facts.scheduler],
    ['VAE', fileStem(facts.vae)],
    ['Raw prompt', facts.rawPrompt],
    ['Raw negative prompt', facts.rawNegativePrompt],
  ];
  if (facts.refiner) params.push(['Refiner', facts.refiner.model], ['Refiner hash', facts.refiner.hash]);
  if (facts.adaptiveCfg !== 7) params.push(['Adaptive CFG', facts.adaptiveCfg]);
  if (facts.clipSkip > 1) params.push(['Clip skip', BigInt(facts.clipSkip)]);
  if (facts.refiner && facts.refiner.overwriteSwitch > 0)
    params.push(['Overwrite Switch', BigInt(facts.refiner.overwriteSwitch)]);
  if (facts.refiner && facts.refiner.swapMethod !== 'joint')
    params.push(['Refiner Swap Method', facts.refiner.swapMethod]);
  if (facts.freeu) params.push(['FreeU', pyTuple(facts.freeu)]);
  if (facts.loras.length > 0) {
    params.push(['Lora hashes', facts.loras.map((l) => `${fileStem(l.name)}: ${l.hash ?? 'None'}`).join(', ')]);
    params.push(['Lora weights', facts.loras.map((l) => `${fileStem(l.name)}: ${pyFloat(l.weight)}`).join(', ')]);
  }
  params.push(['Version', facts.version]);
  const text = params
    .filter((entry): entry is [string, string | number | bigint] => entry[1] !== null)
    .map(([key, value]) => {
      const shown = pyStr(value);
      return key === shown ? key : `${key}: ${a1111Value(shown)}`;
    })
    .join(', ');
  const positive = facts.positive.join(', ');
  const negative = facts.negative.join(', ');
  const negativeLine = negative === '' ? '' : `\nNegative prompt: ${negative}`;
  return `${positive}${negativeLine}\n${text}`.replace(PY_STRIP, '');
}

export function serializeMetadata(facts: ImageMetadataFacts): string {
  return facts.scheme === 'a1111' ? toA1111Scheme(facts) : toFooocusScheme(facts);
}
