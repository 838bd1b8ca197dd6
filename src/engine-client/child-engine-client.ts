/**
 * Spawns and supervises the engine child (DECISIONS §2): inference never runs on the gateway's
 * event loop; a crash rejects the job in flight with kind 'crashed' and a fresh child is started;
 * the child exits by itself when this process's IPC channel closes (no orphans after kill -9).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { EngineInfo, EngineJob, EngineToGateway, GatewayToEngine } from '../../engine/index.ts';
import type { Logger } from '../logging/logger.ts';
import { describeProviderChoice, lineSplitter, logEngineLine } from './engine-log-lines.ts';
import { EngineJobError, type EngineClient, type EngineRunHandlers, type EngineRunOutcome } from '../tasks/ports.ts';

export interface ChildEngineOptions {
  modelsDir: string;
  /** `--fooocus-models`: the engine imports what a job names from it (FOOOCUS_IMPORT_DIR). */
  fooocusModelsDir?: string | null;
  /** Fooocus style files and wildcard files the engine reads (FOOOCUS_STYLES_DIR / FOOOCUS_WILDCARDS_DIR). */
  stylesDir?: string;
  wildcardsDir?: string;
  /** Where the input resolver stores images (`<data-dir>/inputs`), read by image jobs (FOOOCUS_INPUTS_DIR). */
  inputsDir?: string;
  device: string;
  /** `--devices cuda:N`: the child sees only that GPU (as its device 0). */
  gpuIndex?: number | null;
  threads?: number;
  logger: Logger;
  /** Defaults to engine/worker.ts next to this source tree (or worker.js in a build). */
  workerPath?: string;
  /** Told each time the child exits unasked and is restarted (metrics). */
  onRestart?(reason: string): void;
}

interface InFlight {
  jobId: string;
  handlers: EngineRunHandlers;
  resolve(outcome: EngineRunOutcome): void;
  reject(error: Error): void;
  /** Image writes, in message order. */
  chain: Promise<void>;
}

const CHILD_NICENESS = 10;

export class ChildEngineClient implements EngineClient {
  private child: ChildProcess | null = null;
  private inFlight: InFlight | null = null;
  private engineInfo: EngineInfo | null = null;
  private isClosing = false;
  private restarts = 0;
  /** Callers of release(), answered in order by the child's `released` messages. */
  private readonly releaseWaiters: (() => void)[] = [];

  constructor(private readonly options: ChildEngineOptions) {}

