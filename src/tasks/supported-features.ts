/**
 * What the engine can run. Text to image, upscale/vary and inpaint/outpaint run; a request that
 * needs image prompts (ControlNet / IP-Adapter models) is refused before it is queued, saying so,
 * rather than silently rendering without them (DECISIONS §3: never a fake result).
 */
import type { CommonRequest } from '../../adapters/common-request.ts';
import { FeatureUnavailableError } from '../errors.ts';
import { deriveTaskMode } from '../../adapters/current-tab.ts';

export function assertSupported(request: CommonRequest): void {
  const mode = deriveTaskMode(request);
  if (mode === 'Image Prompt') {
    throw new FeatureUnavailableError(
      `'${mode}' (current_tab '${request.current_tab}') needs the engine's image modes for image prompts (ControlNet/IP-Adapter models under models/controlnet and models/ip_adapter), which this server does not have yet; text to image, upscale or vary and inpaint or outpaint run`,
    );
  }
}
