/**
 * ImageCodec on a small worker_threads pool running jimp, so no decode or encode ever runs on the
 * gateway loop (DECISIONS §2: a 1152×896 JPEG encode takes about 1 s of pure JS). Jobs wait in a
 * FIFO queue; workers start on first use, are unref'd while idle so they never keep the process
 * alive, and a worker that dies fails its job and is replaced for the next one.
 */
import type { Worker } from 'node:worker_threads';
import { moduleWorker, siblingModule } from '../../engine/index.ts';
import { InvalidFieldError } from '../errors.ts';
import type { CodecReply, CodecRequest } from './codec-protocol.ts';
import { ImageCodecError, type ImageCodec, type ImageFormat } from './image-codec.ts';
import { sniffImage } from './sniff-image.ts';

export interface WorkerImageCodecOptions {
  /** Number of worker threads. Default 1. */
  size?: number;
  /** Images whose header says more pixels than this are refused before decoding. Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  /** For tests (a worker that crashes on demand); defaults to image-codec.worker next to this file. */
  createWorker?: () => Worker;
}

/**
 * The decode memory budget: jimp holds about 9 bytes per pixel while decoding (an 8192² PNG took
 * +600 MiB and 5 s), so 40 MP (a 48 MP phone photo is the rare case beyond) keeps one decode
 * under about 360 MiB; the pool decodes one image at a time.
 */
export const DEFAULT_MAX_PIXELS = 40_000_000;

type Request = CodecRequest extends infer R ? (R extends CodecRequest ? Omit<R, 'id'> : never) : never;
type Success = Extract<CodecReply, { ok: true }>;

interface Job {
  request: Request;
  resolve: (reply: Success) => void;
  reject: (error: Error) => void;
  /** Builds the error for an undecodable input (field-aware for toPng). */
  undecodable: (message: string) => Error;
}

interface Slot {
  worker: Worker;
  job?: { id: number } & Job;
  isClosing?: boolean;
}

export class WorkerImageCodec implements ImageCodec {
  private readonly size: number;
  private readonly maxPixels: number;
  private readonly createWorker: () => Worker;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private isClosed = false;

  constructor(options: WorkerImageCodecOptions = {}) {
    this.size = Math.max(1, options.size ?? 1);
    this.maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
    this.createWorker = options.createWorker ?? defaultWorker;
  }

  async toPng(bytes: Uint8Array, field: string): Promise<{ png: Buffer; width: number; height: number }> {
    const tooLarge = this.sizeProblem(bytes);
    if (tooLarge) throw new InvalidFieldError(field, `${field}: ${tooLarge}`);
    const reply = await this.run(
      { op: 'to-png', bytes: ownCopy(bytes) },
      (message) => new InvalidFieldError(field, `${field}: not a decodable image (${message})`),
    );
    return { png: asBuffer(reply.bytes), width: reply.width, height: reply.height };
  }

  async convert(bytes: Uint8Array, format: ImageFormat): Promise<Buffer> {
    const tooLarge = this.sizeProblem(bytes);
    if (tooLarge) throw new ImageCodecError('too-large', tooLarge);
    const reply = await this.run(
      { op: 'convert', bytes: ownCopy(bytes), format },
      (message) => new ImageCodecError('undecodable', `not a decodable image (${message})`),
    );
    return asBuffer(reply.bytes);
  }

  async close(): Promise<void> {
    this.isClosed = true;
    for (const job of this.queue.splice(0)) job.reject(new ImageCodecError('closed', 'the image codec is closed'));
    await Promise.all(
      this.slots.map((slot) => {
        slot.isClosing = true;
        return slot.worker.terminate();
      }),
    );
  }

  private sizeProblem(bytes: Uint8Array): string | undefined {
    // Header-only check on the loop: a small file can claim a huge canvas (decompression bomb).
    const sniffed = sniffImage(bytes);
    if (sniffed && sniffed.width * sniffed.height > this.maxPixels) {
      return `the image is ${sniffed.width}×${sniffed.height}, more than the ${this.maxPixels}-pixel limit`;
    }
    return undefined;
  }

  private run(request: Request, undecodable: (message: string) => Error): Promise<Success> {
    if (this.isClosed) return Promise.reject(new ImageCodecError('closed', 'the image codec is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject, undecodable });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.isClosed) {
      let slot = this.slots.find((s) => !s.job && !s.isClosing);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const job = { ...this.queue.shift()!, id: this.nextId++ };
      slot.job = job;
      slot.worker.ref(); // a running job keeps the process alive until it settles
      const message = { ...job.request, id: job.id } as CodecRequest;
      slot.worker.postMessage(message, [message.bytes.buffer as ArrayBuffer]);
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: this.createWorker() };
    let lastError: Error | undefined;
    slot.worker.unref();
    slot.worker.on('message', (reply: CodecReply) => {
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      slot.job = undefined;
      slot.worker.unref();
      if (reply.ok) job.resolve(reply);
      else if (reply.kind === 'undecodable') job.reject(job.undecodable(reply.message));
      else job.reject(new ImageCodecError('encode-failed', `image encoding failed (${reply.message})`));
      this.dispatch();
    });
    slot.worker.on('error', (error) => {
      lastError = error;
    });
    slot.worker.on('exit', (code) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      const job = slot.job;
      slot.job = undefined;
      if (job) {
        const detail = lastError ? `: ${lastError.message}` : ` with code ${code}`;
        const error = slot.isClosing
          ? new ImageCodecError('closed', 'the image codec is closed')
          : new ImageCodecError('worker-crashed', `the image worker died${detail}`, { cause: lastError });
        job.reject(error);
      }
      this.dispatch(); // replaces the dead worker if jobs are waiting
    });
    this.slots.push(slot);
    return slot;
  }
}

/**
 * The worker script sits next to this module. In a compiled build (`.js`) it is started directly.
 * Under tsx it is a `.ts` file, and on Node 20 a worker does not get tsx's loader from inherited
 * execArgv (`--import tsx` and the tsx CLI alike fail with "Unknown file extension .ts"), so a
 * tiny ESM bootstrap registers tsx in the worker first, then imports the script.
 */
function defaultWorker(): Worker {
  return moduleWorker(siblingModule('image-codec.worker', import.meta.url));
}

/** An exact-size copy the pool may transfer to the worker without detaching the caller's buffer. */
function ownCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
