/**
 * What the engine child writes to stderr, as log lines of the gateway: its own `[engine] ` lines
 * at debug (or warn/error for failures), onnxruntime's native output (Vulkan/WebGPU adapter
 * errors on every CPU-only start, cut anywhere) at debug only. What a person needs at start is
 * the one summary line `describeProviderChoice` writes when the engine is ready.
 */
import type { EngineInfo } from '../../engine/index.ts';
import type { Logger } from '../logging/logger.ts';

const ENGINE_PREFIX = '[engine] ';
const MAX_REASON = 120;

/** Splits a stream's chunks into lines and hands each finished line to `onLine`. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let rest = '';
  return (chunk) => {
    const lines = (rest + chunk.toString()).split(/\r?\n/);
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  };
}

export function logEngineLine(logger: Logger, line: string): void {
  if (!line.startsWith(ENGINE_PREFIX)) return logger.debug(`engine (native): ${line}`);
  const text = line.slice(ENGINE_PREFIX.length);
  if (/^fatal\b/.test(text)) logger.error(`engine: ${text}`);
  else if (/^job \S+ failed|^no execution provider/.test(text)) logger.warn(`engine: ${text}`);
  else logger.debug(`engine: ${text}`);
}

/** onnxruntime's `path/file.cc:136 Function(...) <check> was false. Failed to ...`: the part after the check. */
const NATIVE_LOCATION = /^\S+\.(?:cc|cpp|h):\d+\s.*?\bwas false\.\s*/;

/** The readable part of a provider failure, shortened at a word boundary with an ellipsis (never mid-word). */
export function shortenReason(reason: string, max = MAX_REASON): string {
  const flat = reason.replace(NATIVE_LOCATION, '').replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  return `${cut.slice(0, space > max / 2 ? space : max).replace(/[\s,;:.(-]+$/, '')} …`;
}

/** `execution provider: tried webgpu (no adapter found), chose cpu; 3 threads`. */
export function describeProviderChoice(info: EngineInfo): string {
  const tried = (info.tried ?? []).map((t) => `${t.provider} (${shortenReason(t.reason)})`);
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return tried.length > 0
    ? `engine ready: execution provider: tried ${tried.join(', ')}; chose ${info.provider}; ${threads}`
    : `engine ready: execution provider ${info.provider}; ${threads}`;
}
