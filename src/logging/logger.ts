/** A minimal leveled logger; the one place that writes to the console. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(message: string, error?: unknown): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createConsoleLogger(level: LogLevel = 'info'): Logger {
  const enabled = (l: LogLevel) => ORDER[l] <= ORDER[level];
  const stamp = () => new Date().toISOString();
  return {
    error: (message, error) => {
      if (!enabled('error')) return;
      console.error(`${stamp()} ERROR ${message}`);
      if (error !== undefined) console.error(error);
    },
    warn: (message) => enabled('warn') && console.warn(`${stamp()} WARN  ${message}`),
    info: (message) => enabled('info') && console.log(`${stamp()} INFO  ${message}`),
    debug: (message) => enabled('debug') && console.log(`${stamp()} DEBUG ${message}`),
  };
}

/** For tests: collects lines, prints nothing. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    error: (m, e) => lines.push(`error ${m}${e ? ` ${String(e)}` : ''}`),
    warn: (m) => lines.push(`warn ${m}`),
    info: (m) => lines.push(`info ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
  };
}
