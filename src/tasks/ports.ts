/**
 * Interfaces src/tasks owns and main.ts fills with concrete classes (house-style rule 4):
 * the engine, output files, webhooks, the clock and id/seed randomness.
 */
import type { EngineImageMessage, EngineInfo, EngineJob, EngineProgressMessage } from '../../engine/index.ts';
import type { CommonRequest } from '../../adapters/common-request.ts';
import type { Dialect } from '../../adapters/task-record.ts';

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
  save(
    bytes: Uint8Array,
    options: { ext: string; dialect: Dialect; taskId: string; index: number; saveName: string | null; now: Date },
  ): Promise<SavedOutput>;
  remove(file: string): Promise<void>;
  /** Absolute path of a stored output, or null when the name is not a plain `<date>/<file>`. */
  pathOf(file: string): string | null;
}

export interface ResolvedInputs {
  /** The request with every image replaced by its stored form (`inputs/<name>`). */
  request: CommonRequest;
  /** Re-encoded images to write under inputs/ once the task is accepted. */
  files: { name: string; png: Uint8Array }[];
}

/**
 * Turns a request's classified images into stored inputs (decode, fetch): the slow step that runs
 * after every cheap check. Errors are InvalidFieldErrors naming `fieldNames[path] ?? path`, the
 * client's own field name. Nothing is written before `store`.
 */
export interface InputResolver {
  resolve(request: CommonRequest, fieldNames: Readonly<Record<string, string>>): Promise<ResolvedInputs>;
  store(files: ResolvedInputs['files']): Promise<void>;
}

/** What the service and runner read about installed models; the model catalogue implements it. */
export interface ModelFacts {
  installedLoras(): readonly string[];
  /** Why Fooocus V2 expansion cannot run (said with each task that selects it), or null when it can. */
  expansionUnavailable(): string | null;
  /** Why FreeU cannot be applied to this checkpoint's UNet, or null when it can (or cannot be told before running). */
  freeuUnavailable(modelName: string): Promise<string | null>;
  /**
   * Why this checkpoint cannot refine (not an SDXL-family UNet), or null when it can (or cannot be told before
   * running).
   */
  refinerUnavailable(modelName: string): Promise<string | null>;
  /**
   * Why the file behind a checkpoint name cannot be imported (a Fooocus single-file checkpoint that is truncated,
   * not SDXL, with missing or unknown tensors), or null when it can or is not such a file; absent = not checked.
   */
  checkpointFileProblem?(modelName: string): Promise<string | null>;
  /**
   * Why a ControlNet image-prompt type cannot run (no model, no demo), or null when it can; absent = not checked here.
   */
  controlNetUnavailable?(type: 'PyraCanny' | 'CPDS', modelName: string): Promise<string | null>;
  /**
   * What image prompts of these types need and is not installed (CLIP vision, the type's IP-Adapter,
   * the face detector unless the face crop is skipped), or null when all is there.
   */
  imagePromptModelsMissing(types: readonly string[], isFaceCropSkipped: boolean): Promise<string | null>;
  /**
   * Why this checkpoint's UNet cannot take IP-Adapter image tokens, or null when it can (or cannot be told before
   * running).
   */
  imagePromptUnetUnavailable(modelName: string): Promise<string | null>;
  /** Set while the random-weight demo checkpoint is the installed one (DECISIONS §4). */
  readonly demoModelName: string | null;
}

/** Why the server would refuse to call this per-request webhook URL, or null when it would call it. */
export type WebhookTargetCheck = (url: string) => Promise<string | null>;

export interface Clock {
  now(): number;
}

export interface IdSource {
  /** 32-hex uuid4 (all-in-one) or dashed uuid4 (legacy). */
  taskId(dialect: Dialect): string;
  /** Uniform in [0, 2^63-1]. */
  randomSeed(): bigint;
}
