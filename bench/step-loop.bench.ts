/**
 * Issue 12, engine side, for `npm run bench` (dispatched from generation.bench.ts; also runnable
 * alone: `npx tsx bench/step-loop.bench.ts`), each figure printed beside its target:
 *  - engine threads: CPU that idle onnxruntime pool threads burn right after a run, spinning or not;
 *    and the guidance (sharpness filter + CFG) of each step inside the pipeline against the same
 *    call replayed right after it in a plain process (bench/plain-guidance.ts), so a loaded machine
 *    slows both alike, for pool threads spinning (onnxruntime's default, before) and not (now);
 *  - the step loop: time per step outside the UNet's session.run as a share of the step, per
 *    provider and step math (JavaScript, or the ONNX graphs CUDA/WebGPU run: forced here on CPU);
 *  - previews: a Lightning 512² stream over HTTP carries a step preview (measureLightningStream).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyCheckpoint } from '../engine/models/tiny-checkpoint.ts';
import { OnnxSession } from '../engine/onnx/session.ts';
import {
  javascriptStepKernels,
  type GuidanceInput,
  type StepKernels,
  type StepMathKind,
} from '../engine/step-kernels/step-kernels.ts';
import { ThreadedStepKernels } from '../engine/step-kernels/threaded-step-kernels.ts';
import type { PlainGuidanceReply } from './plain-guidance.ts';
import { timeOnThread, type ThreadTime } from '../engine/threads/thread-time.ts';
import { measureStepOverhead, type StepOverhead } from './step-overhead.ts';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
const ms = (v: number) => `${v.toFixed(1)} ms`;
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const THREAD_STEPS = 12;
const LOOP_STEPS = 12;

/** The plain process: replays one guidance call and answers its timings. */
function plainReplayer(): { replay(input: GuidanceInput): Promise<PlainGuidanceReply>; close(): void } {
  const child: ChildProcess = fork(join(import.meta.dirname, 'plain-guidance.ts'), [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
  });
  return {
    replay: (input) =>
      new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        child.once('error', onError);
        child.once('message', (reply) => {
          child.off('error', onError);
          resolve(reply as PlainGuidanceReply);
        });
        child.send(input);
      }),
    close: () => void child.kill(),
  };
}

interface Pair {
  pipeline: ThreadTime;
  plain: PlainGuidanceReply;
}

/**
 * The engine's JavaScript kernels with every sharpening guidance call timed on the thread that ran
 * it (the guidance thread, or the pipeline's own for the "before" rows), then replayed in the plain
 * process; `waits` gets, per guidance call, the time spent waiting for that replay (0 when none).
 */
function pairedKernels(
  plain: ReturnType<typeof plainReplayer>,
  pairs: Pair[],
  waits: number[],
  onGuidanceThread: boolean,
): StepKernels {
  let threadTime: ThreadTime | null = null;
  const threaded = new ThreadedStepKernels({ onGuided: (time) => (threadTime = time) });
  const timedGuide = async (input: GuidanceInput): Promise<{ value: Float32Array; time: ThreadTime }> => {
    if (!onGuidanceThread) return timeOnThread(() => javascriptStepKernels.guide(input));
    const value = await threaded.guide(input);
    return { value, time: threadTime! };
  };
  return {
    ...javascriptStepKernels,
    async guide(input) {
      const { value: out, time: pipeline } = await timedGuide(input);
      let waitMs = 0;
      if (input.batch === 2 && input.sharpnessWeight > 0) {
        const replayed = performance.now();
        pairs.push({ pipeline, plain: await plain.replay(input) });
        waitMs = performance.now() - replayed;
      }
      waits.push(waitMs);
      return out;
    },
    release: () => threaded.release(),
  };
}

interface ThreadsRow {
  label: string;
  pairs: Pair[];
  stepMs: number[];
  runMs: number[];
}

export interface EngineThreadsReport {
  spinCpu: { spinning: number; off: number; threads: number };
  rows: ThreadsRow[];
}

