/**
 * The super-resolution model of a pipeline: found under models/upscale_models on first use, kept
 * while jobs keep finding the same file, released with the pipeline.
 */
import { join } from 'node:path';
import type { ProviderSelector } from '../onnx/providers.ts';
import { OnnxUpscaler } from '../uov/super-resolution.ts';
import { findUpscaler, UPSCALE_MODELS_FOLDER } from '../uov/upscaler-files.ts';
import type { SuperResolver } from './image-pixels.ts';

export class UpscalerSlot {
  private loaded: OnnxUpscaler | null = null;

  constructor(
    private readonly modelsDir: string,
    private readonly providers: ProviderSelector,
  ) {}

  /**
   * Fooocus's `perform_upscale` with what is installed under models/upscale_models (loaded on
   * first use, so an inpaint that needs no super-resolution says nothing about it): a real ESRGAN
   * export, else the demo, else plain resampling (the caller resamples; the input comes back as is).
   */
  resolver(warnings: string[]): SuperResolver {
    const say = (warning: string) => {
      if (!warnings.includes(warning)) warnings.push(warning);
    };
    return {
      upscale: async (image) => {
        const file = await findUpscaler(this.modelsDir);
        if (!file) {
          say(
            `no super-resolution model under ${join(this.modelsDir, UPSCALE_MODELS_FOLDER)}: upscaled by LANCZOS resampling instead (install an ONNX ESRGAN export there; see README)`,
          );
          return image;
        }
        if (file.isDemo)
          say(
            `super-resolution by the tiny random-weight demo upscaler ${file.name}: install a real ONNX ESRGAN export under ${join(this.modelsDir, UPSCALE_MODELS_FOLDER)} (see README)`,
          );
        if (this.loaded?.path !== file.path) {
          const previous = this.loaded;
          this.loaded = null;
          await previous?.release();
          this.loaded = await OnnxUpscaler.load(file.path, this.providers, `upscale_models/${file.name}`);
        }
        return this.loaded.upscale(image);
      },
    };
  }

  async release(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = null;
    await loaded?.release();
  }
}
