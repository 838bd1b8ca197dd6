/**
 * The engine's time per sampling step spent outside the UNet's `session.run` (sampler maths, CFG,
 * sharpness filter, latent preview, progress callback) as a share of the step. In-process: the
 * pipeline on a tiny random-weight checkpoint, the UNet session wrapped (as
 * test/fixtures/recording-session.ts does) to time every `run`, step boundaries taken where the
 * pipeline reports "Sampling step k/N". A step = from one step report to the next, so step 1
 * (noise, first call) is left out and each interval holds exactly one step's UNet call(s) and preview.
 */
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyCheckpoint } from '../engine/models/tiny-checkpoint.ts';
import { OnnxSession } from '../engine/onnx/session.ts';
import { ProviderSelector } from '../engine/onnx/providers.ts';
import { SdxlPipeline } from '../engine/pipeline/sdxl-pipeline.ts';
import type { JobContext } from '../engine/pipeline/job-context.ts';
import { engineJob } from '../test/fixtures/engine-job.ts';
import type { EngineJob } from '../engine/protocol.ts';
import type { StepKernels, StepMathChoice } from '../engine/step-kernels/step-kernels.ts';

export interface StepOverhead {
  label: string;
  steps: number;
  /** Per measured step (steps 2..N): wall ms, ms inside UNet session.run, share outside (0..1). */
  stepMs: number[];
  runMs: number[];
  outsideShare: number[];
  /** UNet session.run calls per step (1 for single-call samplers). */
  callsPerStep: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export interface StepOverheadCase {
  label: string;
  job: Partial<EngineJob>;
}

/** How the pipeline under measurement is set up (the defaults are the engine child's). */
export interface StepOverheadSetup {
  threads?: number;
  /** onnxruntime pool threads spin between runs (the old default; engine/onnx/session.ts threadingOptions). */
  allowSpinning?: boolean;
  stepMath?: StepMathChoice;
  javascriptKernels?: StepKernels;
  /** Warm-up jobs (3 steps) before the cases; default 1. */
  warmJobs?: number;
}

/** Runs each case once (after one warm-up job) on one pipeline; the threads follow the engine child's default. */
export async function measureStepOverhead(
  cases: StepOverheadCase[],
  setup: StepOverheadSetup = {},
): Promise<StepOverhead[]> {
  const threads = setup.threads ?? Math.max(1, os.availableParallelism() - 1);
  const root = await mkdtemp(join(tmpdir(), 'fooocus-bench-steps-'));
  try {
    const model = 'tiny-sdxl-demo';
    await writeTinyCheckpoint(join(root, 'checkpoints', model));
    let unetMs = 0;
    let unetCalls = 0;
    const providers = new ProviderSelector(
      'cpu',
      threads,
      () => {},
      async (file, options) => {
        const session = await OnnxSession.create(file, { ...options, allowSpinning: setup.allowSpinning });
        if (options.label?.endsWith('/unet')) {
          const run = session.run.bind(session);
          session.run = async (feeds, fetch) => {
            const started = performance.now();
            try {
              return await run(feeds, fetch);
            } finally {
              unetMs += performance.now() - started;
              unetCalls++;
            }
          };
        }
        return session;
      },
    );
    const pipeline = new SdxlPipeline({
      modelsDir: root,
      providers,
      stepMath: setup.stepMath,
      javascriptKernels: setup.javascriptKernels,
    });
    // Fooocus's defaults (the test fixture's job) at the bench's size and step count.
    const base: EngineJob = engineJob({
      jobId: 'bench',
      model,
      prompt: 'a lighthouse at dusk',
      width: 1152,
      height: 896,
      seed: 100n,
      steps: 30,
    });
    const runCase = async (c: StepOverheadCase): Promise<StepOverhead> => {
      const job = { ...base, ...c.job };
      const marks: { at: number; unetMs: number; calls: number }[] = [];
      const ctx: JobContext = {
        controlRequested: () => null,
        reportProgress: (_percent, message) => {
          if (message.startsWith('Sampling step')) marks.push({ at: performance.now(), unetMs, calls: unetCalls });
        },
        emitImage: () => {},
      };
      await pipeline.run(job, ctx);
      const stepMs: number[] = [];
      const runMs: number[] = [];
      const calls: number[] = [];
      for (let i = 1; i < marks.length; i++) {
        stepMs.push(marks[i].at - marks[i - 1].at);
        runMs.push(marks[i].unetMs - marks[i - 1].unetMs);
        calls.push(marks[i].calls - marks[i - 1].calls);
      }
      return {
        label: c.label,
        steps: job.steps,
        stepMs,
        runMs,
        outsideShare: stepMs.map((s, i) => (s - runMs[i]) / s),
        callsPerStep: median(calls),
      };
    };
    for (let i = 0; i < (setup.warmJobs ?? 1); i++) await runCase({ label: 'warm-up', job: { steps: 3 } });
    const results: StepOverhead[] = [];
    for (const c of cases) results.push(await runCase(c));
    await pipeline.release();
    return results;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export function printStepOverhead(results: StepOverhead[]): void {
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  console.log(
    'Engine time per step outside UNet session.run (in-process, tiny checkpoint, 1152x896, 30 steps; medians over steps 2..30)',
  );
  for (const r of results) {
    const outside = r.stepMs.map((s, i) => s - r.runMs[i]);
    console.log(
      `  ${r.label.padEnd(44)} step ${ms(median(r.stepMs))}  session.run ${ms(median(r.runMs))} (${r.callsPerStep} call/step)  outside ${ms(median(outside))}  share outside ${(100 * median(r.outsideShare)).toFixed(1)} %  (min ${(100 * Math.min(...r.outsideShare)).toFixed(1)} %, max ${(100 * Math.max(...r.outsideShare)).toFixed(1)} %)`,
    );
  }
}

/** The cases `npm run bench` prints: the default job, then with parts switched off to attribute the overhead. */
export const STEP_OVERHEAD_CASES: StepOverheadCase[] = [
  { label: 'defaults (cfg 4, sharpness 2, previews on)', job: {} },
  { label: 'previews off', job: { isPreviewDisabled: true } },
  { label: 'previews off, sharpness 0', job: { isPreviewDisabled: true, sharpness: 0 } },
  { label: 'previews off, cfg 1 (batch 1, no CFG/filter)', job: { isPreviewDisabled: true, guidanceScale: 1 } },
];

if (import.meta.url === `file://${process.argv[1]}`) {
  printStepOverhead(await measureStepOverhead(STEP_OVERHEAD_CASES));
}
