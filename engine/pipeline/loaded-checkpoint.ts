/**
 * One checkpoint's sessions, tokenizers and config, loaded lazily on first use. The VAE encoder
 * is loaded only when something encodes an image (txt2img never does).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { modelMissing } from '../errors.ts';
import { readCheckpointConfig, readPadId, type CheckpointConfig } from '../models/checkpoint-config.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import type { OnnxSession } from '../onnx/session.ts';
import { PromptEncoder } from '../text-encoders/prompt-encoder.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { UnetRunner } from '../unet/unet-runner.ts';

const COMPONENTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder'] as const;

export class LoadedCheckpoint {
  private vaeEncoderSession: OnnxSession | null = null;

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly config: CheckpointConfig,
    readonly promptEncoder: PromptEncoder,
    readonly unet: UnetRunner,
    readonly vaeDecoder: OnnxSession,
    private readonly sessions: OnnxSession[],
    private readonly providers: ProviderSelector,
  ) {}

  static async load(name: string, dir: string, providers: ProviderSelector, log: (line: string) => void): Promise<LoadedCheckpoint> {
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
    if (missing.length > 0) throw modelMissing(`checkpoint '${name}' at ${dir} is incomplete; missing ${missing.join(', ')}`);
    const config = await readCheckpointConfig(dir);
    for (const warning of config.warnings) log(`checkpoint '${name}': ${warning}`);
    const sessions: OnnxSession[] = [];
    try {
      const open = async (component: string): Promise<OnnxSession> => {
        const session = await providers.createSession(join(dir, component, 'model.onnx'), `${name}/${component}`);
        sessions.push(session);
        return session;
      };
      const tokenizer1 = await ClipTokenizer.fromFiles(join(dir, 'tokenizer', 'vocab.json'), join(dir, 'tokenizer', 'merges.txt'));
      const tokenizer2 = await ClipTokenizer.fromFiles(join(dir, 'tokenizer_2', 'vocab.json'), join(dir, 'tokenizer_2', 'merges.txt'));
      const encoder = new PromptEncoder(
        { session: await open('text_encoder'), tokenizer: tokenizer1, padId: await readPadId(join(dir, 'tokenizer'), tokenizer1.eosId) },
        { session: await open('text_encoder_2'), tokenizer: tokenizer2, padId: await readPadId(join(dir, 'tokenizer_2'), tokenizer2.eosId) },
        log,
      );
      const unet = new UnetRunner(await open('unet'));
      const vaeDecoder = await open('vae_decoder');
      return new LoadedCheckpoint(name, dir, config, encoder, unet, vaeDecoder, sessions, providers);
    } catch (error) {
      await Promise.allSettled(sessions.map((s) => s.release()));
      throw error;
    }
  }

  async vaeEncoder(): Promise<OnnxSession> {
    if (!this.vaeEncoderSession) {
      try {
        await access(join(this.dir, 'vae_encoder', 'model.onnx'));
      } catch {
        throw modelMissing(`checkpoint '${this.name}' has no vae_encoder/model.onnx`);
      }
      this.vaeEncoderSession = await this.providers.createSession(join(this.dir, 'vae_encoder', 'model.onnx'), `${this.name}/vae_encoder`);
      this.sessions.push(this.vaeEncoderSession);
    }
    return this.vaeEncoderSession;
  }

  async release(): Promise<void> {
    await Promise.allSettled(this.sessions.map((s) => s.release()));
    this.sessions.length = 0;
  }
}
