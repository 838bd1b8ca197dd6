/**
 * Fetches client-sent image URLs (DECISIONS §3 "Inputs by URL"): http(s) only, size-capped,
 * time-limited, every redirect hop re-checked by the SSRF guard and the connection pinned to the
 * checked address. The originals silently dropped failed URLs or answered 500; we answer 422
 * naming the field, so every failure becomes an InvalidFieldError.
 */
import axios from 'axios';
import type { Readable } from 'node:stream';
import { InvalidFieldError } from '../errors.ts';
import { pinnedAgents } from './pinned-agents.ts';
import { assertFetchableUrl, UnsafeUrlError, type LookupFn } from './ssrf-guard.ts';

export interface UrlFetcher {
  fetchBytes(url: string, field: string): Promise<Buffer>;
}

export interface GuardedUrlFetcherOptions {
  allowPrivate: boolean;
  /** Default 20 MiB. */
  maxBytes?: number;
  /** Whole fetch, redirects and body included. Default 20 s (the originals' timeout). */
  timeoutMs?: number;
  /** Default 3. */
  maxRedirects?: number;
  lookup?: LookupFn;
  userAgent?: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A fetch failure whose text is safe to show the client (no stack, no internal detail). */
class FetchFailure extends Error {}

export class GuardedUrlFetcher implements UrlFetcher {
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;

  constructor(private readonly options: GuardedUrlFetcherOptions) {
    this.maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.maxRedirects = options.maxRedirects ?? 3;
  }

  async fetchBytes(url: string, field: string): Promise<Buffer> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      return await this.follow(url, controller.signal);
    } catch (error) {
      const reason = controller.signal.aborted ? `timed out after ${this.timeoutMs} ms` : describe(error);
      throw new InvalidFieldError(field, `${field}: could not fetch ${shorten(url)}: ${reason}`, {
        input: url,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private async follow(url: string, signal: AbortSignal): Promise<Buffer> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const target = await assertFetchableUrl(current, {
        allowPrivate: this.options.allowPrivate,
        lookup: this.options.lookup,
      });
      const response = await axios.get<Readable>(target.url.href, {
        ...pinnedAgents(target),
        responseType: 'stream',
        maxRedirects: 0, // we follow redirects ourselves so the guard sees every hop
        proxy: false, // an environment proxy would bypass the pinned address
        validateStatus: () => true,
        signal,
        headers: { 'User-Agent': this.options.userAgent ?? 'fooocus-gateway', Accept: 'image/*' },
      });
      const { status } = response;
      const location = response.headers['location'];
      if (REDIRECT_STATUSES.has(status) && typeof location === 'string' && location !== '') {
        response.data.destroy();
        if (hop >= this.maxRedirects) throw new FetchFailure(`more than ${this.maxRedirects} redirects`);
        current = new URL(location, target.url).href;
        continue;
      }
      if (status < 200 || status > 299) {
        response.data.destroy();
        throw new FetchFailure(`HTTP status ${status}`);
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > this.maxBytes) {
        response.data.destroy();
        throw new FetchFailure(tooLarge(this.maxBytes));
      }
      return readCapped(response.data, this.maxBytes);
    }
  }
}

/** Counts decoded bytes (axios inflates gzip), so a compressed bomb stops at the cap too. */
async function readCapped(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      stream.destroy();
      throw new FetchFailure(tooLarge(maxBytes));
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(maxBytes: number): string {
  return `the response is larger than the ${maxBytes}-byte limit`;
}

function describe(error: unknown): string {
  if (error instanceof UnsafeUrlError || error instanceof FetchFailure) return error.message;
  const code = (error as { code?: unknown })?.code;
  // Network errors: name the condition, never the internal message (it can carry addresses).
  return typeof code === 'string' ? `connection failed (${code})` : 'connection failed';
}

function shorten(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}
