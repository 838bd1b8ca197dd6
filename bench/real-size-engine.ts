/**
 * Child process of `npm run bench -- --real-size` (bench/real-size.bench.ts): the engine in-process
 * on one checkpoint, alone in its process so its peak resident memory is the engine's.
 * Prints one JSON line: session creation per model, the UNet step (interval between the step
 * reports 1→2, so it holds exactly one batch-2 CFG call) and its time outside session.run, job wall
 * times, the sessions the second job created (0 when the loaded model is reused) and peak RSS.
 *
 * tsx bench/real-size-engine.ts <modelsDir> <checkpoint> <device> <size> <steps> <second job steps, 0 = none>
 *   [lora.safetensors] [freeu]
 */
import os from 'node:os';
import { OnnxSession } from '../engine/onnx/session.ts';
import { parseDevice, ProviderSelector } from '../engine/onnx/providers.ts';
import type { JobContext } from '../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../engine/pipeline/sdxl-pipeline.ts';
import type { EngineJob } from '../engine/protocol.ts';
import { engineJob } from '../test/fixtures/engine-job.ts';

const [modelsDir, model, device, sizeText, stepsText, secondStepsText, lora, freeu] = process.argv.slice(2);
const size = Number(sizeText);
const steps = Number(stepsText);
const threads = Math.max(1, os.availableParallelism());

const sessions: { label: string; ms: number; rssAfterMb: number }[] = [];
let unetMs = 0;
let unetCalls = 0;
const rssMb = () => process.memoryUsage.rss() / 2 ** 20;
const providers = new ProviderSelector(
  parseDevice(device),
  threads,
  (line) => console.error(line),
  async (file, options) => {
    const started = performance.now();
    const session = await OnnxSession.create(file, options);
    sessions.push({ label: options.label ?? String(file), ms: performance.now() - started, rssAfterMb: rssMb() });
    if (options.label?.endsWith('/unet')) {
      const run = session.run.bind(session);
      session.run = async (feeds, fetch) => {
        const t0 = performance.now();
        try {
          return await run(feeds, fetch);
        } finally {
          unetMs += performance.now() - t0;
          unetCalls++;
        }
      };
    }
    return session;
  },
);
const pipeline = new SdxlPipeline({ modelsDir, providers });
const job: EngineJob = engineJob({
  jobId: 'real-size',
  model,
  prompt: 'a lighthouse at dusk',
  width: size,
  height: size,
  steps,
  sampler: 'euler',
  scheduler: 'karras',
  isPreviewDisabled: false,
  loras: lora ? [{ name: lora, weight: 0.8 }] : [],
  ...(freeu === 'freeu' ? { freeu: { b1: 1.01, b2: 1.02, s1: 0.99, s2: 0.95 } } : {}),
});

async function runJob(steps: number) {
  const marks: { at: number; unetMs: number; calls: number }[] = [];
  const sessionsBefore = sessions.length;
  const started = performance.now();
  let finite = true;
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: (_percent, message) => {
      if (message.startsWith('Sampling step')) marks.push({ at: performance.now(), unetMs, calls: unetCalls });
    },
    emitImage: (image) => {
      finite &&= image.bytes.length > 0;
    },
  };
  const result = await pipeline.run({ ...job, steps }, ctx);
  const intervals = marks.slice(1).map((m, i) => ({
    stepMs: m.at - marks[i].at,
    runMs: m.unetMs - marks[i].unetMs,
    calls: m.calls - marks[i].calls,
  }));
  return {
    outcome: result.outcome,
    warnings: result.warnings,
    wallMs: performance.now() - started,
    sessionsCreated: sessions.length - sessionsBefore,
    intervals,
    imageWritten: finite,
  };
}

const first = await runJob(steps);
const second = Number(secondStepsText) > 0 ? await runJob(Number(secondStepsText)) : null;
await pipeline.release();
console.log(JSON.stringify({ threads, sessions, first, second, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
