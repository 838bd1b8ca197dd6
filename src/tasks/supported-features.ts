/**
 * What the engine can run. Text to image, upscale/vary and inpaint/outpaint run; a request that
 * needs image prompts (ControlNet / IP-Adapter models) is refused before it is queued, saying so,
 * rather than silently rendering without them (DECISIONS §3: never a fake result).
 */
import type { CommonRequest } from '../../adapters/common-request.ts';
import { FeatureUnavailableError } from '../errors.ts';
import { deriveTaskMode } from '../../adapters/current-tab.ts';

/**
 * Fooocus runs image prompts ('cn' goal) when the tab is `ip` or either mixing flag is set
 * (fooocusapi-new.md §9); with images in any slot that needs models this server lacks.
 */
export function assertSupported(request: CommonRequest): void {
  const hasImagePrompt = request.controlnet_image.some((slot) => slot.cn_img.kind !== 'none');
  const isMixing = request.mixing_image_prompt_and_vary_upscale || request.mixing_image_prompt_and_inpaint;
  if (deriveTaskMode(request) === 'Image Prompt' || (hasImagePrompt && isMixing)) {
    throw new FeatureUnavailableError(
      `'Image Prompt' (current_tab '${request.current_tab}'${isMixing ? ', with a mixing flag' : ''}) needs the engine's image modes for image prompts (ControlNet/IP-Adapter models under models/controlnet and models/ip_adapter), which this server does not have yet; text to image, upscale or vary and inpaint or outpaint run`,
    );
  }
}
