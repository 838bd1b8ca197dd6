/**
 * Server-sent events framed and paced like FooocusAPI (fooocusapi-new.md §10.3, DECISIONS §3):
 * `data: <json>` CRLF, an empty `data: ` line, CRLF CRLF; at most one event per 200 ms, the newest
 * pending event wins; the final event always in a write of its own (FooocusAPI's example page parses
 * each network read as one JSON object and breaks on two); `: ping` comments every 15 s.
 */
import type { Response } from 'express';

export interface PacedEventStreamOptions {
  intervalMs?: number;
  pingMs?: number;
  now?: () => number;
}

export function frameEvent(json: string): string {
  return `data: ${json}\r\ndata: \r\n\r\n`;
}

/** `: ping - 2024-07-26 08:29:10.123456+00:00` (sse-starlette's comment). */
export function pingComment(at: Date): string {
  const iso = at.toISOString();
  return `: ping - ${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00\r\n\r\n`;
}

export class PacedEventStream {
  private pending: string | null = null;
  private lastWrite = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private readonly ping: NodeJS.Timeout;
  private isClosed = false;
  private final: string | null = null;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly res: Response,
    options: PacedEventStreamOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 200;
    this.now = options.now ?? Date.now;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    this.ping = setInterval(() => this.write(pingComment(new Date())), options.pingMs ?? 15_000);
    res.on('close', () => this.close());
  }

  /** Queues a progress event; a newer one replaces it until its slot comes. */
  push(json: string): void {
    if (this.isClosed || this.final !== null) return;
    this.pending = json;
    this.schedule();
  }

  /** Sends the pending event (if any), then the final one in its own slot, then ends the response. */
  finish(json: string): void {
    if (this.isClosed) return;
    this.final = json;
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
      this.write(frameEvent(this.pending));
      this.pending = null;
      if (this.final !== null) this.schedule();
      return;
    }
    if (this.final !== null) {
      this.write(frameEvent(this.final));
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
