/**
 * What the engine can run. A request that needs more is refused before it is queued, saying so,
 * rather than silently rendering plain text-to-image (DECISIONS §3: never a fake result).
 */
import type { CommonRequest } from '../../adapters/common-request.ts';
import { FeatureUnavailableError } from '../errors.ts';
import { deriveTaskMode } from '../../adapters/current-tab.ts';

export function assertSupported(request: CommonRequest): void {
  const mode = deriveTaskMode(request);
  if (mode !== 'Text to Image') {
    throw new FeatureUnavailableError(
      `'${mode}' (current_tab '${request.current_tab}') needs the engine's image modes (VAE-encoded inputs, inpainting, ControlNet/IP-Adapter models under models/controlnet and models/ip_adapter), which this server does not have yet; only text to image runs`,
    );
  }
}
