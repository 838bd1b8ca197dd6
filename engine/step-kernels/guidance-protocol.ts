/** Messages between ThreadedStepKernels and its guidance thread (guidance.worker.ts). */
import type { ThreadTime } from '../threads/thread-time.ts';
import type { GuidanceInput } from './step-kernels.ts';

export interface GuidanceRequest {
  id: number;
  input: GuidanceInput;
}

export type GuidanceReply =
  { id: number; ok: true; denoised: Float32Array; time: ThreadTime } | { id: number; ok: false; message: string };
