/**
 * Unknown model / LoRA / style names (DECISIONS §3): substituted as the originals did, never
 * silently — each substitution becomes a warning; under `--strict` an explicitly sent unknown
 * name is a 422 naming the value and what is available.
 */
import { InvalidFieldError } from './invalid-field-error.ts';
import { NO_LORA, type LoraSetting } from './common-request.ts';
import type { ServerSnapshot } from './server-snapshot.ts';

const stripExtension = (name: string) => name.replace(/\.(safetensors|ckpt|pth|bin|onnx)$/i, '');

function listForMessage(values: readonly string[]): string {
  const shown = values.slice(0, 30).join(', ');
  return values.length > 30 ? `${shown}, ... (${values.length} in all)` : shown || '(none installed)';
}

/** Matches a checkpoint by folder name; clients may add `.safetensors` (Fooocus file names). */
export function findModel(models: readonly string[], requested: string): string | undefined {
  const wanted = stripExtension(requested).toLowerCase();
  return models.find((m) => m === requested) ?? models.find((m) => stripExtension(m).toLowerCase() === wanted);
}

export function resolveModelName(requested: string | undefined, snapshot: ServerSnapshot, warnings: string[]): string {
  if (requested === undefined || requested === '') return snapshot.defaultModel;
  const found = findModel(snapshot.models, requested);
  if (found) return found;
  if (snapshot.isStrict) {
    throw new InvalidFieldError(
      'base_model_name',
      `base_model_name: model '${requested}' is not installed; available: ${listForMessage(snapshot.models)}`,
      {
        input: requested,
        allowed: snapshot.models,
      },
    );
  }
  warnings.push(`base_model_name '${requested}' is not installed; using '${snapshot.defaultModel}'`);
  return snapshot.defaultModel;
}

export function resolveRefinerName(
  requested: string | undefined,
  snapshot: ServerSnapshot,
  warnings: string[],
): string {
  if (requested === undefined || requested === '' || requested === 'None') return 'None';
  const found = findModel(snapshot.models, requested);
  if (found) return found;
  if (snapshot.isStrict) {
    throw new InvalidFieldError(
      'refiner_model_name',
      `refiner_model_name: model '${requested}' is not installed; available: None, ${listForMessage(snapshot.models)}`,
      {
        input: requested,
      },
    );
  }
  warnings.push(`refiner_model_name '${requested}' is not installed; running without a refiner`);
  return 'None';
}

export const DEFAULT_VAE = 'Default (model)';

/**
 * `Default (model)`, or an installed VAE; an unknown one decodes with the checkpoint's own VAE, said (422 under
 * --strict).
 */
export function resolveVaeName(requested: string | undefined, snapshot: ServerSnapshot, warnings: string[]): string {
  if (requested === undefined || requested === '' || requested === DEFAULT_VAE) return DEFAULT_VAE;
  const found = findModel(snapshot.vaes, requested);
  if (found) return found;
  if (snapshot.isStrict) {
    throw new InvalidFieldError(
      'vae_name',
      `vae_name: VAE '${requested}' is not installed; available: ${DEFAULT_VAE}, ${listForMessage(snapshot.vaes)}`,
      { input: requested },
    );
  }
  warnings.push(`vae_name '${requested}' is not installed; the checkpoint's own VAE decodes`);
  return DEFAULT_VAE;
}

/** Keeps enabled, installed LoRAs; drops "None" and disabled entries (as the worker did). */
export function resolveLoras(
  requested: LoraSetting[],
  snapshot: ServerSnapshot,
  warnings: string[],
  field = 'loras',
): LoraSetting[] {
  const out: LoraSetting[] = [];
  requested.forEach((lora, i) => {
    if (!lora.enabled || lora.model_name === NO_LORA || lora.model_name === '') return;
    const found = findModel(snapshot.loras, lora.model_name);
    if (found) {
      out.push({ enabled: true, model_name: found, weight: lora.weight });
      return;
    }
    if (snapshot.isStrict) {
      throw new InvalidFieldError(
        `${field}.${i}.model_name`,
        `${field}.${i}.model_name: LoRA '${lora.model_name}' is not installed; available: ${listForMessage(snapshot.loras)}`,
        {
          input: lora.model_name,
        },
      );
    }
    warnings.push(`LoRA '${lora.model_name}' is not installed; ignored`);
  });
  return out;
}

/** Style names by their lower case, built once per style list (a snapshot is reused for many requests). */
const stylesByLower = new WeakMap<readonly string[], Map<string, string>>();

function styleIndex(styles: readonly string[]): Map<string, string> {
  let index = stylesByLower.get(styles);
  if (!index) {
    index = new Map(styles.map((s) => [s.toLowerCase(), s]));
    stylesByLower.set(styles, index);
  }
  return index;
}

export function resolveStyles(requested: string[], snapshot: ServerSnapshot, warnings: string[]): string[] {
  const byLower = styleIndex(snapshot.styles);
  const out: string[] = [];
  requested.forEach((name, i) => {
    const found = byLower.get(name.trim().toLowerCase());
    if (found) {
      if (!out.includes(found)) out.push(found);
      return;
    }
    if (snapshot.isStrict) {
      throw new InvalidFieldError(
        `style_selections.${i}`,
        `style_selections.${i}: style '${name}' is unknown; see GET /v1/engines/styles for the ${snapshot.styles.length} available`,
        {
          input: name,
        },
      );
    }
    warnings.push(`style '${name}' is unknown; ignored`);
  });
  return out;
}

/** A sampler or scheduler we do not offer: the default instead, reported (DECISIONS §3); 422 under --strict. */
export function resolveOffered(
  field: 'sampler_name' | 'scheduler_name',
  requested: string,
  offered: readonly string[],
  fallback: string,
  snapshot: ServerSnapshot,
  warnings: string[],
): string {
  if (offered.includes(requested)) return requested;
  if (snapshot.isStrict) {
    throw new InvalidFieldError(field, `${field}: '${requested}' is not offered; available: ${offered.join(', ')}`, {
      input: requested,
      allowed: offered,
    });
  }
  warnings.push(`${field} '${requested}' is not offered; using '${fallback}'`);
  return fallback;
}
