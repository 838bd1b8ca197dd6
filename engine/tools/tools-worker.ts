/**
 * The tools child-process entry: describe and mask requests (engine/describe, engine/masks),
 * forked by the gateway on first use (src/tools/child-tools-client.ts) so they never wait behind a
 * generation and never run on the gateway loop (DECISIONS §2). Requests run one at a time; every
 * failure is a `failed` reply; the process exits when its IPC channel closes.
 *
 * Env: FOOOCUS_MODELS_DIR, FOOOCUS_DEVICE, FOOOCUS_THREADS (as engine/worker.ts), and
 * FOOOCUS_DEMO_MODELS=0 to ignore the demo models (`--no-demo-model`).
 */
import os from 'node:os';
import { resolve } from 'node:path';
import { Describer } from '../describe/describer.ts';
import { toEngineErrorData } from '../errors.ts';
import { MaskGenerator } from '../masks/mask-generator.ts';
import { parseDevice, ProviderSelector } from '../onnx/providers.ts';
import type { OnnxSession } from '../onnx/session.ts';
import { decodeToolImage } from './tool-image.ts';
import type { ToolReply, ToolRequest } from './tools-protocol.ts';

function log(line: string): void {
  process.stderr.write(`[tools] ${line}\n`);
}

function exitOrphaned(): never {
  process.exit(0);
}

function send(message: ToolReply): void {
  if (!process.connected || !process.send) exitOrphaned();
  process.send(message, undefined, {}, (error) => {
    if (error) exitOrphaned();
  });
}

if (!process.send) {
  log('engine/tools/tools-worker.ts must be started with an IPC channel (child_process.fork)');
  process.exit(2);
}
process.on('disconnect', exitOrphaned);
try {
  os.setPriority(0, 10);
} catch {
  // Not permitted everywhere: run at normal priority.
}

const asked = Number(process.env.FOOOCUS_THREADS);
const threads = asked > 0 ? Math.floor(asked) : Math.max(1, os.availableParallelism() - 1);
const modelsDir = resolve(process.env.FOOOCUS_MODELS_DIR ?? 'models');
const isDemoAllowed = process.env.FOOOCUS_DEMO_MODELS !== '0';

async function main(): Promise<void> {
  let device;
  try {
    device = parseDevice(process.env.FOOOCUS_DEVICE);
  } catch (error) {
    log(`${(error as Error).message}; using auto`);
    device = parseDevice('auto');
  }
  const providers = new ProviderSelector(device, threads, log);
  const open = (path: string, label: string): Promise<OnnxSession> => providers.createSession(path, label);
  const describer = new Describer(modelsDir, isDemoAllowed, open);
  const masks = new MaskGenerator(modelsDir, isDemoAllowed, open);
  let queue: Promise<void> = Promise.resolve();
  const handle = async (request: ToolRequest): Promise<void> => {
    try {
      const rgb = await decodeToolImage(request.png);
      if (request.type === 'describe') {
        const { text, warnings } = await describer.describe(rgb, request.imageType);
        send({ type: 'described', id: request.id, text, warnings });
      } else {
        const { png, width, height, warnings } = await masks.generate(rgb, request.model, request.clothCategory);
        send({ type: 'masked', id: request.id, png, width, height, warnings });
      }
    } catch (error) {
      const data = toEngineErrorData(error);
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (data.kind === 'runtime-failure') log(`${request.type} ${request.id} failed: ${detail}`);
      send({ type: 'failed', id: request.id, error: data });
    }
  };
  process.on('message', (request: ToolRequest) => {
    if (request.type !== 'describe' && request.type !== 'mask') {
      return log(`ignoring unknown message ${JSON.stringify(request).slice(0, 200)}`);
    }
    queue = queue.then(() => handle(request));
  });
  log(`ready: ${threads} threads, models ${modelsDir}${isDemoAllowed ? '' : ', demo models off'}`);
  send({ type: 'ready', info: { provider: providers.provider, threads } });
}

main().catch((error: unknown) => {
  log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  setTimeout(() => process.exit(1), 100).unref();
});
