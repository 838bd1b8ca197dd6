/**
 * What Fooocus records for an image it returns without diffusion (Upscale (Fast 2x), and an upscale
 * too large to diffuse): the single row ('Upscale (Fast)', 'upscale_fast', '2x'), with no prompt,
 * model or seed (fooocus-semantics §6). Fooocus writes that row to its log page only; having no
 * log page, we embed it in the file when metadata is on, in the job's scheme.
 */
import type { EngineJob } from '../protocol.ts';
import { METADATA_VERSION } from './build-metadata.ts';
import type { EmbeddedMetadata } from './embed-metadata.ts';
import { pyJsonDumps } from './python-format.ts';

export const UPSCALE_FAST_ROW = { label: 'Upscale (Fast)', key: 'upscale_fast', value: '2x' } as const;

export function upscaleFastMetadata(job: EngineJob): EmbeddedMetadata | null {
  if (!job.saveMetadata) return null;
  const parameters =
    job.metadataScheme === 'a1111'
      ? `${UPSCALE_FAST_ROW.label}: ${UPSCALE_FAST_ROW.value}`
      : pyJsonDumps({ [UPSCALE_FAST_ROW.key]: UPSCALE_FAST_ROW.value }, true);
  return { parameters, scheme: job.metadataScheme, software: METADATA_VERSION };
}
