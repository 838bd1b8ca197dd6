/**
 * `npm run bench`: gateway responsiveness while the engine works, and HTTP overhead of a sync job.
 * Starts the real server (engine child on the tiny demo checkpoint it writes), then, side by side
 * in one run:
 *  - p50/p99 latency of GET /v1/engines/styles sampled every 10 ms, idle and during generation of
 *    4 images at 1152×896, 30 steps, with an image-upload request and a JPEG Accept conversion running alongside;
 *  - wall time of a synchronous generation over HTTP ÷ the engine's own time for that job (median of 3);
 *  - in-process (bench/step-overhead.ts): the engine's time per sampling step spent outside the UNet's
 *    session.run (sampler maths, CFG, sharpness filter, previews) as a share of the step, median over
 *    the steps of a 1152×896, 30-step job on the tiny checkpoint, with parts switched off to attribute it;
 *  - image modes (bench/image-modes.bench.ts): Upscale (Fast 2x) wall time, peak RSS of an Upscale (2x).
 *  - bench/api-throughput.bench.ts: async submissions per second (8 keep-alive clients, while the
 *    engine generates) and p50/p99 of the cheap GETs, idle and busy, against their targets;
 *  - bench/cluster.bench.ts: tasks per minute with 1 and 2 engines on one node and with 2 nodes, and
 *    the cross-node event latency (PostgreSQL).
 * `npm run bench -- --real-size` runs bench/real-size.bench.ts instead: the engine on a full-size
 * synthetic SDXL checkpoint (minutes, ~30 GB of disk).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePng } from '../test/fixtures/images.ts';
import { startServerProcess, type ServerProcess } from '../test/fixtures/server-process.ts';
import { runApiThroughputBench } from './api-throughput.bench.ts';
import { runClusterBench } from './cluster.bench.ts';
import { measureStepOverhead, printStepOverhead, STEP_OVERHEAD_CASES } from './step-overhead.ts';
import { runImageModesBench } from './image-modes.bench.ts';
import { runRealSizeBench } from './real-size.bench.ts';
import { measureEngineThreads, measureLightningStream, measureStepLoop, printEngineReport } from './step-loop.bench.ts';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const median = (values: number[]) => percentile(values, 50);
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

/** Samples a cheap GET every 10 ms until `until` settles; returns the latencies. */
async function sampleLatency(url: string, until: Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let isDone = false;
  void until.finally(() => (isDone = true));
  while (!isDone) {
    const started = performance.now();
    const res = await fetch(`${url}/v1/engines/styles`);
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 10));
  }
  return latencies;
}

async function syncGeneration(
  server: ServerProcess,
  seed: number,
): Promise<{ wallMs: number; engineMs: number; result: string[] }> {
  const logBefore = server.output().length;
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({
      prompt: 'a lighthouse at dusk',
      image_number: 4,
      aspect_ratios_selection: '1152*896',
      performance_selection: 'Speed',
      image_seed: seed,
    }),
  });
  const row = (await res.json()) as { task_id: string; result: string[] };
  const wallMs = performance.now() - started;
  const line = new RegExp(`task ${row.task_id}: engine (\\d+) ms`).exec(server.output().slice(logBefore));
  if (!line) throw new Error('the server did not log the engine time of the job');
  return { wallMs, engineMs: Number(line[1]), result: row.result };
}

async function main(): Promise<void> {
  // In-process first, so the server's engine child does not share the cores with it.
  const stepOverhead = await measureStepOverhead(STEP_OVERHEAD_CASES);
  const [engineThreads, stepLoop] = [await measureEngineThreads(), await measureStepLoop()];
  const root = await mkdtemp(join(tmpdir(), 'fooocus-bench-'));
  const server = await startServerProcess([
    '--data-dir',
    join(root, 'outputs'),
    '--models-dir',
    join(root, 'models'),
    '--log-level',
    'info',
  ]);
  try {
    const warm = await syncGeneration(server, 1);
    const lightning = await measureLightningStream(server.url);
    const idle = await sampleLatency(server.url, new Promise((r) => setTimeout(r, 3000)));

    const upload = (await makePng(1152, 896)).toString('base64');
    const sideLoad = async () => {
      await fetch(`${server.url}/v1/engine/generate/`, {
        method: 'POST',
        body: JSON.stringify({
          prompt: 'upload',
          uov_input_image: upload,
          async_process: true,
          aspect_ratios_selection: '512*512',
          performance_selection: 'Lightning',
        }),
      });
      await (await fetch(warm.result[0], { headers: { Accept: 'image/jpeg' } })).arrayBuffer();
    };
    const runs: { wallMs: number; engineMs: number }[] = [];
    const busy: number[] = [];
    for (let i = 0; i < 3; i++) {
      const job = syncGeneration(server, 100 + i);
      const side = sideLoad();
      busy.push(...(await sampleLatency(server.url, job)));
      await side;
      runs.push(await job);
    }
    const ratios = runs.map((r) => r.wallMs / r.engineMs);
    console.log(
      'GET /v1/engines/styles latency through fetch (undici, its own client cost included; the keep-alive node client figures are further down), one request every 10 ms',
    );
    console.log(`  idle:             p50 ${fmt(median(idle))}  p99 ${fmt(percentile(idle, 99))}  (n=${idle.length})`);
    console.log(
      `  while generating: p50 ${fmt(median(busy))}  p99 ${fmt(percentile(busy, 99))}  (n=${busy.length})  [4 images 1152x896, 30 steps + upload + JPEG conversion]`,
    );
    console.log(
      `  p99 ratio busy/idle: ${(percentile(busy, 99) / percentile(idle, 99)).toFixed(2)}  (target: busy p99 < 25 ms, goal 10 ms)`,
    );
    console.log('Synchronous generation over HTTP vs the engine alone (4 images 1152x896, 30 steps)');
    for (const [i, r] of runs.entries())
      console.log(
        `  run ${i + 1}: wall ${fmt(r.wallMs)}  engine ${fmt(r.engineMs)}  ratio ${(r.wallMs / r.engineMs).toFixed(3)}`,
      );
    console.log(`  median ratio wall/engine: ${median(ratios).toFixed(3)}`);
    printStepOverhead(stepOverhead);
    printEngineReport(engineThreads, stepLoop, lightning);
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv.includes('--real-size')) {
  await runRealSizeBench(process.argv.slice(2));
} else {
  await main();
  await runApiThroughputBench();
  await runImageModesBench();
  await runClusterBench();
}
