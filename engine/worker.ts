/**
 * Engine child-process entry (DECISIONS §2). The gateway runs
 *   fork('engine/worker.ts', [], { execArgv: ['--import', 'tsx'], serialization: 'advanced' })
 * This file is the message loop only: settings from env, one job at a time, every failure
 * reported as a `failed` message, and exit as soon as the IPC channel closes (no orphans).
 *
 * Env: FOOOCUS_MODELS_DIR (default ./models), FOOOCUS_DEVICE (auto|cuda|webgpu|cpu),
 *      FOOOCUS_THREADS (default cores − 1, at least 1), FOOOCUS_STYLES_DIR (default ./styles),
 *      FOOOCUS_WILDCARDS_DIR (default ./wildcards), FOOOCUS_INPUTS_DIR (default ./outputs/inputs: where
 *      the gateway stores input images that image jobs name).
 */
import { FooocusImports } from './import/fooocus-imports.ts';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { EngineError, toEngineErrorData } from './errors.ts';
import { parseDevice, ProviderSelector } from './onnx/providers.ts';
import type { ControlRequest, JobContext } from './pipeline/job-context.ts';
import { SdxlPipeline } from './pipeline/sdxl-pipeline.ts';
import type { EngineJob, EngineToGateway, GatewayToEngine } from './protocol.ts';

function log(line: string): void {
  process.stderr.write(`[engine] ${line}\n`);
}

/** The gateway is gone (its IPC channel closed or broke): nobody is left to work for. */
function exitOrphaned(): never {
  process.exit(0);
}

function send(message: EngineToGateway): void {
  if (!process.connected || !process.send) exitOrphaned();
  // A write to a channel whose other end died fails asynchronously with EPIPE, often before
  // 'disconnect' is seen: exit at once instead of crashing later.
  process.send(message, undefined, {}, (error) => {
    if (error) exitOrphaned();
  });
}

if (!process.send) {
  log('engine/worker.ts must be started with an IPC channel (child_process.fork)');
  process.exit(2);
}

process.on('disconnect', exitOrphaned);

try {
  // Lower priority so the gateway's HTTP loop stays responsive on a shared CPU.
  os.setPriority(0, 10);
} catch {
  // Not permitted on some hosts/containers: run at normal priority.
}

const threads =
  Number(process.env.FOOOCUS_THREADS) > 0
    ? Math.floor(Number(process.env.FOOOCUS_THREADS))
    : Math.max(1, os.availableParallelism() - 1);
const modelsDir = resolve(process.env.FOOOCUS_MODELS_DIR ?? 'models');
const stylesDir = resolve(process.env.FOOOCUS_STYLES_DIR ?? 'styles');
const wildcardsDir = resolve(process.env.FOOOCUS_WILDCARDS_DIR ?? 'wildcards');
const inputsDir = resolve(process.env.FOOOCUS_INPUTS_DIR ?? join('outputs', 'inputs'));
let currentJobId: string | null = null;
const controls = new Map<string, ControlRequest>();
/** Jobs queued or running; controls for other ids are ignored (the gateway handles those). */
const known = new Set<string>();
let queue: Promise<void> = Promise.resolve();

function crash(error: unknown): void {
  log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (currentJobId)
    send({
      type: 'failed',
      jobId: currentJobId,
      error: { kind: 'crashed', message: `engine crashed: ${error instanceof Error ? error.message : String(error)}` },
    });
  // Let the IPC message flush before exiting; the gateway restarts us.
  setTimeout(() => process.exit(1), 100).unref();
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

function contextFor(jobId: string): JobContext {
  return {
    controlRequested() {
      // Checked between steps: a busy job must not outlive the gateway (no orphans after kill -9).
      if (!process.connected) exitOrphaned();
      const request = controls.get(jobId) ?? null;
      if (request === 'skip') controls.delete(jobId);
      return request;
    },
    reportProgress(percent, message, preview) {
      send(
        preview
          ? { type: 'progress', jobId, percent, message, preview }
          : { type: 'progress', jobId, percent, message },
      );
    },
    emitImage(image) {
      send({ type: 'image', jobId, ...image });
    },
  };
}

async function runJob(pipeline: SdxlPipeline, job: EngineJob): Promise<void> {
  const started = Date.now();
  currentJobId = job.jobId;
  try {
    const { outcome, warnings } = await pipeline.run(job, contextFor(job.jobId));
    send({ type: 'done', jobId: job.jobId, outcome, engineMs: Date.now() - started, warnings });
  } catch (error) {
    const data = toEngineErrorData(error);
    if (!(error instanceof EngineError) || data.kind === 'runtime-failure')
      log(`job ${job.jobId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    send({ type: 'failed', jobId: job.jobId, error: data });
  } finally {
    currentJobId = null;
    controls.delete(job.jobId);
    known.delete(job.jobId);
  }
}

async function main(): Promise<void> {
  let device;
  try {
    device = parseDevice(process.env.FOOOCUS_DEVICE);
  } catch (error) {
    log(`${(error as Error).message}; using auto`);
    device = parseDevice('auto');
  }
  const providers = new ProviderSelector(device, threads, log);
  let provider = 'unavailable';
  try {
    provider = await providers.probe();
  } catch (error) {
    log(`no execution provider could start: ${(error as Error).message}`);
  }
  const fooocusDir = process.env.FOOOCUS_IMPORT_DIR;
  const fooocusImports = fooocusDir ? new FooocusImports(modelsDir, fooocusDir) : undefined;
  const pipeline = new SdxlPipeline({ modelsDir, stylesDir, wildcardsDir, inputsDir, providers, log, fooocusImports });
  process.on('message', (raw: GatewayToEngine) => {
    if (raw.type === 'run') {
      // Jobs queue here one at a time (the gateway sends one, but a second must not interleave).
      const job = raw.job;
      known.add(job.jobId);
      queue = queue.then(() => runJob(pipeline, job));
    } else if (raw.type === 'control') {
      // A stop outranks a pending skip; recorded even before the job starts.
      if (!known.has(raw.jobId)) return;
      if (raw.action === 'stop' || controls.get(raw.jobId) !== 'stop') controls.set(raw.jobId, raw.action);
    } else if (raw.type === 'release') {
      // Between jobs: queued behind the job in progress, ahead of the next one.
      queue = queue
        .then(() => pipeline.release())
        .catch((error: unknown) =>
          log(`releasing sessions failed: ${error instanceof Error ? error.message : String(error)}`),
        )
        .then(() => send({ type: 'released' }));
    } else if (raw.type === 'shutdown') {
      for (const jobId of known) controls.set(jobId, 'stop');
      void queue.finally(() => pipeline.release()).finally(() => process.exit(0));
    } else {
      log(`ignoring unknown message ${JSON.stringify(raw)}`);
    }
  });
  log(`ready: provider ${provider}, ${threads} threads, models ${modelsDir}`);
  send({
    type: 'ready',
    info: { provider, threads, ...(providers.failures.length > 0 ? { tried: providers.failures } : {}) },
  });
}

main().catch(crash);
