/**
 * Webhook delivery off the request path (DECISIONS §3 "Webhook, all-in-one"): the originals POSTed
 * synchronously on the event loop with no retry; we queue, retry with backoff, and sign when a
 * secret is configured. The body is sent byte for byte as the caller encoded it (in the default
 * all-in-one format a JSON *string* literal holding the record JSON, fooocusapi-new.md §13).
 */
import axios from 'axios';
import type { Readable } from 'node:stream';
import { pinnedAgents } from '../net/pinned-agents.ts';
import { assertFetchableUrl, UnsafeUrlError, type LookupFn } from '../net/ssrf-guard.ts';
import { SIGNATURE_HEADER, signatureHeaderValue } from './webhook-signature.ts';

export interface WebhookDelivery {
  url: string;
  body: string;
  /** The operator's own --webhook-url: skips the SSRF guard. Per-request webhook_urls are not trusted. */
  isTrusted: boolean;
}

export interface WebhookSender {
  /** Returns at once; delivery happens in the background. */
  send(delivery: WebhookDelivery): void;
  /** Resolves when no delivery is in flight (tests, shutdown). */
  drain(): Promise<void>;
}

/** Structurally satisfied by src/logging's Logger. */
export interface WebhookLogger {
  warn(message: string): void;
  debug(message: string): void;
}

export interface HttpWebhookSenderOptions {
  logger: WebhookLogger;
  secret?: string;
  /** Per attempt. Default 5000 (the originals' timeout). */
  timeoutMs?: number;
  /** Attempts after the first. Default 5. */
  retries?: number;
  /** Delay before retry n is baseDelayMs · 2^(n-1), capped at maxDelayMs. Default 1000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Lets untrusted URLs reach private addresses (--allow-private-urls). Default false. */
  allowPrivate?: boolean;
  /** Milliseconds since the epoch; the signature's timestamp. Default Date.now. */
  now?: () => number;
  lookup?: LookupFn;
  /** Told of every failed attempt; `isFinal` when the webhook is given up (metrics). */
  onFailure?(isFinal: boolean): void;
}

type AttemptOutcome = { kind: 'delivered' } | { kind: 'retry'; reason: string } | { kind: 'give-up'; reason: string };

export class HttpWebhookSender implements WebhookSender {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly now: () => number;

  constructor(private readonly options: HttpWebhookSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = options.retries ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  send(delivery: WebhookDelivery): void {
    const job: Promise<void> = this.deliver(delivery)
      .catch((error: unknown) => {
        this.options.onFailure?.(true);
        this.options.logger.warn(`webhook to ${delivery.url} failed: ${String(error)}`);
      })
      .finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    const body = Buffer.from(delivery.body, 'utf8');
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(delivery, body);
      if (outcome.kind === 'delivered') {
        this.options.logger.debug(`webhook delivered to ${delivery.url}`);
        return;
      }
      const isFinal = outcome.kind === 'give-up' || attempt >= this.retries;
      this.options.onFailure?.(isFinal);
      if (isFinal) {
        this.options.logger.warn(
          `webhook to ${delivery.url} not delivered after ${attempt + 1} attempt(s): ${outcome.reason}`,
        );
        return;
      }
      await sleep(Math.min(this.baseDelayMs * 2 ** attempt, this.maxDelayMs));
    }
  }

  private async attempt(delivery: WebhookDelivery, body: Buffer): Promise<AttemptOutcome> {
    let agents = {};
    if (!delivery.isTrusted) {
      // Checked on every attempt: the name may resolve differently by then.
      try {
        const target = await assertFetchableUrl(delivery.url, {
          allowPrivate: this.options.allowPrivate ?? false,
          lookup: this.options.lookup,
        });
        agents = pinnedAgents(target);
      } catch (error) {
        if (error instanceof UnsafeUrlError) {
          return { kind: error.kind === 'unresolvable' ? 'retry' : 'give-up', reason: `refused: ${error.reason}` };
        }
        throw error;
      }
    }
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'fooocus-gateway' };
    if (this.options.secret)
      headers[SIGNATURE_HEADER] = signatureHeaderValue(this.options.secret, Math.floor(this.now() / 1000), body);
    try {
      const response = await axios.post<Readable>(delivery.url, body, {
        ...agents,
        headers,
        responseType: 'stream',
        transformRequest: [(data: unknown) => data], // keep the bytes exactly as given
        maxRedirects: 0, // a redirect would escape the guard; receivers must answer directly
        ...(delivery.isTrusted ? {} : { proxy: false as const }), // an env proxy would bypass the pinned address
        validateStatus: () => true,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      response.data.destroy(); // the receiver's reply is ignored, as in the originals
      const { status } = response;
      if (status >= 200 && status < 300) return { kind: 'delivered' };
      const retryable = status >= 500 || status === 429;
      return { kind: retryable ? 'retry' : 'give-up', reason: `HTTP status ${status}` };
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      return { kind: 'retry', reason: `connection failed${typeof code === 'string' ? ` (${code})` : ''}` };
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
