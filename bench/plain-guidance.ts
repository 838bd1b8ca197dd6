/**
 * Child process of bench/step-loop.bench.ts: the "plain process" reference, a process that never
 * loads onnxruntime. For each guidance call the pipeline makes, the parent sends the same inputs
 * over IPC right after its own call, and this replays it once with the same JavaScript kernels:
 * pairs measured ~0.1 s apart. Replies with the wall, on-CPU and run-queue times (thread-time.ts)
 * of the guidance (sharpness filter + CFG) and of the filter alone.
 */
import { adaptiveAnisotropicFilter } from '../engine/sharpness/anisotropic.ts';
import { denoisedRow, javascriptStepKernels, type GuidanceInput } from '../engine/step-kernels/step-kernels.ts';
import { timeOnThread, type ThreadTime } from '../engine/threads/thread-time.ts';

export interface PlainGuidanceReply {
  guide: ThreadTime;
  filter: ThreadTime;
}

let isWarm = false;

async function replay(input: GuidanceInput): Promise<PlainGuidanceReply> {
  const x0 = denoisedRow(input, input.batch - 1);
  const eps = Float32Array.from(input.x, (v, i) => v - x0[i]);
  // The pipeline's kernels were compiled by its earlier steps; warm this process's up once likewise.
  if (!isWarm) for (let i = 0; i < 3; i++) await javascriptStepKernels.guide(input);
  isWarm = true;
  const guide = (await timeOnThread(() => javascriptStepKernels.guide(input))).time;
  const filter = (await timeOnThread(() => adaptiveAnisotropicFilter(eps, x0, input.shape))).time;
  return { guide, filter };
}

process.on('message', (input: GuidanceInput) => {
  void replay(input).then((reply) => process.send!(reply));
});
