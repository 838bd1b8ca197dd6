/**
 * One checkpoint's sessions, tokenizers and config, loaded lazily on first use. The VAE encoder
 * is loaded only when something encodes an image (txt2img never does). The text encoders and the
 * UNet can be loaded from another model.onnx than the checkpoint's own (a LoRA-merged copy,
 * lora-models.ts) and swapped for another one without reloading the rest.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { modelMissing } from '../errors.ts';
import { readCheckpointConfig, readPadId, type CheckpointConfig } from '../models/checkpoint-config.ts';
import { listVaes, resolveCheckpointName, VAE_FOLDER } from '../models/registry.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import type { OnnxSession } from '../onnx/session.ts';
import { PromptEncoder } from '../text-encoders/prompt-encoder.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { UnetRunner } from '../unet/unet-runner.ts';

const COMPONENTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder'] as const;

/** The components LoRAs patch (DECISIONS §4 folder names). */
export const LORA_COMPONENTS = ['text_encoder', 'text_encoder_2', 'unet'] as const;
export type LoraComponentFolder = (typeof LORA_COMPONENTS)[number];
/** The model.onnx each LoRA-patched component is loaded from. */
export type ComponentModels = Record<LoraComponentFolder, string>;

interface TokenizerSide {
  tokenizer: ClipTokenizer;
  padId: number;
}

export function originalModels(dir: string): ComponentModels {
  return {
    text_encoder: join(dir, 'text_encoder', 'model.onnx'),
    text_encoder_2: join(dir, 'text_encoder_2', 'model.onnx'),
    unet: join(dir, 'unet', 'model.onnx'),
  };
}

/** The folder of an installed `vae_name` VAE (models/vae/<name>: vae_decoder/ + vae_encoder/). */
export async function vaeDir(modelsDir: string, requested: string): Promise<string> {
  const installed = await listVaes(modelsDir);
  const name = resolveCheckpointName(installed, requested);
  if (name === null)
    throw modelMissing(
      `VAE '${requested}' is not installed; available: ${installed.length > 0 ? installed.join(', ') : '(none)'}`,
      'vae_name',
    );
  return join(modelsDir, VAE_FOLDER, name);
}

