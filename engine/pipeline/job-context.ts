/**
 * The narrow context the denoise loop gets (house-style rule 7): control polling, progress and
 * image delivery. It never sees the worker, IPC or anything of the gateway.
 */
import type { EngineImageMessage } from '../protocol.ts';

export type ControlRequest = 'stop' | 'skip';

/** What the loop hands over per image: the wire message without its routing fields. */
export type GeneratedImage = Omit<EngineImageMessage, 'type' | 'jobId'>;

export interface JobContext {
  /** The pending control for this job: a 'skip' is returned once (consumed), a 'stop' every time. */
  controlRequested(): ControlRequest | null;
  reportProgress(percent: number, message: string, preview?: Uint8Array): void | Promise<void>;
  emitImage(image: GeneratedImage): void | Promise<void>;
}

export interface JobOutcome {
  outcome: 'finished' | 'stopped';
  warnings: string[];
}

/** Thrown from the sampler's onStep to abandon the current image. */
export class Interrupted extends Error {
  constructor(readonly request: ControlRequest) {
    super(`interrupted by ${request}`);
    this.name = 'Interrupted';
  }
}
