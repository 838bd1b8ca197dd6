/**
 * The CPU step math with guidance on its own thread. The JavaScript kernels ran the sharpness
 * filter 1.7× slower inside the engine process than in a plain one: V8 keeps one "no ArrayBuffer
 * was ever detached" guarantee per isolate, and once anything detaches one (importing
 * onnxruntime-node is enough) optimised typed-array loops check for detachment on every access;
 * a long-lived process also polluted the loops' type feedback. A worker is a fresh isolate that
 * runs nothing else and never detaches (guidance.worker.ts), so the filter keeps its plain-process
 * speed; the latents cross by copy (~0.2 ms a step at 1152×896), small beside the filter.
 * Batch-1 guidance (no CFG: x0 alone) and the samplers' arithmetic stay on the calling thread.
 */
import type { Worker } from 'node:worker_threads';
import { EngineError } from '../errors.ts';
import { moduleWorker, siblingModule } from '../threads/module-worker.ts';
import type { ThreadTime } from '../threads/thread-time.ts';
import type { GuidanceReply, GuidanceRequest } from './guidance-protocol.ts';
import { javascriptStepKernels, type GuidanceInput, type StepKernels } from './step-kernels.ts';

export interface ThreadedStepKernelsOptions {
  /** Told the guidance thread's own time of each call it ran (the bench measures the filter by it). */
  onGuided?(time: ThreadTime, input: GuidanceInput): void;
  /** For tests (a thread that fails on demand); defaults to guidance.worker next to this file. */
  createWorker?: () => Worker;
}

interface Call {
  input: GuidanceInput;
  resolve(denoised: Float32Array): void;
  reject(error: Error): void;
}

export class ThreadedStepKernels implements StepKernels {
  readonly kind = 'javascript' as const;
  readonly combine = javascriptStepKernels.combine;
  private worker: Worker | null = null;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;

  constructor(private readonly options: ThreadedStepKernelsOptions = {}) {}

  unetSample(x: Float32Array, shape: GuidanceInput['shape'], cIn: number, batch: 1 | 2): Promise<Float32Array> {
    return javascriptStepKernels.unetSample(x, shape, cIn, batch);
  }

  guide(input: GuidanceInput): Promise<Float32Array> {
    if (input.batch === 1) return javascriptStepKernels.guide(input);
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { input, resolve, reject });
      // Referenced only while a call is out, so an idle thread never keeps the process alive.
      if (this.calls.size === 1) worker.ref();
      const request: GuidanceRequest = {
        id,
        input: { ...input, x: ownBuffer(input.x), output: ownBuffer(input.output) },
      };
      worker.postMessage(request);
    });
  }

  async release(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failCalls(new EngineError('runtime-failure', 'the step kernels were released during a job'));
    await worker?.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = (this.options.createWorker ?? guidanceWorker)();
    worker.unref();
    worker.on('message', (reply: GuidanceReply) => this.settle(worker, reply));
    worker.on('error', (error) => this.lose(worker, error.message));
    worker.on('exit', (code) => this.lose(worker, `it exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private settle(worker: Worker, reply: GuidanceReply): void {
    const call = this.calls.get(reply.id);
    if (!call) return;
    this.calls.delete(reply.id);
    if (this.calls.size === 0) worker.unref();
    if (!reply.ok) return call.reject(new EngineError('runtime-failure', `guidance failed: ${reply.message}`));
    this.options.onGuided?.(reply.time, call.input);
    call.resolve(reply.denoised);
  }

  /** The thread died: its calls fail (the job with them), and the next call starts a fresh one. */
  private lose(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.failCalls(new EngineError('runtime-failure', `the guidance thread stopped: ${why}`));
  }

  private failCalls(error: EngineError): void {
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
  }
}

/** A thread running guidance.worker. */
export function guidanceWorker(): Worker {
  return moduleWorker(siblingModule('guidance.worker', import.meta.url));
}

/** The array itself when it spans its whole buffer, else a copy: posting a view clones all of its buffer. */
function ownBuffer(array: Float32Array): Float32Array {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : array.slice();
}
