/**
 * Images Fooocus returns without diffusion — Fast 2x, an input too large to diffuse, the debug
 * output of a preprocessor — encoded and handed to the job as they are.
 */
import { encodeImage } from '../image/encode-image.ts';
import { rgbToRgba } from '../image/input-image.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import { encodeRgbPng } from '../image/png-encoder.ts';
import { embedMetadata, type EmbeddedMetadata } from '../metadata/embed-metadata.ts';
import { upscaleFastMetadata } from '../metadata/upscale-fast-metadata.ts';
import type { EngineJob } from '../protocol.ts';
import type { PixelStage } from './image-pixels.ts';
import type { JobContext, JobOutcome } from './job-context.ts';

function encodeDirectPng(image: Bitmap8, metadata: EmbeddedMetadata | null): Uint8Array {
  const png = encodeRgbPng(image.width, image.height, image.data, image.channels);
  return metadata ? embedMetadata(png, 'png', metadata) : png;
}

/** Images Fooocus returns without diffusion (Fast 2x, too large to diffuse, the inpaint debug preprocessor). */
export async function emitDirect(
  job: EngineJob,
  stage: Extract<PixelStage, { kind: 'direct' }>,
  ctx: JobContext,
  warnings: string[],
): Promise<JobOutcome> {
  const metadata = stage.isUpscaleFast ? upscaleFastMetadata(job) : null;
  for (const [index, image] of stage.images.entries()) {
    if (ctx.controlRequested() === 'stop') return { outcome: 'stopped', warnings };
    await ctx.reportProgress(100, 'Saving image to system ...');
    // PNG straight from the RGB pixels (no RGBA copy of a 2800² image); the other formats go through RGBA.
    const bytes =
      job.outputFormat === 'png'
        ? encodeDirectPng(image, metadata)
        : await encodeImage(rgbToRgba(image), job.outputFormat, metadata);
    await ctx.emitImage({
      index,
      seed: job.seed,
      format: job.outputFormat,
      width: image.width,
      height: image.height,
      bytes,
    });
  }
  return { outcome: 'finished', warnings };
}