  start(): void {
    if (this.child || this.isClosing) return;
    const self = fileURLToPath(import.meta.url);
    const isSource = self.endsWith('.ts');
    const workerPath =
      this.options.workerPath ??
      fileURLToPath(new URL(`../../engine/worker.${isSource ? 'ts' : 'js'}`, import.meta.url));
    const child = fork(workerPath, [], {
      // ENGINE_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the engine child.
      execArgv: [
        ...(isSource ? ['--import', 'tsx'] : []),
        ...(process.env.ENGINE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ],
      serialization: 'advanced',
      env: {
        ...process.env,
        FOOOCUS_MODELS_DIR: this.options.modelsDir,
        ...(this.options.fooocusModelsDir ? { FOOOCUS_IMPORT_DIR: this.options.fooocusModelsDir } : {}),
        FOOOCUS_DEVICE: this.options.device,
        ...(this.options.stylesDir ? { FOOOCUS_STYLES_DIR: this.options.stylesDir } : {}),
        ...(this.options.wildcardsDir ? { FOOOCUS_WILDCARDS_DIR: this.options.wildcardsDir } : {}),
        ...(this.options.inputsDir ? { FOOOCUS_INPUTS_DIR: this.options.inputsDir } : {}),
        ...(this.options.threads ? { FOOOCUS_THREADS: String(this.options.threads) } : {}),
        ...(this.options.gpuIndex !== undefined && this.options.gpuIndex !== null
          ? { CUDA_VISIBLE_DEVICES: String(this.options.gpuIndex) }
          : {}),
      },
      // stderr is read line by line: the engine's lines and onnxruntime's native noise become log lines.
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    child.stderr?.on(
      'data',
      lineSplitter((line) => logEngineLine(this.options.logger, line)),
    );
    this.child = child;
    try {
      if (child.pid) setPriority(child.pid, CHILD_NICENESS);
    } catch {
      // Not permitted everywhere; the child also lowers its own priority.
    }
    child.on('message', (message: EngineToGateway) => this.onMessage(message));
    child.on('error', (error) => this.options.logger.error('engine process error', error));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
  }

  /** The child's process id (tests kill it to prove supervision). */
  pid(): number | undefined {
    return this.child?.pid;
  }

  info(): EngineInfo | null {
    return this.engineInfo;
  }

  run(job: EngineJob, handlers: EngineRunHandlers): Promise<EngineRunOutcome> {
    if (this.inFlight) return Promise.reject(new Error('engine is busy: the runner must send one job at a time'));
    this.start();
    return new Promise((resolve, reject) => {
      this.inFlight = { jobId: job.jobId, handlers, resolve, reject, chain: Promise.resolve() };
      this.send({ type: 'run', job });
    });
  }

  control(jobId: string, action: 'stop' | 'skip'): void {
    if (this.inFlight?.jobId === jobId) this.send({ type: 'control', jobId, action });
  }

  /** The child frees its sessions after the job in progress; no child means nothing is loaded. */
  release(): Promise<void> {
    if (!this.child?.connected) return Promise.resolve();
    return new Promise((resolve) => {
      this.releaseWaiters.push(resolve);
      this.send({ type: 'release' });
    });
  }

  async close(): Promise<void> {
    this.isClosing = true;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  private send(message: GatewayToEngine): void {
    if (this.child?.connected) this.child.send(message);
  }

  private onMessage(message: EngineToGateway): void {
    if (message.type === 'ready') {
      this.engineInfo = message.info;
      this.restarts = 0;
      this.options.logger.info(describeProviderChoice(message.info));
      return;
    }
    if (message.type === 'released') {
      this.releaseWaiters.shift()?.();
      return;
    }
    const job = this.inFlight;
    if (!job || message.jobId !== job.jobId) return;
    switch (message.type) {
      case 'progress':
        job.handlers.onProgress(message);
        break;
      case 'image':
        job.chain = job.chain.then(() => job.handlers.onImage(message));
        // The first image that cannot be stored fails the job: the rest is not worth rendering.
        // (Handled here at once, or Node would take the rejection for an unhandled one and exit;
        // settle() still sees it.)
        job.chain.catch(() => this.control(job.jobId, 'stop'));
        break;
      case 'done':
        this.settle(job, () =>
          job.resolve({ outcome: message.outcome, engineMs: message.engineMs, warnings: message.warnings }),
        );
        break;
      case 'failed':
        this.settle(job, () =>
          job.reject(new EngineJobError(message.error.kind, message.error.message, message.error.field)),
        );
        break;
    }
  }

  private settle(job: InFlight, finish: () => void): void {
    this.inFlight = null;
    job.chain.then(finish, (error: Error) => job.reject(error));
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child === child) this.child = null;
    // A process that is gone holds no sessions: its release is done.
    for (const waiter of this.releaseWaiters.splice(0)) waiter();
    const job = this.inFlight;
    if (job)
      this.settle(job, () =>
        job.reject(
          new EngineJobError('crashed', `the engine process exited (${signal ?? `code ${code}`}) during the job`),
        ),
      );
    if (this.isClosing) return;
    this.options.logger.warn(`engine process exited (${signal ?? `code ${code}`}); restarting it`);
    this.options.onRestart?.(signal ?? `code ${code}`);
    const delay = Math.min(10_000, 200 * 2 ** this.restarts);
    this.restarts += 1;
    setTimeout(() => this.start(), delay).unref();
  }
}