export class LoadedCheckpoint {
  private vaeEncoderSession: OnnxSession | null = null;
  /** The folder holding vae_decoder/ and vae_encoder/: the checkpoint's own, or a `vae_name` VAE's. */
  private vaeDir: string;
  /** Every session not yet released (a swapped-out one leaves at once). */
  private readonly live = new Set<OnnxSession>();
  private encoder: PromptEncoder;
  private runner: UnetRunner;

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly config: CheckpointConfig,
    private readonly text: readonly [TokenizerSide, TokenizerSide],
    private models: ComponentModels,
    private readonly patchable: Record<LoraComponentFolder, OnnxSession>,
    private decoder: OnnxSession,
    private readonly providers: ProviderSelector,
    private readonly log: (line: string) => void,
  ) {
    for (const session of [...Object.values(patchable), decoder]) this.live.add(session);
    this.vaeDir = dir;
    this.encoder = this.buildEncoder();
    this.runner = new UnetRunner(patchable.unet);
  }

  get vaeDecoder(): OnnxSession {
    return this.decoder;
  }

  /**
   * Decodes and encodes with the VAE in `dir` (vae_decoder/ + vae_encoder/; the checkpoint's own folder restores its
   * VAE). The old VAE sessions are released first; the encoder loads on its next use.
   */
  async useVae(dir: string): Promise<void> {
    if (dir === this.vaeDir) return;
    const decoderPath = join(dir, 'vae_decoder', 'model.onnx');
    try {
      await access(decoderPath);
    } catch {
      throw modelMissing(`the VAE at ${dir} has no vae_decoder/model.onnx`, 'vae_name');
    }
    for (const session of [this.decoder, this.vaeEncoderSession]) {
      if (!session) continue;
      this.live.delete(session);
      await session.release();
    }
    this.vaeEncoderSession = null;
    this.decoder = await this.providers.createSession(decoderPath, `${this.name}/vae_decoder (${dir})`);
    this.live.add(this.decoder);
    this.vaeDir = dir;
  }

  get promptEncoder(): PromptEncoder {
    return this.encoder;
  }

  get unet(): UnetRunner {
    return this.runner;
  }

  /** The model.onnx paths the text encoders and UNet sessions were created from. */
  get componentModels(): Readonly<ComponentModels> {
    return this.models;
  }

  /** `models` defaults to the checkpoint's own files. */
  static async load(
    name: string,
    dir: string,
    providers: ProviderSelector,
    log: (line: string) => void,
    models: ComponentModels = originalModels(dir),
  ): Promise<LoadedCheckpoint> {
    const missing: string[] = [];
    for (const component of COMPONENTS) {
      try {
        await access(join(dir, component, 'model.onnx'));
      } catch {
        missing.push(`${component}/model.onnx`);
      }
    }
    for (const tokenizer of ['tokenizer', 'tokenizer_2']) {
      for (const file of ['vocab.json', 'merges.txt']) {
        try {
          await access(join(dir, tokenizer, file));
        } catch {
          missing.push(`${tokenizer}/${file}`);
        }
      }
    }
    if (missing.length > 0)
      throw modelMissing(`checkpoint '${name}' at ${dir} is incomplete; missing ${missing.join(', ')}`);
    const config = await readCheckpointConfig(dir);
    for (const warning of config.warnings) log(`checkpoint '${name}': ${warning}`);
    const sessions: OnnxSession[] = [];
    try {
      const open = async (path: string, component: string): Promise<OnnxSession> => {
        const session = await providers.createSession(path, `${name}/${component}`);
        sessions.push(session);
        return session;
      };
      const tokenizer1 = await ClipTokenizer.fromFiles(
        join(dir, 'tokenizer', 'vocab.json'),
        join(dir, 'tokenizer', 'merges.txt'),
      );
      const tokenizer2 = await ClipTokenizer.fromFiles(
        join(dir, 'tokenizer_2', 'vocab.json'),
        join(dir, 'tokenizer_2', 'merges.txt'),
      );
      const text: [TokenizerSide, TokenizerSide] = [
        { tokenizer: tokenizer1, padId: await readPadId(join(dir, 'tokenizer'), tokenizer1.eosId) },
        { tokenizer: tokenizer2, padId: await readPadId(join(dir, 'tokenizer_2'), tokenizer2.eosId) },
      ];
      const patchable = {
        text_encoder: await open(models.text_encoder, 'text_encoder'),
        text_encoder_2: await open(models.text_encoder_2, 'text_encoder_2'),
        unet: await open(models.unet, 'unet'),
      };
      const vaeDecoder = await open(join(dir, 'vae_decoder', 'model.onnx'), 'vae_decoder');
      return new LoadedCheckpoint(name, dir, config, text, { ...models }, patchable, vaeDecoder, providers, log);
    } catch (error) {
      await Promise.allSettled(sessions.map((s) => s.release()));
      throw error;
    }
  }

  /**
   * Loads the components whose model.onnx differs from the current one (a different LoRA set);
   * returns the components reloaded. Each old session is released before its successor is created,
   * so a real UNet is never held twice. After a failure the checkpoint is unusable: release it.
   */
  async useModels(models: ComponentModels): Promise<LoraComponentFolder[]> {
    const changed = LORA_COMPONENTS.filter((c) => this.models[c] !== models[c]);
    for (const component of changed) {
      const old = this.patchable[component];
      this.live.delete(old);
      await old.release();
      this.patchable[component] = await this.providers.createSession(models[component], `${this.name}/${component}`);
      this.live.add(this.patchable[component]);
      this.models[component] = models[component];
    }
    if (changed.includes('text_encoder') || changed.includes('text_encoder_2')) this.encoder = this.buildEncoder();
    if (changed.includes('unet')) this.runner = new UnetRunner(this.patchable.unet);
    return changed;
  }

  async vaeEncoder(): Promise<OnnxSession> {
    if (!this.vaeEncoderSession) {
      try {
        await access(join(this.vaeDir, 'vae_encoder', 'model.onnx'));
      } catch {
        throw modelMissing(`${this.vaeDir} has no vae_encoder/model.onnx`);
      }
      this.vaeEncoderSession = await this.providers.createSession(
        join(this.vaeDir, 'vae_encoder', 'model.onnx'),
        `${this.name}/vae_encoder`,
      );
      this.live.add(this.vaeEncoderSession);
    }
    return this.vaeEncoderSession;
  }

  async release(): Promise<void> {
    const sessions = [...this.live];
    this.live.clear();
    this.vaeEncoderSession = null;
    await Promise.allSettled(sessions.map((s) => s.release()));
  }

  private buildEncoder(): PromptEncoder {
    const [first, second] = this.text;
    return new PromptEncoder(
      { ...first, session: this.patchable.text_encoder },
      { ...second, session: this.patchable.text_encoder_2 },
      this.log,
    );
  }
}
