/**
 * The prompt stage of a job (fooocus-semantics §3.3, §4.6, §5): the Fooocus prompt text pipeline
 * per image (engine/prompts/expand-prompts.ts, with this image's seed for wildcards and
 * `Random Style`), prompt LoRA tags added to the job's LoRAs, and each image's positive/negative
 * lists encoded (engine/text-encoders/prompt-items.ts) with one cache per job.
 */
import { EXPANSION_STYLE } from '../prompts/apply-styles.ts';
import { expandPrompts, type ExpandedPrompts } from '../prompts/expand-prompts.ts';
import type { PromptLoraTag } from '../prompts/lora-tags.ts';
import { loadWildcardFiles } from '../prompts/wildcard-files.ts';
import type { WildcardFiles } from '../prompts/wildcards.ts';
import { loadStyleTemplates } from '../styles/style-files.ts';
import type { StyleTemplate } from '../styles/style-templates.ts';
import type { EngineJob } from '../protocol.ts';
import type { ImageMetadataExtras } from '../metadata/image-metadata.ts';
import { zerosLike, type PromptEmbedding, type PromptEncoder } from '../text-encoders/prompt-encoder.ts';
import { emptyChunkContext, encodePromptItems, type ItemEncodingCache } from '../text-encoders/prompt-items.ts';
import { padToChunks } from '../text-encoders/token-weighting.ts';
import { CHUNK_LENGTH } from '../text-encoders/prompt-chunks.ts';
import type { JobContext } from './job-context.ts';
import { imageSeed } from './seeds.ts';

/** Fooocus `default_max_lora_number`: request LoRAs plus prompt-tag LoRAs, at most this many. */
export const MAX_LORAS = 5;

/** Style templates (ours with styles/*.json over them) and wildcard files, read once per engine process. */
export interface PromptSources {
  templates: ReadonlyMap<string, StyleTemplate>;
  wildcards: WildcardFiles;
  /** Style files that could not be used, said with every job. */
  warnings: string[];
}

export async function loadPromptSources(stylesDir: string, wildcardsDir: string): Promise<PromptSources> {
  const styles = await loadStyleTemplates(stylesDir);
  return { templates: styles.templates, wildcards: await loadWildcardFiles(wildcardsDir), warnings: styles.warnings };
}

/** Each image's prompt lists; the warnings of all images, each once. */
export function expandJobPrompts(
  job: EngineJob,
  sources: PromptSources,
): { images: ExpandedPrompts[]; warnings: string[] } {
  const images: ExpandedPrompts[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < job.imageNumber; i++) {
    const expanded = expandPrompts({
      prompt: job.prompt,
      negativePrompt: job.negativePrompt,
      styles: job.styles,
      imageIndex: i,
      seed: imageSeed(job.seed, i, job.disableSeedIncrement),
      readWildcardsInOrder: job.readWildcardsInOrder ?? false,
      wildcards: sources.wildcards,
      templates: sources.templates,
    });
    images.push(expanded);
    for (const warning of expanded.warnings) if (!warnings.includes(warning)) warnings.push(warning);
  }
  return { images, warnings };
}

/**
 * Fooocus `parse_lora_references_from_prompt`: a tag's NAME is matched against installed file stems;
 * a file already among the job's LoRAs, or the same (file, weight) tagged twice, is dropped; the
 * job's LoRAs come first and the total is cut to MAX_LORAS. Fooocus drops unknown names silently;
 * we say so (DECISIONS §3).
 */
