/**
 * Image-mode figures, run from bench/generation.bench.ts (or alone: `tsx bench/image-modes.bench.ts`).
 * Starts the real server (demo checkpoint and demo upscaler it writes itself), then:
 *  - wall time of a synchronous `Upscale (Fast 2x)` of a 1024² PNG over HTTP (target ≤ 3 s);
 *  - peak resident memory of the server's processes (gateway + engine child, /proc VmRSS sampled
 *    every 20 ms) during a synchronous `Upscale (2x)` of a 1400² PNG — 2800² out, so the tiled
 *    super-resolution path and a 2800² PNG — against the same processes idle after a warm-up
 *    (target ≤ 2 GiB above idle).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePng } from '../test/fixtures/images.ts';
import { childPids, startServerProcess, type ServerProcess } from '../test/fixtures/server-process.ts';

const MIB = 1024 * 1024;

/** VmRSS of `pid` and every descendant, bytes (Linux /proc). */
function treeRss(pid: number): number {
  let total = 0;
  try {
    const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += line ? Number(line[1]) * 1024 : 0;
  } catch {
    return 0;
  }
  for (const child of childPids(pid)) total += treeRss(child);
  return total;
}

async function peakRssDuring(pid: number, work: Promise<unknown>): Promise<number> {
  let peak = treeRss(pid);
  let isDone = false;
  void work.finally(() => (isDone = true));
  while (!isDone) {
    peak = Math.max(peak, treeRss(pid));
    await new Promise((r) => setTimeout(r, 20));
  }
  await work;
  return Math.max(peak, treeRss(pid));
}

async function upscale(server: ServerProcess, png: Buffer, method: string): Promise<{ wallMs: number; size: string }> {
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({ uov_input_image: png.toString('base64'), uov_method: method }),
  });
  const row = (await res.json()) as { task_status: string; result: string[]; error: string | null };
  const wallMs = performance.now() - started;
  if (row.task_status !== 'finished' || row.result.length !== 1)
    throw new Error(`${method} failed: ${JSON.stringify(row)}`);
  const bytes = Buffer.from(await (await fetch(row.result[0])).arrayBuffer());
  return { wallMs, size: `${bytes.readUInt32BE(16)}×${bytes.readUInt32BE(20)}` };
}

export async function runImageModesBench(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'fooocus-bench-img-'));
  const server = await startServerProcess(['--data-dir', join(root, 'outputs'), '--models-dir', join(root, 'models')]);
  try {
    const pid = server.process.pid!;
    // Warm-up: the engine child loads onnxruntime and the upscaler once.
    await upscale(server, await makePng(128, 128), 'Upscale (Fast 2x)');
    const input1024 = await makePng(1024, 1024);
    const fast = [];
    for (let i = 0; i < 3; i++) fast.push(await upscale(server, input1024, 'Upscale (Fast 2x)'));
    const sorted = fast.map((f) => f.wallMs).sort((a, b) => a - b);
    console.log(
      `Upscale (Fast 2x) of a 1024² PNG, sync over HTTP (target ≤ 3000 ms): ${fast.map((f) => `${f.wallMs.toFixed(0)} ms`).join(', ')}; median ${sorted[1].toFixed(0)} ms; output ${fast[0].size}`,
    );

    const input1400 = await makePng(1400, 1400);
    await new Promise((r) => setTimeout(r, 500));
    const idle = treeRss(pid);
    let result: { wallMs: number; size: string } | null = null;
    const peak = await peakRssDuring(
      pid,
      upscale(server, input1400, 'Upscale (2x)').then((r) => (result = r)),
    );
    console.log(
      `Upscale (2x) of a 1400² PNG (tiled super-resolution, ${result!.size} out, ${result!.wallMs.toFixed(0)} ms): server processes RSS idle ${(idle / MIB).toFixed(0)} MiB, peak ${(peak / MIB).toFixed(0)} MiB, +${((peak - idle) / MIB).toFixed(0)} MiB (target ≤ +2048 MiB)`,
    );
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runImageModesBench();
