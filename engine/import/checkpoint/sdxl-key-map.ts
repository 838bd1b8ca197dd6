/**
 * The one key map between a single-file SDXL checkpoint (SGM/A1111 names) and our graphs: for an architecture,
 * every parameter of every component graph (the names and torch shapes the graph builders declare, so the map
 * covers exactly what the graphs read) with the checkpoint key it comes from and the transform between them,
 * grouped by checkpoint key: each key is used once, by one parameter, or by the q/k/v slices of a fused tensor.
 * Keys a checkpoint carries that no graph uses are listed in IGNORED_KEYS; any other key is unknown.
 */
import type { SdxlArchitecture } from '../../models/synthetic/sdxl-architecture.ts';
import { buildSdxlComponent, sdxlComponents, type SdxlComponent } from '../../models/synthetic/synthetic-checkpoint.ts';
import { REFINER_TEXT_ENCODER_2_PREFIX, textEncoder2Key, textEncoderKey } from './clip-keys.ts';
import { checkpointShape, type KeyTransform } from './key-transforms.ts';
import { unetKey } from './unet-keys.ts';
import { vaeKey } from './vae-keys.ts';

export interface ParameterTarget {
  component: SdxlComponent;
  /** diffusers/transformers name, e.g. `down_blocks.1.attentions.0.proj_in.weight`. */
  parameter: string;
  /** torch shape of the parameter. */
  shape: number[];
  transform: KeyTransform;
}

export interface CheckpointKey {
  key: string;
  shape: number[];
  /** One target, or the parts of a fused tensor in order. */
  targets: ParameterTarget[];
}

export interface SdxlKeyMap {
  keys: ReadonlyMap<string, CheckpointKey>;
  /** `${component}/${parameter}` → its checkpoint key and target. */
  parameters: ReadonlyMap<string, { key: CheckpointKey; target: ParameterTarget }>;
}

/**
 * Tensors a full SDXL checkpoint may hold that no graph reads: the CLIP position ids buffer, OpenCLIP's
 * contrastive `logit_scale` (under embedders.0 in a refiner), the training schedule buffers LDM/SGM save with
 * the model, and EMA copies.
 */
export const IGNORED_KEYS: readonly string[] = [
  'conditioner.embedders.0.transformer.text_model.embeddings.position_ids',
  'conditioner.embedders.1.model.logit_scale',
  'conditioner.embedders.0.model.logit_scale',
  'denoiser.sigmas',
  'alphas_cumprod',
  'alphas_cumprod_prev',
  'betas',
  'log_one_minus_alphas_cumprod',
  'logvar',
  'lvlb_weights',
  'posterior_log_variance_clipped',
  'posterior_mean_coef1',
  'posterior_mean_coef2',
  'posterior_variance',
  'sqrt_alphas_cumprod',
  'sqrt_one_minus_alphas_cumprod',
  'sqrt_recip_alphas_cumprod',
  'sqrt_recipm1_alphas_cumprod',
];
export const IGNORED_PREFIXES: readonly string[] = ['model_ema.'];

export function isIgnoredKey(key: string): boolean {
  return IGNORED_KEYS.includes(key) || IGNORED_PREFIXES.some((p) => key.startsWith(p));
}

function checkpointName(
  component: SdxlComponent,
  parameter: string,
  arch: SdxlArchitecture,
): { key: string; transform: KeyTransform } {
  switch (component) {
    case 'text_encoder':
      return textEncoderKey(parameter);
    case 'text_encoder_2':
      return arch.isRefiner ? textEncoder2Key(parameter, REFINER_TEXT_ENCODER_2_PREFIX) : textEncoder2Key(parameter);
    case 'unet':
      return unetKey(parameter, arch.unet);
    case 'vae_encoder':
    case 'vae_decoder':
      return vaeKey(parameter, arch.vae);
  }
}

const cache = new WeakMap<SdxlArchitecture, Map<string, SdxlKeyMap>>();

/** The key map of `components` (default all `arch` has) of `arch`; built from the graphs' declarations, no weights. */
export function sdxlKeyMap(
  arch: SdxlArchitecture,
  components: readonly SdxlComponent[] = sdxlComponents(arch),
): SdxlKeyMap {
  const id = components.join(',');
  const cached = cache.get(arch)?.get(id);
  if (cached) return cached;
  const keys = new Map<string, CheckpointKey>();
  const parameters = new Map<string, { key: CheckpointKey; target: ParameterTarget }>();
  for (const component of components) {
    for (const p of buildSdxlComponent(component, arch, 'float32').parameters) {
      const { key, transform } = checkpointName(component, p.parameter, arch);
      const target: ParameterTarget = { component, parameter: p.parameter, shape: p.shape, transform };
      const shape = checkpointShape(transform, p.shape);
      let entry = keys.get(key);
      if (!entry) {
        entry = { key, shape, targets: [] };
        keys.set(key, entry);
      } else if (transform.kind !== 'slice' || entry.targets.some((t) => t.transform.kind !== 'slice')) {
        throw new Error(`checkpoint key ${key} would feed both ${entry.targets[0].parameter} and ${p.parameter}`);
      }
      entry.targets.push(target);
      parameters.set(`${component}/${p.parameter}`, { key: entry, target });
    }
  }
  for (const entry of keys.values()) {
    const slices = entry.targets.map((t) => t.transform).filter((t) => t.kind === 'slice');
    if (slices.length > 0 && slices.some((t, i) => t.part !== i || t.parts !== slices.length))
      throw new Error(`checkpoint key ${entry.key}: fused parts are incomplete or out of order`);
  }
  const map = { keys, parameters };
  if (!cache.has(arch)) cache.set(arch, new Map());
  cache.get(arch)!.set(id, map);
  return map;
}