export function appendPromptLoras(
  jobLoras: EngineJob['loras'],
  tags: readonly PromptLoraTag[],
  installed: readonly string[],
): { loras: EngineJob['loras']; warnings: string[] } {
  const warnings: string[] = [];
  const found: EngineJob['loras'] = [];
  for (const tag of tags) {
    const file = installed.find((name) => stem(name) === tag.name);
    if (!file) {
      warnings.push(
        `prompt LoRA tag <lora:${tag.name}:${tag.weight}> skipped: no ${tag.name}.safetensors under models/loras`,
      );
      continue;
    }
    if (jobLoras.some((l) => l.name === file) || found.some((l) => l.name === file && l.weight === tag.weight))
      continue;
    found.push({ name: file, weight: tag.weight });
  }
  const all = [...jobLoras, ...found];
  if (all.length > MAX_LORAS) {
    const dropped = all.slice(MAX_LORAS).filter((l) => found.includes(l));
    if (dropped.length > 0)
      warnings.push(
        `prompt LoRA tags skipped (at most ${MAX_LORAS} LoRAs in all): ${dropped.map((l) => `${l.name}:${l.weight}`).join(', ')}`,
      );
  }
  return { loras: all.slice(0, Math.max(MAX_LORAS, jobLoras.length)), warnings };
}

function stem(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

/** One image's conditioning (positive and negative share one sequence length) and its metadata facts. */
export interface ImageConditioning {
  positive: PromptEmbedding;
  /** null when guidance is 1 (no uncond pass). */
  negative: PromptEmbedding | null;
  metadata: Pick<ImageMetadataExtras, 'positive' | 'negative' | 'styles' | 'expansion'>;
}

export interface EncodeImagePromptsOptions {
  clipSkip: number;
  /** Fooocus V2 ran: the encoding messages come one progress point later. */
  hasExpansion?: boolean;
  isCfg: boolean;
  /** model_index.json `force_zeros_for_empty_prompt`: an all-empty negative list is zeros. */
  forceZerosForEmptyPrompt: boolean;
}

/**
 * Encodes every image's lists, reporting Fooocus's progress ("Encoding positive #i" for all images,
 * then "Encoding negative #i"). The shorter of an image's positive/negative is padded with empty
 * chunks to the other's length.
 */
export async function encodeImagePrompts(
  encoder: PromptEncoder,
  images: readonly ExpandedPrompts[],
  options: EncodeImagePromptsOptions,
  ctx: JobContext,
): Promise<ImageConditioning[]> {
  const cache: ItemEncodingCache = new Map();
  const positives: PromptEmbedding[] = [];
  const at = options.hasExpansion ? 5 : 4;
  for (const [i, image] of images.entries()) {
    await ctx.reportProgress(at, `Encoding positive #${i + 1} ...`);
    positives.push(await encodePromptItems(encoder, image.positive, image.poolItemCount, options.clipSkip, cache));
  }
  const result: ImageConditioning[] = [];
  for (const [i, image] of images.entries()) {
    // Fooocus logs the selection as sent, where the UI puts `Fooocus V2` first.
    const styles = image.expansion !== undefined ? [EXPANSION_STYLE, ...image.stylesUsed] : image.stylesUsed;
    const metadata = {
      positive: image.positive.map((item) => item.text),
      negative: image.negative.map((item) => item.text),
      styles,
      expansion: image.expansion ?? '',
    };
    let positive = positives[i];
    if (!options.isCfg) {
      result.push({ positive, negative: null, metadata });
      continue;
    }
    await ctx.reportProgress(at + 1, `Encoding negative #${i + 1} ...`);
    const isEmpty = image.negative.every((item) => item.text.trim() === '');
    let negative =
      isEmpty && options.forceZerosForEmptyPrompt
        ? null
        : await encodePromptItems(encoder, image.negative, image.negativePoolItemCount, options.clipSkip, cache);
    if (negative) {
      const chunks = Math.max(positive.tokens, negative.tokens) / CHUNK_LENGTH;
      const empty = await emptyChunkContext(encoder, options.clipSkip, cache);
      positive = padToChunks(positive, chunks, empty);
      negative = padToChunks(negative, chunks, empty);
    }
    result.push({ positive, negative: negative ?? zerosLike(positive), metadata });
  }
  return result;
}
