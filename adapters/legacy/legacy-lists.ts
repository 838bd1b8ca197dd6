/**
 * The list-valued legacy fields: `loras`, `outpaint_selections` and the image-prompt slots
 * (v2 `image_prompts[]`, v1 `cn_img{n}`/`cn_stop{n}`/`cn_weight{n}`/`cn_type{n}`).
 */
import {
  CONTROLNET_SLOTS,
  MAX_LORAS,
  type ControlNetType,
  type ImageInput,
  type ImagePrompt,
  type LoraSetting,
  type OutpaintDirection,
} from '../common-request.ts';
import { withLoraDefaults } from '../default-loras.ts';
import { InvalidFieldError } from '../invalid-field-error.ts';
import { asBoolean, asNumber, asString, checkEnum, CONTROLNET_TYPES, OUTPAINT_DIRECTIONS } from './legacy-values.ts';

/** `[{enabled?, model_name, weight?}]`; more than 5 entries are cut (as the original) with a warning. */
export function parseLegacyLoras(value: unknown, warnings: string[], field = 'loras'): LoraSetting[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw new InvalidFieldError(
      field,
      `${field}: expected a JSON array of {"enabled", "model_name", "weight"} objects`,
      { type: 'list_type', input: value },
    );
  const loras = value.map((item, i) => {
    const at = `${field}.${i}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new InvalidFieldError(at, `${at}: expected an object {"enabled", "model_name", "weight"}`, {
        type: 'dict_type',
        input: item,
      });
    }
    const entry = item as Record<string, unknown>;
    const modelName = asString(`${at}.model_name`, entry.model_name);
    if (modelName === undefined)
      throw new InvalidFieldError(`${at}.model_name`, `${at}.model_name: field required`, {
        type: 'missing',
        input: item,
      });
    return withLoraDefaults({
      enabled: asBoolean(`${at}.enabled`, entry.enabled),
      model_name: modelName,
      weight: asNumber(`${at}.weight`, entry.weight, [-2, 2]),
    });
  });
  // The v1 form default pads with {"model_name": "None"} entries; only cutting real LoRAs is worth a warning.
  const dropped = loras.slice(MAX_LORAS).filter((l) => l.enabled && l.model_name !== 'None');
  if (dropped.length > 0)
    warnings.push(
      `loras: only the first ${MAX_LORAS} entries are used; ignored ${dropped.map((l) => `'${l.model_name}'`).join(', ')}`,
    );
  return loras.slice(0, MAX_LORAS);
}

export function parseOutpaintSelections(
  value: unknown,
  field = 'outpaint_selections',
): OutpaintDirection[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw new InvalidFieldError(field, `${field}: expected a list of directions`, { type: 'list_type', input: value });
  return value.map((direction, i) =>
    checkEnum(`${field}.${i}`, asString(`${field}.${i}`, direction) ?? '', OUTPAINT_DIRECTIONS),
  );
}

/**
 * Fooocus's per-type (stop, weight) defaults, which the legacy API applies for a missing or 0 value (contract §4.2.3,
 * §13.11).
 */
export const LEGACY_CONTROLNET_DEFAULTS: Readonly<Record<ControlNetType, { cn_stop: number; cn_weight: number }>> = {
  ImagePrompt: { cn_stop: 0.5, cn_weight: 0.6 },
  FaceSwap: { cn_stop: 0.9, cn_weight: 0.75 },
  PyraCanny: { cn_stop: 0.5, cn_weight: 1.0 },
  CPDS: { cn_stop: 0.5, cn_weight: 1.0 },
};

export interface RawImagePrompt {
  image: ImageInput;
  stop: unknown;
  weight: unknown;
  type: unknown;
  /** Field names as sent, for errors: `image_prompts.0.cn_img` … (v2) or `cn_img1` … (v1). */
  names: { image: string; stop: string; weight: string; type: string };
}

/**
 * Slots without an image are skipped, then at most 4 are used (contract §4.3). `sentNames[k]` is
 * the name the client sent slot k's image under (the slot order of CommonRequest differs from the
 * client's once empty slots are skipped).
 */
export function toImagePrompts(
  raw: RawImagePrompt[],
  warnings: string[],
): { slots: ImagePrompt[]; sentNames: string[] } {
  // Every slot is checked, with or without an image: a bad value is a 422 wherever it was sent.
  const checked = raw.map((slot) => {
    const type =
      slot.type === undefined || slot.type === null || slot.type === ''
        ? 'ImagePrompt'
        : checkEnum(slot.names.type, asString(slot.names.type, slot.type) ?? '', CONTROLNET_TYPES);
    const stop = asNumber(slot.names.stop, slot.stop, [0, 1]);
    const weight = asNumber(slot.names.weight, slot.weight, [0, 2]);
    const defaults = LEGACY_CONTROLNET_DEFAULTS[type];
    const prompt: ImagePrompt = {
      cn_img: slot.image,
      cn_stop: stop || defaults.cn_stop,
      cn_weight: weight || defaults.cn_weight,
      cn_type: type,
    };
    return { prompt, sentName: slot.names.image };
  });
  const withImages = checked.filter(({ prompt }) => prompt.cn_img.kind !== 'none');
  if (withImages.length > CONTROLNET_SLOTS)
    warnings.push(
      `image_prompts: only the first ${CONTROLNET_SLOTS} with an image are used; ${withImages.length - CONTROLNET_SLOTS} ignored`,
    );
  const used = withImages.slice(0, CONTROLNET_SLOTS);
  return { slots: used.map((u) => u.prompt), sentNames: used.map((u) => u.sentName) };
}
