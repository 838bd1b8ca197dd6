/**
 * Checks one flag or environment value. `source` is what the operator typed (`--port`, `API_PORT`),
 * so every message names it together with the bad value and what is allowed.
 */
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './config-error.ts';

const DIGITS = /^\d+$/;

export function parsePort(value: string, source: string): number {
  const port = DIGITS.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${source} '${value}' is not a port: give an integer from 1 to 65535`);
  }
  return port;
}

/** A size or count where 0 means "no limit". */
export function parseCount(value: string, source: string): number {
  const count = DIGITS.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(count)) {
    throw new ConfigError(`${source} '${value}' is not a count: give an integer >= 0 (0 = no limit)`);
  }
  return count;
}

export function parseChoice<T extends string>(
  value: string,
  source: string,
  allowed: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): T {
  const normalised = value.trim().toLowerCase();
  const match = allowed.find((choice) => choice === normalised) ?? aliases[normalised];
  if (match === undefined) throw new ConfigError(`${source} '${value}' is not one of: ${allowed.join(', ')}`);
  return match;
}

export function parseDirectory(value: string, source: string, cwd: string): string {
  if (value.trim() === '') throw new ConfigError(`${source} is empty: give a directory path`);
  return isAbsolute(value) ? resolve(value) : resolve(cwd, value);
}

/** A name such as a checkpoint or preset; an empty one is a mistake, not "use the default". */
export function parseName(value: string, source: string): string {
  const name = value.trim();
  if (name === '') throw new ConfigError(`${source} is empty: give a name or leave the flag out`);
  return name;
}

/** Only http(s): the webhook sender speaks nothing else, and a typo should fail at start, not per task. */
export function parseHttpUrl(value: string, source: string): string {
  const trimmed = value.trim();
  if (trimmed === '') return '';
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ConfigError(`${source} '${value}' is not a URL: give http://... or https://...`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${source} '${value}' must use http:// or https://`);
  }
  return trimmed;
}

/** `--apikey a,b`: several keys so they can be rotated; blanks dropped, so `--apikey ""` disables auth. */
export function parseApiKeys(value: string): string[] {
  return [
    ...new Set(
      value
        .split(',')
        .map((key) => key.trim())
        .filter((key) => key !== ''),
    ),
  ];
}
