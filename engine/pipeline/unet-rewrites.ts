/**
 * The base UNet a job runs: the LoRA-merged UNet rewritten, in order, for the inpaint engine (head
 * and patch), ControlNet residual inputs, FreeU and IP-Adapter image tokens, each rewrite cached
 * under its own folder in the models folder (hard links to the weights need the same filesystem).
 * Residuals come before FreeU, so the FreeU rewrite sees skip + residual (ComfyUI's order). The
 * refiner is never rewritten: Fooocus patches `final_unet` only.
 */
import { join } from 'node:path';
import { residualUnetPath } from '../controlnet/residual-unet-cache.ts';
import { invalidInput } from '../errors.ts';
import type { InpaintEngineFiles } from '../inpaint/inpaint-engine-files.ts';
import { inpaintUnetPath } from '../inpaint/inpaint-unet-cache.ts';
import { ipUnetPath } from '../ip-adapter/ip-unet-cache.ts';
import { freeuUnsupportedReasonAt } from '../unet/freeu-graph.ts';
import { freeuModelPath } from '../unet/freeu-model-cache.ts';

export const FREEU_CACHE_FOLDER = '.freeu-cache';
export const INPAINT_CACHE_FOLDER = '.inpaint-cache';
export const CONTROLNET_CACHE_FOLDER = '.controlnet-cache';
export const IP_ADAPTER_CACHE_FOLDER = '.ip-adapter-cache';

export interface UnetRewriteRequest {
  inpaint: InpaintEngineFiles | null;
  controlnet: boolean;
  freeu: boolean;
  imagePrompts: boolean;
}

export interface RewrittenUnet {
  unet: string;
  /** Whether the UNet carries the inpaint head and patch. */
  hasInpaintEngine: boolean;
  inpaintWarnings: string[];
}

export async function rewriteBaseUnet(
  plainUnet: string,
  wanted: UnetRewriteRequest,
  modelsDir: string,
  log: (line: string) => void,
): Promise<RewrittenUnet> {
  const options = { folder: 'unet', log };
  let unet = plainUnet;
  const inpaintWarnings: string[] = [];
  let hasInpaintEngine = false;
  if (wanted.inpaint) {
    const built = await inpaintUnetPath(plainUnet, wanted.inpaint, join(modelsDir, INPAINT_CACHE_FOLDER), options);
    if ('reason' in built) {
      inpaintWarnings.push(
        `the inpaint engine cannot be put into this UNet export (${built.reason}): inpainted with engine None behaviour (latent blending only)`,
      );
    } else {
      unet = built.modelPath;
      hasInpaintEngine = true;
      if (built.skipped.length > 0) {
        inpaintWarnings.push(
          `inpaint patch: ${built.skipped.length} tensors did not fit this UNet (${built.skipped.slice(0, 3).join('; ')})`,
        );
      }
    }
  }
  if (wanted.controlnet) {
    const built = await residualUnetPath(unet, join(modelsDir, CONTROLNET_CACHE_FOLDER), options);
    if ('reason' in built) {
      throw invalidInput(
        'controlnet_image',
        `ControlNet residuals cannot be added to this UNet export (${built.reason}); send no PyraCanny/CPDS image prompt`,
      );
    }
    unet = built.modelPath;
  }
  if (wanted.freeu) {
    const rewritten = await freeuModelPath(unet, join(modelsDir, FREEU_CACHE_FOLDER), options);
    if (rewritten === null) {
      const reason = (await freeuUnsupportedReasonAt(unet)) ?? 'the graph cannot be rewritten';
      throw invalidInput(
        'freeu_enabled',
        `FreeU cannot be applied to this UNet export (${reason}); send freeu_enabled false`,
      );
    }
    unet = rewritten;
  }
  if (wanted.imagePrompts) {
    const built = await ipUnetPath(unet, join(modelsDir, IP_ADAPTER_CACHE_FOLDER), options);
    if ('reason' in built) {
      throw invalidInput(
        'controlnet_image',
        `image prompts (IP-Adapter) cannot be applied to this UNet export: ${built.reason}`,
      );
    }
    unet = built.modelPath;
  }
  return { unet, hasInpaintEngine, inpaintWarnings };
}
