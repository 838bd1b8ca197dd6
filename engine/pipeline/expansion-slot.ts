/**
 * The Fooocus V2 expansion model of a pipeline: loaded on the first job that selects `Fooocus V2`,
 * kept while jobs keep finding the same file, released with the pipeline.
 */
import { findExpansionModel } from '../expansion/expansion-files.ts';
import { PromptExpansion } from '../expansion/expansion-model.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import { parseEmphasis } from '../prompts/emphasis.ts';
import type { ExpandedPrompts } from '../prompts/expand-prompts.ts';
import type { EngineJob } from '../protocol.ts';
import type { JobContext } from './job-context.ts';
import { imageSeed } from './seeds.ts';

export class ExpansionSlot {
  private loaded: { path: string; model: PromptExpansion } | null = null;

  constructor(
    private readonly modelsDir: string,
    private readonly providers: ProviderSelector,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Fooocus V2 for every image that asks for it (fooocus-semantics.md §3.4): the GPT-2 expansion
   * of the image's main prompt, seeded with the image seed, appended as the last positive item
   * (encoded, not pooled). Without an installed model the job runs unexpanded and says why.
   */
  async expand(job: EngineJob, images: ExpandedPrompts[], ctx: JobContext, warnings: string[]): Promise<boolean> {
    if (!images.some((image) => image.isExpansionRequested)) return false;
    const found = await findExpansionModel(this.modelsDir);
    if (!found.files) {
      warnings.push(`Fooocus V2 prompt expansion skipped: ${found.reason}`);
      return false;
    }
    if (this.loaded?.path !== found.files.model) {
      const previous = this.loaded;
      this.loaded = null;
      await previous?.model.release();
      this.loaded = {
        path: found.files.model,
        model: await PromptExpansion.load(found.files, this.providers, this.log),
      };
    }
    for (const [i, image] of images.entries()) {
      await ctx.reportProgress(4, `Preparing Fooocus text #${i + 1} ...`);
      if (!image.isExpansionRequested) continue;
      const text = await this.loaded.model.expand(image.mainPrompt, imageSeed(job.seed, i, job.disableSeedIncrement));
      this.log(`job ${job.jobId}: image ${i + 1} expansion: ${text}`);
      image.expansion = text;
      image.positive.push({ text, segments: parseEmphasis(text) });
    }
    return true;
  }

  async release(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = null;
    await loaded?.model.release();
  }
}
