/**
 * Interfaces src/tasks owns and main.ts fills with concrete classes (house-style rule 4):
 * the engine, output files, webhooks, the clock and id/seed randomness.
 */
import type { EngineImageMessage, EngineInfo, EngineJob, EngineProgressMessage } from '../../engine/protocol.ts';
import type { Dialect } from './task.types.ts';

export interface EngineRunHandlers {
  onProgress(message: EngineProgressMessage): void;
  /** Awaited before the next engine message is handled, so files are written in order. */
  onImage(message: EngineImageMessage): Promise<void>;
}

export interface EngineRunOutcome {
  outcome: 'finished' | 'stopped';
  engineMs: number;
  warnings: string[];
}

/** Rejects with EngineJobError (kind from engine/errors) when the job fails or the engine crashes. */
export interface EngineClient {
  run(job: EngineJob, handlers: EngineRunHandlers): Promise<EngineRunOutcome>;
  control(jobId: string, action: 'stop' | 'skip'): void;
  /** Frees the engine's loaded sessions between jobs (legacy `clean_vram`); resolves once they are gone. */
  release(): Promise<void>;
  info(): EngineInfo | null;
  close(): Promise<void>;
}

export class EngineJobError extends Error {
  constructor(
    readonly kind: 'model-missing' | 'invalid-input' | 'cancelled' | 'runtime-failure' | 'crashed',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'EngineJobError';
  }
}

export interface SavedOutput {
  /** `<YYYY-MM-DD>/<file>` relative to the data dir. */
  file: string;
}

export interface OutputStore {
  save(bytes: Uint8Array, options: { ext: string; dialect: Dialect; taskId: string; index: number; saveName: string | null; now: Date }): Promise<SavedOutput>;
  remove(file: string): Promise<void>;
  /** Absolute path of a stored output, or null when the name is not a plain `<date>/<file>`. */
  pathOf(file: string): string | null;
}

export interface Clock {
  now(): number;
}

export interface IdSource {
  /** 32-hex uuid4 (all-in-one) or dashed uuid4 (legacy). */
  taskId(dialect: Dialect): string;
  /** Uniform in [0, 2^63-1]. */
  randomSeed(): bigint;
}