/** Share of one core that the process burns while its JavaScript thread sleeps 20 ms after each UNet run. */
async function spinCpu(unet: string, threads: number, allowSpinning: boolean): Promise<number> {
  const session = await OnnxSession.create(unet, { provider: 'cpu', threads, allowSpinning });
  const n = 4 * 112 * 144;
  const feeds = {
    sample: { data: new Float32Array(2 * n), dims: [2, 4, 112, 144] },
    timestep: { data: [500], dims: [1] },
    encoder_hidden_states: { data: new Float32Array(2 * 77 * 64), dims: [2, 77, 64] },
    text_embeds: { data: new Float32Array(2 * 32), dims: [2, 32] },
    time_ids: { data: new Float32Array(12), dims: [2, 6] },
  };
  await session.run(feeds);
  let cpu = 0;
  let wall = 0;
  for (let i = 0; i < 20; i++) {
    await session.run(feeds);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await new Promise((r) => setTimeout(r, 20));
    const used = process.cpuUsage(cpuBefore);
    wall += performance.now() - started;
    cpu += (used.user + used.system) / 1000;
  }
  await session.release();
  return cpu / wall;
}

export async function measureEngineThreads(): Promise<EngineThreadsReport> {
  const cores = os.availableParallelism();
  const engineDefault = Math.max(1, cores - 1);
  const configs = [
    {
      label: `${cores} onnxruntime threads spinning, guidance on the pipeline's thread (before)`,
      threads: cores,
      allowSpinning: true,
      onGuidanceThread: false,
    },
    {
      label: `${engineDefault} onnxruntime thread(s) (engine default), spinning off, guidance on the pipeline's thread`,
      threads: engineDefault,
      allowSpinning: false,
      onGuidanceThread: false,
    },
    {
      label: `${engineDefault} onnxruntime thread(s) (engine default), spinning off, guidance thread (now)`,
      threads: engineDefault,
      allowSpinning: false,
      onGuidanceThread: true,
    },
  ];
  const root = await mkdtemp(join(tmpdir(), 'fooocus-bench-threads-'));
  try {
    await writeTinyCheckpoint(join(root, 'tiny'));
    const unet = join(root, 'tiny', 'unet', 'model.onnx');
    const spinCpuReport = {
      spinning: await spinCpu(unet, cores, true),
      off: await spinCpu(unet, cores, false),
      threads: cores,
    };
    const rows: ThreadsRow[] = configs.map((c) => ({ label: c.label, pairs: [], stepMs: [], runMs: [] }));
    const plain = plainReplayer();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, config] of configs.entries()) {
          const pairs: Pair[] = [];
          const waits: number[] = [];
          const kernels = pairedKernels(plain, pairs, waits, config.onGuidanceThread);
          const [result] = await measureStepOverhead(
            [{ label: config.label, job: { isPreviewDisabled: true, steps: THREAD_STEPS } }],
            { threads: config.threads, allowSpinning: config.allowSpinning, javascriptKernels: kernels },
          ).finally(() => kernels.release());
          // The warm-up job's calls (compiling the kernels) are left out.
          rows[i].pairs.push(...pairs.slice(-(THREAD_STEPS - 2)));
          // Step k+2's interval holds guidance call k+1 of the job (one call per step); its replay wait is not the
          // step's.
          const jobWaits = waits.slice(-THREAD_STEPS);
          rows[i].stepMs.push(...result.stepMs.map((step, k) => step - jobWaits[k + 1]));
          rows[i].runMs.push(...result.runMs);
        }
      }
    } finally {
      plain.close();
    }
    return { spinCpu: spinCpuReport, rows };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export interface StepLoopRow {
  provider: string;
  stepMath: StepMathKind;
  result: StepOverhead;
}

/** The step loop per step math on the CPU provider (graphs forced: the path CUDA and WebGPU take). */
export async function measureStepLoop(): Promise<StepLoopRow[]> {
  const rows: StepLoopRow[] = [];
  for (const stepMath of ['javascript', 'graph'] as const) {
    const results = await measureStepOverhead(
      [
        { label: 'defaults (cfg 4, sharpness 2, previews on)', job: { steps: LOOP_STEPS } },
        { label: 'previews off', job: { steps: LOOP_STEPS, isPreviewDisabled: true } },
      ],
      { stepMath },
    );
    for (const result of results) rows.push({ provider: 'cpu', stepMath, result });
  }
  return rows;
}

export interface LightningStreamReport {
  events: number;
  withPreview: number;
  wallMs: number;
}

