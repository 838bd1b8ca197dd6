/**
 * The node's engines (`--engines N`, `--devices`): each runs one job at a time, so the runner's
 * p-queue concurrency is their number and a job takes whichever engine is idle.
 */
import type { EngineInfo } from '../../engine/index.ts';
import type { EngineClient } from './ports.ts';

export class EnginePool {
  private readonly idle: EngineClient[];
  private readonly busy = new Map<string, EngineClient>();

  constructor(private readonly engines: readonly EngineClient[]) {
    if (engines.length === 0) throw new Error('a node needs at least one engine');
    this.idle = [...engines];
  }

  get size(): number {
    return this.engines.length;
  }

  /** The runner never asks for more engines than it has; running out is a bug, said loudly. */
  acquire(jobId: string): EngineClient {
    const engine = this.idle.shift();
    if (!engine) throw new Error(`no idle engine for job ${jobId}: ${this.busy.size} of ${this.size} busy`);
    this.busy.set(jobId, engine);
    return engine;
  }

  release(jobId: string): void {
    const engine = this.busy.get(jobId);
    if (!engine) return;
    this.busy.delete(jobId);
    this.idle.push(engine);
  }

  /** False when no engine here runs that job. */
  control(jobId: string, action: 'stop' | 'skip'): boolean {
    const engine = this.busy.get(jobId);
    engine?.control(jobId, action);
    return engine !== undefined;
  }

  /** Legacy clean_vram: every engine frees its sessions (a busy one after its job). */
  async releaseAll(): Promise<void> {
    await Promise.all(this.engines.map((engine) => engine.release()));
  }

  /** The first engine that has reported (what the health output has always shown). */
  info(): EngineInfo | null {
    return this.engines.map((engine) => engine.info()).find((info) => info !== null) ?? null;
  }

  infos(): (EngineInfo | null)[] {
    return this.engines.map((engine) => engine.info());
  }

  async close(): Promise<void> {
    await Promise.all(this.engines.map((engine) => engine.close()));
  }
}
