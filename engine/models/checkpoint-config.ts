/**
 * Reads the few config values the pipeline needs from a diffusers-ONNX checkpoint folder.
 * Absent or unreadable files fall back to SDXL's values with a warning (DECISIONS §4), because
 * many hand-converted folders ship only the model.onnx files.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CheckpointConfig {
  /** Latents are divided by this before the VAE decoder (SDXL 0.13025). */
  scalingFactor: number;
  latentChannels: number;
  /** Pixels per latent cell: 2^(len(block_out_channels) − 1). */
  vaeScaleFactor: number;
  betaStart: number;
  betaEnd: number;
  trainSteps: number;
  betaSchedule: string;
  /** model_index.json `force_zeros_for_empty_prompt` (SDXL: true). */
  forceZerosForEmptyPrompt: boolean;
  /** One line per value that fell back to the SDXL default. */
  warnings: string[];
}

export const SDXL_CONFIG = {
  scalingFactor: 0.13025,
  latentChannels: 4,
  vaeScaleFactor: 8,
  betaStart: 0.00085,
  betaEnd: 0.012,
  trainSteps: 1000,
  betaSchedule: 'scaled_linear',
  forceZerosForEmptyPrompt: true,
} as const;

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

export async function readCheckpointConfig(checkpointDir: string): Promise<CheckpointConfig> {
  const warnings: string[] = [];
  const vaePath = join(checkpointDir, 'vae_decoder', 'config.json');
  const vae = await readJson(vaePath);
  const scheduler = await readJson(join(checkpointDir, 'scheduler', 'scheduler_config.json'));
  const index = await readJson(join(checkpointDir, 'model_index.json'));
  if (!vae)
    warnings.push(
      `${vaePath} is missing or unreadable; using SDXL VAE values (scaling_factor ${SDXL_CONFIG.scalingFactor}, latent_channels ${SDXL_CONFIG.latentChannels})`,
    );
  if (!scheduler)
    warnings.push(
      `${join(checkpointDir, 'scheduler', 'scheduler_config.json')} is missing or unreadable; using SDXL betas (scaled_linear 0.00085–0.012, 1000 steps)`,
    );
  // Written by engine/models/synthetic: the real architecture with random weights, for measurements.
  if (index?._synthetic_random_weights)
    warnings.push(
      'demo: this is a synthetic checkpoint with random weights (npm run make-synthetic); its images are noise, only its speed and memory are real',
    );
  const blocks = Array.isArray(vae?.block_out_channels) ? vae.block_out_channels.length : undefined;
  const betaSchedule =
    typeof scheduler?.beta_schedule === 'string' ? scheduler.beta_schedule : SDXL_CONFIG.betaSchedule;
  if (betaSchedule !== 'scaled_linear')
    warnings.push(`beta_schedule '${betaSchedule}' is not supported; using scaled_linear`);
  return {
    scalingFactor: positive(vae?.scaling_factor) ?? SDXL_CONFIG.scalingFactor,
    latentChannels: positive(vae?.latent_channels) ?? SDXL_CONFIG.latentChannels,
    vaeScaleFactor: blocks !== undefined && blocks > 0 ? 2 ** (blocks - 1) : SDXL_CONFIG.vaeScaleFactor,
    betaStart: positive(scheduler?.beta_start) ?? SDXL_CONFIG.betaStart,
    betaEnd: positive(scheduler?.beta_end) ?? SDXL_CONFIG.betaEnd,
    trainSteps: positive(scheduler?.num_train_timesteps) ?? SDXL_CONFIG.trainSteps,
    betaSchedule,
    forceZerosForEmptyPrompt:
      typeof index?.force_zeros_for_empty_prompt === 'boolean'
        ? index.force_zeros_for_empty_prompt
        : SDXL_CONFIG.forceZerosForEmptyPrompt,
    warnings,
  };
}

/**
 * Pad id of a tokenizer folder: special_tokens_map.json `pad_token` looked up in vocab.json; absent → EOS.
 * SDXL's tokenizer pads with EOS (49407) but tokenizer_2 with "!" (id 0) (onnx-sdxl-engine.md §1.3),
 * and the pooled output depends on it.
 */
export async function readPadId(tokenizerDir: string, eosId: number): Promise<number> {
  const special = await readJson(join(tokenizerDir, 'special_tokens_map.json'));
  const pad = special?.pad_token;
  const text =
    typeof pad === 'string'
      ? pad
      : pad && typeof pad === 'object' && typeof (pad as { content?: unknown }).content === 'string'
        ? (pad as { content: string }).content
        : undefined;
  if (text === undefined) return eosId;
  const vocab = await readJson(join(tokenizerDir, 'vocab.json'));
  const id = vocab?.[text];
  return typeof id === 'number' && Number.isInteger(id) ? id : eosId;
}