/** A Lightning 512² generation streamed over HTTP: how many events carry a step preview. */
export async function measureLightningStream(url: string): Promise<LightningStreamReport> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({
      prompt: 'a lighthouse at dusk',
      stream_output: true,
      performance_selection: 'Lightning',
      aspect_ratios_selection: '512*512',
      image_seed: 7,
    }),
  });
  const text = await res.text();
  const events = [...text.matchAll(/data: (\{[^\r\n]*\})\r\n/g)].map(
    (m) => JSON.parse(m[1]) as { preview: string | null },
  );
  return {
    events: events.length,
    withPreview: events.filter((e) => e.preview !== null).length,
    wallMs: performance.now() - started,
  };
}

export function printEngineReport(
  threads: EngineThreadsReport,
  loop: StepLoopRow[],
  lightning?: LightningStreamReport,
): void {
  console.log('Issue 12, engine side (tiny checkpoint, 1152x896; medians; targets in brackets)');
  if (lightning) {
    console.log(
      `  Lightning 512² stream: ${lightning.events} events, ${lightning.withPreview} with a step preview in ${ms(lightning.wallMs)}  ` +
        `[target ≥ 1 preview] ${lightning.withPreview >= 1 ? 'met' : 'MISSED'}`,
    );
  }
  const { spinCpu: spin } = threads;
  console.log(
    `  CPU burnt by idle onnxruntime pool threads in the 20 ms after each UNet run (${spin.threads} threads): ` +
      `spinning ${pct(spin.spinning)} of a core, spinning off ${pct(spin.off)}`,
  );
  console.log(
    `  Guidance per step (sharpness filter + CFG) inside the pipeline vs the same call replayed right after it in a plain ` +
      `process (${ROUNDS} jobs of ${THREAD_STEPS} steps); ratios are medians of pipeline ÷ plain per call [target ≤ 1.10]. ` +
      `On-CPU time is what the code costs; the wall time adds waiting for a CPU, from our own busy threads and from the machine's load`,
  );
  for (const row of threads.rows) {
    const of = (pick: (p: Pair) => number) => median(row.pairs.map(pick));
    const cpuRatio = of((p) => p.pipeline.cpuMs / p.plain.guide.cpuMs);
    const wallRatio = of((p) => p.pipeline.wallMs / p.plain.guide.wallMs);
    console.log(
      `    ${row.label} (${row.pairs.length} calls); step ${ms(median(row.stepMs))}, of which UNet run ${ms(median(row.runMs))}`,
    );
    console.log(
      `      on-CPU time: pipeline ${ms(of((p) => p.pipeline.cpuMs))}  plain ${ms(of((p) => p.plain.guide.cpuMs))} (filter alone ` +
        `${ms(of((p) => p.plain.filter.cpuMs))})  ratio ${cpuRatio.toFixed(2)} ${cpuRatio <= 1.1 ? 'met' : 'MISSED'}`,
    );
    console.log(
      `      wall time:   pipeline ${ms(of((p) => p.pipeline.wallMs))}  plain ${ms(of((p) => p.plain.guide.wallMs))}  ratio ${wallRatio.toFixed(2)}` +
        `  (waiting for a CPU: pipeline ${ms(of((p) => p.pipeline.waitMs))}, plain ${ms(of((p) => p.plain.guide.waitMs))})`,
    );
  }
  console.log(
    `  Step time outside the UNet's session.run, share of the step (${LOOP_STEPS} steps; medians over steps 2..${LOOP_STEPS})`,
  );
  for (const { provider, stepMath, result } of loop) {
    const outside = result.stepMs.map((s, i) => s - result.runMs[i]);
    const label = `${provider}, ${stepMath === 'graph' ? 'graph step math (forced on CPU: what CUDA/WebGPU run)' : 'JavaScript step math'}, ${result.label}`;
    console.log(
      `    ${label.padEnd(100)} step ${ms(median(result.stepMs))}  UNet run ${ms(median(result.runMs))}  outside ${ms(median(outside))} = ${pct(median(result.outsideShare))}`,
    );
  }
  console.log('    cuda, webgpu: not measurable on this machine (no GPU); both take the graph step math automatically');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printEngineReport(await measureEngineThreads(), await measureStepLoop());
}
