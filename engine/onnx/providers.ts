/**
 * `--device auto|cuda|webgpu|cpu` → an execution-provider chain (DECISIONS §5). A provider whose
 * session creation throws (CUDA libraries absent, no Vulkan adapter for WebGPU) is dropped for
 * the rest of the process with one log line, and the next provider is tried.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EngineError } from '../errors.ts';
import { buildProbeModel } from './probe-model.ts';
import { OnnxSession, type CreateSessionOptions, type Logger } from './session.ts';

export type SessionFactory = (model: string | Uint8Array, options: CreateSessionOptions) => Promise<OnnxSession>;

export const DEVICES = ['auto', 'cuda', 'webgpu', 'cpu'] as const;
export type Device = (typeof DEVICES)[number];

export function parseDevice(value: string | undefined): Device {
  const device = (value ?? 'auto').trim().toLowerCase();
  if ((DEVICES as readonly string[]).includes(device)) return device as Device;
  throw new EngineError('invalid-input', `device '${value}' is unknown; available: ${DEVICES.join(', ')}`, {
    field: 'device',
  });
}

/**
 * Whether onnxruntime-node was installed with its CUDA provider (`ONNXRUNTIME_NODE_INSTALL=cuda12`).
 * The default install skips it (package.json allowScripts), and asking for CUDA without it makes onnxruntime print a
 * native error on every start, so `auto` does not ask.
 */
export function isCudaProviderInstalled(): boolean {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    const packageDir = entry.slice(0, entry.lastIndexOf('onnxruntime-node') + 'onnxruntime-node'.length);
    const file = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return (
      existsSync(join(packageDir, 'bin', 'napi-v6', process.platform, process.arch, file)) ||
      existsSync(join(dirname(entry), file))
    );
  } catch {
    return false;
  }
}

/** auto tries the accelerators first; an explicit device still ends on CPU so a job never fails for lack of a GPU. */
export function providerChain(device: Device, hasCuda = isCudaProviderInstalled()): string[] {
  switch (device) {
    case 'auto':
      return hasCuda ? ['cuda', 'webgpu', 'cpu'] : ['webgpu', 'cpu'];
    case 'cuda':
      return ['cuda', 'cpu'];
    case 'webgpu':
      return ['webgpu', 'cpu'];
    case 'cpu':
      return ['cpu'];
  }
}

export class ProviderSelector {
  private chain: string[];
  private lastUsed: string | null = null;
  /** Every provider that failed to start, in order, with the first line of its error. */
  readonly failures: { provider: string; reason: string }[] = [];

  constructor(
    device: Device,
    private readonly threads: number,
    private readonly log: Logger,
    /** Injectable for tests; the real one asks onnxruntime. */
    private readonly create: SessionFactory = (model, options) => OnnxSession.create(model, options),
    hasCuda = isCudaProviderInstalled(),
  ) {
    this.chain = providerChain(device, hasCuda);
  }

  /** The provider of the most recently created session ('none' before any). */
  get provider(): string {
    return this.lastUsed ?? 'none';
  }

  /** Creates a one-node session so the health output can name a provider before any model loads. */
  async probe(): Promise<string> {
    const session = await this.createSession(buildProbeModel(), 'provider probe');
    await session.release();
    return session.provider;
  }

  async createSession(model: string | Uint8Array, label: string): Promise<OnnxSession> {
    const failures: string[] = [];
    for (const provider of [...this.chain]) {
      try {
        const session = await this.create(model, { provider, threads: this.threads, log: this.log, label });
        if (this.lastUsed !== provider) this.log(`execution provider: ${provider}`);
        this.lastUsed = provider;
        return session;
      } catch (error) {
        const reason = firstLine((error as Error).message);
        failures.push(`${provider}: ${reason}`);
        this.failures.push({ provider, reason: (error as Error).message.split('\n')[0] });
        if (provider === 'cpu') break;
        this.log(`${label}: execution provider ${provider} failed (${reason}); falling back`);
        // A provider that cannot start (missing libraries or adapter) will not start for the next model either.
        this.chain = this.chain.filter((p) => p !== provider);
      }
    }
    throw new EngineError(
      'runtime-failure',
      `${label}: no execution provider could load the model (${failures.join('; ')})`,
    );
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}
