/**
 * A Fooocus-format preset file (presets/*.json) → CommonRequest fields (DECISIONS §3 "Presets": cfg →
 * guidance_scale, missing keys leave fields alone, preset LoRAs applied).
 */
import type { CommonRequest, LoraSetting } from './common-request.ts';

const SIMPLE_KEYS: Record<string, keyof CommonRequest> = {
  default_prompt: 'prompt',
  default_prompt_negative: 'negative_prompt',
  default_model: 'base_model_name',
  default_refiner: 'refiner_model_name',
  default_refiner_switch: 'refiner_switch',
  default_styles: 'style_selections',
  default_cfg_scale: 'guidance_scale',
  default_cfg_tsnr: 'adaptive_cfg',
  default_sample_sharpness: 'sharpness',
  default_sampler: 'sampler_name',
  default_scheduler: 'scheduler_name',
  default_performance: 'performance_selection',
  default_aspect_ratio: 'aspect_ratios_selection',
  default_vae: 'vae_name',
  default_overwrite_step: 'overwrite_step',
  default_overwrite_switch: 'overwrite_switch',
  default_image_number: 'image_number',
  default_output_format: 'output_format',
  default_clip_skip: 'clip_skip',
  default_inpaint_engine_version: 'inpaint_engine',
};

/** `[[enabled, name, weight]]` (Fooocus ≥2.3) or `[[name, weight]]` (older presets). */
function toLoras(value: unknown): LoraSetting[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((entry): entry is unknown[] => Array.isArray(entry))
    .map((entry) =>
      entry.length >= 3
        ? { enabled: Boolean(entry[0]), model_name: String(entry[1]), weight: Number(entry[2]) }
        : { enabled: true, model_name: String(entry[0]), weight: Number(entry[1]) },
    );
}

export function toPresetValues(preset: Record<string, unknown>): Partial<CommonRequest> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(SIMPLE_KEYS)) {
    if (preset[key] !== undefined && preset[key] !== null) out[field] = preset[key];
  }
  if (typeof out.aspect_ratios_selection === 'string')
    out.aspect_ratios_selection = out.aspect_ratios_selection.replace('*', '×');
  const loras = toLoras(preset.default_loras);
  if (loras) out.loras = loras;
  return out as Partial<CommonRequest>;
}
