/**
 * The production Logger: pino, one JSON object per line (`--log-format json`, the default when
 * stdout is not a terminal) or one readable line (`text`). Every line carries the request id and
 * the task id it concerns (request-context.ts). The Logger interface stays the seam the rest of
 * the code uses.
 */
import pino, { type DestinationStream } from 'pino';
import type { LogLevel, Logger } from './logger.ts';
import { correlationOf } from './request-context.ts';

export type LogFormat = 'json' | 'text';

export interface PinoLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go (tests pass a collector); default stdout. */
  destination?: DestinationStream;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const STANDARD_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

/** `2026-01-02T03:04:05.678Z INFO  message  request_id=… task_id=…`, the error stack indented below. */
export function formatTextLine(json: string): string {
  const entry = JSON.parse(json) as Record<string, unknown>;
  const extras = Object.entries(entry)
    .filter(([key]) => !STANDARD_KEYS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const err = entry.err as { stack?: string; message?: string } | undefined;
  const time = new Date(Number(entry.time)).toISOString();
  const head = `${time} ${LEVEL_NAMES[Number(entry.level)] ?? entry.level} ${String(entry.msg ?? '')}${extras.length ? `  ${extras.join(' ')}` : ''}`;
  return `${head}${err ? `\n    ${(err.stack ?? err.message ?? '').replace(/\n/g, '\n    ')}` : ''}\n`;
}

function textDestination(out: DestinationStream): DestinationStream {
  return { write: (line: string) => out.write(formatTextLine(line)) };
}

export function createPinoLogger(options: PinoLoggerOptions): Logger {
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  const base = pino({ level: options.level, base: undefined }, options.format === 'text' ? textDestination(out) : out);
  return {
    error: (message, error) =>
      base.error({ ...correlationOf(message), ...(error !== undefined ? { err: error } : {}) }, message),
    warn: (message) => base.warn(correlationOf(message), message),
    info: (message) => base.info(correlationOf(message), message),
    debug: (message) => base.debug(correlationOf(message), message),
  };
}
