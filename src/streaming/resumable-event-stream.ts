/**
 * Server-sent events with ids, for `GET /tasks/{id}/events` (ours; the generate route's stream keeps
 * FooocusAPI's id-less framing in paced-event-stream.ts). Same pacing: at most one event per 200 ms,
 * the newest pending event wins, the final event in a write of its own. A `retry:` hint makes
 * EventSource reconnect quickly; the final event's id is `done`, so a reconnect after it can be told
 * that nothing more will come (204).
 */
import type { Response } from 'express';
import { pingComment } from './paced-event-stream.ts';

export const FINAL_EVENT_ID = 'done';

export class ResumableEventStream {
  private pending: string | null = null;
  private final: string | null = null;
  private lastWrite = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private readonly ping: NodeJS.Timeout;
  private isClosed = false;
  private nextId = 1;

  constructor(
    private readonly res: Response,
    private readonly intervalMs = 200,
    pingMs = 15_000,
  ) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 1000\r\n\r\n');
    this.ping = setInterval(() => this.write(pingComment(new Date())), pingMs);
    res.on('close', () => this.close());
  }

  push(json: string): void {
    if (this.isClosed || this.final !== null) return;
    this.pending = json;
    this.schedule();
  }

  finish(json: string): void {
    if (this.isClosed) return;
    this.final = json;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastWrite + this.intervalMs - Date.now()));
  }

  private flush(): void {
    this.timer = null;
    if (this.isClosed) return;
    if (this.pending !== null) {
      this.write(`id: ${this.nextId++}\r\ndata: ${this.pending}\r\n\r\n`);
      this.pending = null;
      if (this.final !== null) this.schedule();
      return;
    }
    if (this.final !== null) {
      this.write(`id: ${FINAL_EVENT_ID}\r\ndata: ${this.final}\r\n\r\n`);
      this.res.end();
      this.close();
    }
  }

  private write(text: string): void {
    if (this.isClosed) return;
    this.res.write(text);
    this.lastWrite = Date.now();
  }

  private close(): void {
    this.isClosed = true;
    clearInterval(this.ping);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
