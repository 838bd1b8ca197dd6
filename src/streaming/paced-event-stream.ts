/**
 * Server-sent events framed and paced like FooocusAPI (fooocusapi-new.md §10.3, DECISIONS §3):
 * `data: <json>` CRLF, an empty `data: ` line, CRLF CRLF; at most one event per 200 ms, the newest
 * pending event wins; the final event always in a write of its own (FooocusAPI's example page parses
 * each network read as one JSON object and breaks on two); `: ping` comments every 15 s.
 *
 * "Newest wins" must not cost a task its step previews: a fast job (4 Lightning steps, then "Saving
 * image") can replace every sampling event within one 200 ms slot. `coalesce` folds the pending event
 * into the newer one, so a stream for the progress events keeps the newest preview (keepNewestPreview).
 */
import type { Response } from 'express';

export interface PacedEventStreamOptions<E> {
  intervalMs?: number;
  pingMs?: number;
  now?: () => number;
  /** The JSON text of an event's data line (default: String, for events that are JSON text already). */
  render?: (event: E) => string;
  /** The event sent instead of `newer` when it replaces an unsent `pending` one (default: `newer`). */
  coalesce?: (pending: E, newer: E) => E;
}

export function frameEvent(json: string): string {
  return `data: ${json}\r\ndata: \r\n\r\n`;
}

/** `: ping - 2024-07-26 08:29:10.123456+00:00` (sse-starlette's comment). */
export function pingComment(at: Date): string {
  const iso = at.toISOString();
  return `: ping - ${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00\r\n\r\n`;
}

/**
 * Coalescing for events with a `preview`: a newer event without one (a text-only update such as
 * "Saving image") takes over the preview of the event it replaces, so the preview is still sent.
 */
export function keepNewestPreview<E extends { preview: string | null }>(pending: E, newer: E): E {
  return newer.preview === null && pending.preview !== null ? { ...newer, preview: pending.preview } : newer;
}

export class PacedEventStream<E = string> {
  private pending: E | null = null;
  private lastWrite = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private readonly ping: NodeJS.Timeout;
  private isClosed = false;
  private final: E | null = null;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly render: (event: E) => string;
  private readonly coalesce: (pending: E, newer: E) => E;

  constructor(
    private readonly res: Response,
    options: PacedEventStreamOptions<E> = {},
  ) {
    this.intervalMs = options.intervalMs ?? 200;
    this.now = options.now ?? Date.now;
    this.render = options.render ?? String;
    this.coalesce = options.coalesce ?? ((_pending, newer) => newer);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    this.ping = setInterval(() => this.write(pingComment(new Date())), options.pingMs ?? 15_000);
    res.on('close', () => this.close());
  }

  /** Queues a progress event; a newer one replaces it (through `coalesce`) until its slot comes. */
  push(event: E): void {
    if (this.isClosed || this.final !== null) return;
    this.pending = this.pending === null ? event : this.coalesce(this.pending, event);
    // A free slot is used at once: through a timer, an event the engine sends in the same tick
    // (a fast first step) would replace the first message ("Waiting in queue: position 1").
    if (!this.timer && this.now() - this.lastWrite >= this.intervalMs) this.flush();
    else this.schedule();
  }

  /** Sends the pending event (if any), then the final one in its own slot, then ends the response. */
  finish(event: E): void {
    if (this.isClosed) return;
    this.final = event;
    this.schedule();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    if (this.isClosed) return;
    if (this.pending !== null) {
      this.write(frameEvent(this.render(this.pending)));
      this.pending = null;
      if (this.final !== null) this.schedule();
      return;
    }
    if (this.final !== null) {
      this.write(frameEvent(this.render(this.final)));
      this.res.end();
      this.close();
    }
  }

  private write(text: string): void {
    if (this.isClosed) return;
    this.res.write(text);
    this.lastWrite = this.now();
  }

  private close(): void {
    this.isClosed = true;
    clearInterval(this.ping);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
