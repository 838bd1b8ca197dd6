/**
 * The image-prompt models of a pipeline (fooocus-semantics.md §8): the ControlNets (PyraCanny,
 * CPDS: engine/controlnet) and the IP-Adapter family (CLIP vision, the adapters, the face
 * detector: engine/ip-adapter, engine/faces), each made on the first job that needs it and
 * released with the pipeline.
 */
import { ControlNetModels } from '../controlnet/controlnet-models.ts';
import { FaceCropper } from '../faces/face-cropper.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import { readInputImage } from '../image/input-image.ts';
import { ImagePromptEncoder } from '../ip-adapter/image-prompt-encoder.ts';
import type { imagePromptFeeds } from '../ip-adapter/image-prompt-feeds.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import type { EngineJob } from '../protocol.ts';
import type { JobContext } from './job-context.ts';

export type ImagePromptTokensList = Parameters<typeof imagePromptFeeds>[0];

export class ImagePromptModels {
  private controlNetModels: ControlNetModels | null = null;
  private encoder: ImagePromptEncoder | null = null;
  private faces: FaceCropper | null = null;

  constructor(
    private readonly modelsDir: string,
    private readonly providers: ProviderSelector,
  ) {}

  controlNets(): ControlNetModels {
    this.controlNetModels ??= new ControlNetModels(this.modelsDir, this.providers);
    return this.controlNetModels;
  }

  /**
   * The ImagePrompt/FaceSwap slots' tokens (engine/ip-adapter), or the preprocessed images when the
   * job asks for the preprocessor's output (debugging_cn_preprocessor); null without such slots.
   * `inputsDir` is asked only then: an engine without an inputs folder runs text jobs.
   */
  async ipAdapterTokens(
    job: EngineJob,
    ctx: JobContext,
    warnings: string[],
    inputsDir: () => string,
  ): Promise<{ tokens: ImagePromptTokensList } | { debug: Bitmap8[] } | null> {
    const slots = (job.imagePrompts ?? []).filter((slot) => slot.type === 'ImagePrompt' || slot.type === 'FaceSwap');
    if (slots.length === 0) return null;
    await ctx.reportProgress(2, 'Image processing ...');
    const images = await Promise.all(
      slots.map((slot, i) => readInputImage(inputsDir(), slot.image, `controlnet_image.${i}.cn_img`)),
    );
    this.encoder ??= new ImagePromptEncoder(this.modelsDir, this.providers);
    this.faces ??= new FaceCropper(this.modelsDir, this.providers);
    const faces = this.faces;
    const prepared = await this.encoder.prepare(
      slots.map((slot, i) => ({
        type: slot.type as 'ImagePrompt' | 'FaceSwap',
        image: images[i],
        stop: slot.stop,
        weight: slot.weight,
      })),
      {
        isPreprocessorSkipped: job.isImagePromptPreprocessorSkipped ?? false,
        faceCrop: (image, w) => faces.crop(image, w),
      },
      warnings,
    );
    if (job.isImagePromptPreprocessorDebug) return { debug: prepared.preprocessed.slice(0, 1) };
    return { tokens: prepared.tokens };
  }

  async release(): Promise<void> {
    const held = [this.controlNetModels, this.encoder, this.faces];
    this.controlNetModels = null;
    this.encoder = null;
    this.faces = null;
    for (const models of held) await models?.release();
  }
}
