/**
 * Runs the describe and mask models in their own child (engine/tools/tools-worker.ts), started on
 * the first request: they answer at once, beside the generation queue (the originals run them
 * outside their worker too), and never on the gateway loop (DECISIONS §2). Requests are matched
 * to replies by id; a child that dies fails what it held and the next request starts a new one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DescribeImageType, ToolReply, ToolRequest } from '../../engine/index.ts';
import { lineSplitter } from '../engine-client/engine-log-lines.ts';
import type { Logger } from '../logging/logger.ts';
import { ToolFailure, type DescribeOutcome, type MaskOutcome, type ToolsClient } from './tools-client.ts';

export interface ChildToolsOptions {
  modelsDir: string;
  device: string;
  gpuIndex?: number | null;
  threads?: number;
  isDemoAllowed: boolean;
  logger: Logger;
}

interface Pending {
  resolve(reply: ToolReply): void;
  reject(error: Error): void;
}

type Request = ToolRequest extends infer R ? (R extends ToolRequest ? Omit<R, 'id'> : never) : never;

const PREFIX = '[tools] ';

function logToolsLine(logger: Logger, line: string): void {
  if (!line.startsWith(PREFIX)) return logger.debug(`tools (native): ${line}`);
  const text = line.slice(PREFIX.length);
  if (/^fatal\b/.test(text)) logger.error(`tools: ${text}`);
  else if (/\bfailed\b/.test(text)) logger.warn(`tools: ${text}`);
  else logger.debug(`tools: ${text}`);
}

export class ChildToolsClient implements ToolsClient {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private isClosing = false;

  constructor(private readonly options: ChildToolsOptions) {}

  async describe(png: Uint8Array, imageType: DescribeImageType): Promise<DescribeOutcome> {
    const reply = await this.request({ type: 'describe', png, imageType });
    if (reply.type !== 'described') throw new Error(`the tools process answered ${reply.type} to a describe request`);
    return { text: reply.text, warnings: reply.warnings };
  }

  async mask(png: Uint8Array, model: string, clothCategory: string): Promise<MaskOutcome> {
    const reply = await this.request({ type: 'mask', png, model, clothCategory });
    if (reply.type !== 'masked') throw new Error(`the tools process answered ${reply.type} to a mask request`);
    return { png: reply.png, width: reply.width, height: reply.height, warnings: reply.warnings };
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

  private request(request: Request): Promise<ToolReply> {
    if (this.isClosing) return Promise.reject(new Error('the tools process is shutting down'));
    const child = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (reply) => {
          if (reply.type !== 'failed') return resolve(reply);
          reject(new ToolFailure(reply.error.kind, reply.error.message, reply.error.field));
        },
        reject,
      });
      child.send({ ...request, id } as ToolRequest);
    });
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    const isSource = fileURLToPath(import.meta.url).endsWith('.ts');
    const script = `../../engine/tools/tools-worker.${isSource ? 'ts' : 'js'}`;
    const workerPath = fileURLToPath(new URL(script, import.meta.url));
    const { options } = this;
    const child = fork(workerPath, [], {
      execArgv: isSource ? ['--import', 'tsx'] : [],
      serialization: 'advanced',
      env: {
        ...process.env,
        FOOOCUS_MODELS_DIR: options.modelsDir,
        FOOOCUS_DEVICE: options.device,
        FOOOCUS_DEMO_MODELS: options.isDemoAllowed ? '1' : '0',
        ...(options.threads ? { FOOOCUS_THREADS: String(options.threads) } : {}),
        ...(options.gpuIndex !== undefined && options.gpuIndex !== null
          ? { CUDA_VISIBLE_DEVICES: String(options.gpuIndex) }
          : {}),
      },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    child.stderr?.on(
      'data',
      lineSplitter((line) => logToolsLine(options.logger, line)),
    );
    child.on('message', (reply: ToolReply) => {
      if (reply.type === 'ready') return;
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      pending?.resolve(reply);
    });
    child.on('error', (error) => options.logger.error('tools process error', error));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      const failed = [...this.pending.values()];
      this.pending.clear();
      const how = signal ?? `code ${code}`;
      const message = `the tools process exited (${how}) during the request`;
      for (const p of failed) p.reject(new ToolFailure('crashed', message));
      if (!this.isClosing && failed.length > 0) options.logger.warn(`${message}; the next request starts a new one`);
    });
    this.child = child;
    return child;
  }
}
