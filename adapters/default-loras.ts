/**
 * The LoRA defaults both dialects share (DECISIONS §3 "Defaults": no LoRA unless the offset LoRA is
 * installed) and the nested Lora defaults of a body read before the validator fills them.
 */
import type { LoraSetting } from './common-request.ts';
import type { ServerSnapshot } from './server-snapshot.ts';

export const OFFSET_LORA = 'sd_xl_offset_example-lora_1.0.safetensors';

export function defaultLoras(snapshot: ServerSnapshot): LoraSetting[] {
  return snapshot.loras.includes(OFFSET_LORA) ? [{ enabled: true, model_name: OFFSET_LORA, weight: 0.1 }] : [];
}

/**
 * `enabled` became required in Fooocus-API 0.3.32; older clients omit it and mean "on" (fooocus-api-legacy.md §3.1).
 */
export function withLoraDefaults(lora: Partial<LoraSetting>): LoraSetting {
  return { enabled: lora.enabled ?? true, model_name: lora.model_name ?? 'None', weight: lora.weight ?? 0.5 };
}
