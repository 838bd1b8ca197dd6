/**
 * The public prefix of every URL we emit (DECISIONS §3, row "Base URL in replies"). Never derived
 * from a request's Host header: replies and webhooks must carry the same URLs whoever asks.
 */
import { ConfigError } from './config-error.ts';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * `--base-url` wins: a value with a scheme is used as is (the originals did so; we only strip the
 * trailing slash that gave them `//outputs`), a bare host becomes `http://HOST:<port>` (unless it names
 * its own port). Otherwise the bind address, with the wildcard addresses replaced by loopback because
 * a client cannot connect to 0.0.0.0.
 */
export function computeBaseUrl(baseUrlFlag: string | null, host: string, port: number): string {
  if (baseUrlFlag === null) return `http://${urlHost(WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host)}:${port}`;
  const trimmed = baseUrlFlag.trim();
  if (trimmed === '') throw new ConfigError('--base-url is empty: give a host or an http(s) URL');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1];
  if (scheme !== undefined) {
    if (!/^https?$/i.test(scheme)) throw new ConfigError(`--base-url '${baseUrlFlag}' must use http:// or https://`);
    assertParsable(trimmed, baseUrlFlag);
    return stripTrailingSlashes(trimmed);
  }
  const withScheme = `http://${bracketBareIpv6(trimmed)}`;
  const url = assertParsable(withScheme, baseUrlFlag);
  const hasOwnPort = /^(\[[^\]]*\]|[^/:]*):\d+/.test(withScheme.slice('http://'.length));
  const path = stripTrailingSlashes(url.pathname + url.search);
  return `http://${url.hostname}${hasOwnPort ? `:${url.port || 80}` : `:${port}`}${path}`;
}

/** Brackets an IPv6 literal so it can stand before `:port` in a URL. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function bracketBareIpv6(value: string): string {
  const hostPart = value.split('/')[0];
  return (hostPart.match(/:/g)?.length ?? 0) > 1 && !hostPart.startsWith('[')
    ? `[${hostPart}]${value.slice(hostPart.length)}`
    : value;
}

function assertParsable(candidate: string, original: string): URL {
  try {
    return new URL(candidate);
  } catch {
    throw new ConfigError(`--base-url '${original}' is not a valid host or URL`);
  }
}

function stripTrailingSlashes(value: string): string {
  return value.replace(/\/+$/, '');
}
