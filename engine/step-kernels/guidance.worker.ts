/**
 * The guidance thread (threaded-step-kernels.ts): runs the JavaScript guidance (x0, sharpness
 * filter, adaptive CFG) for the step loop. Replies copy the result and never transfer it: a
 * transfer detaches an ArrayBuffer, and the first detach in an isolate makes V8 guard every
 * typed-array access of optimised code from then on (about +20 % on the filter's loops).
 */
import { parentPort } from 'node:worker_threads';
import { timeOnThread } from '../threads/thread-time.ts';
import type { GuidanceReply, GuidanceRequest } from './guidance-protocol.ts';
import { javascriptStepKernels } from './step-kernels.ts';

const port = parentPort!;

port.on('message', async ({ id, input }: GuidanceRequest) => {
  // One try for the work and its reply: a reply that cannot be posted fails its call, never the thread silently.
  try {
    const { value, time } = await timeOnThread(() => javascriptStepKernels.guide(input));
    port.postMessage({ id, ok: true, denoised: value, time } satisfies GuidanceReply);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({ id, ok: false, message } satisfies GuidanceReply);
  }
});
