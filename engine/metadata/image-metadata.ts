/**
 * The one call the pipeline makes: what one image should carry, or null when the job does not
 * save metadata. Hashes come from model-hash.ts (cached per process). Built before sampling, so
 * a record too large for a JPEG's EXIF fails the job at once instead of after the compute.
 */
import { basename } from 'node:path';
import { invalidInput } from '../errors.ts';
import type { EngineJob } from '../protocol.ts';
import { metadataFactsFromJob, METADATA_VERSION, serializeMetadata, type ImageFacts } from './build-metadata.ts';
import { exifBlockFor, type EmbeddedMetadata } from './embed-metadata.ts';
import { MAX_JPEG_EXIF_BYTES } from './jpeg-exif.ts';
import { checkpointHash, fileHash } from './model-hash.ts';

export interface ImageMetadataSource {
  job: EngineJob;
  /** This image's seed. */
  seed: bigint;
  /** Sampler and scheduler actually used. */
  sampler: string;
  scheduler: string;
  /** Resolved checkpoint name and folder. */
  modelName: string;
  modelDir: string;
  /** Prompt items actually encoded for this image; default: the job's prompt boxes as one item each. */
  positive?: readonly string[];
  negative?: readonly string[];
  expansion?: string;
  styles?: readonly string[];
  performance?: string | null;
  /** LoRAs applied, by file path. */
  loras?: readonly { path: string; weight: number }[];
  /** The refiner checkpoint that ran (resolved name and folder). */
  refiner?: { name: string; dir: string };
}

/** What only the pipeline's prompt/LoRA stages know; ImageTask carries it through to generateImage. */
export type ImageMetadataExtras = Omit<
  ImageMetadataSource,
  'job' | 'seed' | 'sampler' | 'scheduler' | 'modelName' | 'modelDir'
>;

export async function imageMetadataFor(source: ImageMetadataSource): Promise<EmbeddedMetadata | null> {
  const { job } = source;
  if (!job.saveMetadata) return null;
  const loras = await Promise.all(
    (source.loras ?? []).map(async (l) => ({ name: basename(l.path), weight: l.weight, hash: await fileHash(l.path) })),
  );
  const facts: ImageFacts = {
    seed: source.seed,
    sampler: source.sampler,
    scheduler: source.scheduler,
    baseModel: source.modelName,
    baseModelHash: await checkpointHash(source.modelDir),
    positive: source.positive,
    negative: source.negative,
    expansion: source.expansion,
    styles: source.styles,
    performance: source.performance,
    loras,
    refiner: source.refiner ? { model: source.refiner.name, hash: await checkpointHash(source.refiner.dir) } : null,
  };
  const metadata: EmbeddedMetadata = {
    parameters: serializeMetadata(metadataFactsFromJob(job, facts)),
    scheme: job.metadataScheme,
    software: METADATA_VERSION,
  };
  if (job.outputFormat === 'jpeg') {
    const size = exifBlockFor(metadata).length;
    if (size > MAX_JPEG_EXIF_BYTES) {
      throw invalidInput(
        'saveMetadata',
        `the image metadata needs ${size} bytes of EXIF, more than the ${MAX_JPEG_EXIF_BYTES} a JPEG can hold; use png or webp, or turn metadata off`,
      );
    }
  }
  return metadata;
}
