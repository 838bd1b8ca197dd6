import type { CommonRequest } from './common-request.ts';
import type { ReplyPlan } from './reply-plan.ts';

/**
 * What the adapters need to know about the server, passed in so they stay pure (DECISIONS §2).
 * Built per request by src/ from the model registry, presets and config.
 */
export interface ServerSnapshot {
  /** Installed checkpoint names (folder names). */
  models: readonly string[];
  defaultModel: string;
  /** Installed LoRA file names, e.g. `sd_xl_offset_example-lora_1.0.safetensors`. */
  loras: readonly string[];
  /** VAEs `vae_name` may name besides `Default (model)`: folders under models/vae, Fooocus's vae/ files. */
  vaes: readonly string[];
  styles: readonly string[];
  /** Sampler and scheduler names the engine offers. */
  samplers: readonly string[];
  schedulers: readonly string[];
  /** Preset name → values already mapped onto CommonRequest fields. */
  presets: Readonly<Record<string, Partial<CommonRequest>>>;
  /** `--preset`: applied as defaults before the request's own values. */
  serverPreset: Partial<CommonRequest> | null;
  isStrict: boolean;
}

/** Values an adapter must not invent itself (clock, randomness). */
export interface AdaptContext {
  /** Used when the request's seed is -1 or out of range. */
  randomSeed: bigint;
  /** The Accept value the reply is chosen by (the route applies the legacy `accept` query override); '' = none. */
  accept?: string;
}

export interface AdaptResult {
  request: CommonRequest;
  /** Substitutions and ignored settings, reported in X-Fooocus-Warnings and the task's warnings. */
  warnings: string[];
  /** Unknown top-level keys, reported in X-Ignored-Fields. */
  ignoredFields: string[];
  /** How the task is answered (binary → one image). */
  reply: ReplyPlan;
  /**
   * CommonRequest image paths (`uov_input_image`, `controlnet_image.0.cn_img`) → the names the client
   * sent them under (`input_image`, `cn_img2`), so a bad image found later is reported by its sent
   * name. A path not listed is the client's own name.
   */
  fieldNames: Readonly<Record<string, string>>;
}
