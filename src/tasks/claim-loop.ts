/**
 * How a node takes work from the shared queue (DECISIONS §7): whenever an engine is free it claims
 * the oldest pending task; it wakes on a local accept, on another node's "task added" event, when a
 * task ends, and on a slow poll (a missed event costs at most one poll). Every third of a lease it
 * renews the leases of what it runs, reports the tasks it no longer holds, heartbeats, and takes
 * back the tasks of nodes that stopped renewing.
 */
import type { Logger } from '../logging/logger.ts';
import type { TaskRecord } from '../../adapters/task-record.ts';
import type { TaskClaimStore } from './cluster.types.ts';

export interface ClaimLoopDeps {
  claims: TaskClaimStore;
  logger: Logger;
  nodeName: string;
  leaseMs: number;
  /** Wake-up without an event; a backstop for missed notifications. */
  pollMs: number;
  now(): number;
  freeSlots(): number;
  /** Hands a claimed task to the runner (synchronously counted against freeSlots). */
  run(task: TaskRecord): void;
  /** Tasks this node runs now. */
  held(): string[];
  /** Tasks whose claim was lost (reclaimed after a stall): the runner stops them without recording. */
  onLost(taskIds: string[]): void;
  /** Renewal time: heartbeat and reclaim of other nodes' expired claims. */
  maintain(): Promise<void>;
}

export class ClaimLoop {
  private draining: Promise<void> | null = null;
  private isWanted = false;
  private isStopped = true;
  private readonly timers: NodeJS.Timeout[] = [];
  private maintaining: Promise<void> | null = null;

  constructor(private readonly deps: ClaimLoopDeps) {}

  start(): void {
    if (!this.isStopped) return;
    this.isStopped = false;
    this.timers.push(setInterval(() => this.wake(), this.deps.pollMs).unref());
    this.timers.push(setInterval(() => void this.renew(), Math.max(100, Math.floor(this.deps.leaseMs / 3))).unref());
    this.wake();
  }

  /** Claims until no engine is free or nothing is pending. Calls while a pass runs make it go round again. */
  wake(): void {
    if (this.isStopped) return;
    this.isWanted = true;
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.isWanted) this.wake();
    });
  }

  /** Resolves once no claim is in flight (tests and shutdown). */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  get isBusy(): boolean {
    return this.draining !== null;
  }

  /** No more claims or renewals; what runs keeps running. */
  async stop(): Promise<void> {
    this.isStopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await this.settled();
    await this.maintaining;
  }

  private async drain(): Promise<void> {
    while (this.isWanted && !this.isStopped) {
      this.isWanted = false;
      while (!this.isStopped && this.deps.freeSlots() > 0) {
        let task: TaskRecord | null;
        try {
          task = await this.deps.claims.claimNext(this.deps.nodeName, this.deps.now());
        } catch (error) {
          // The store is unreachable: the next poll tries again.
          this.deps.logger.warn(`claiming a task failed: ${error instanceof Error ? error.message : String(error)}`);
          return;
        }
        if (!task) break;
        // Even when stop() came meanwhile: stop() waits for this pass, so the runner's shutdown sees
        // the task among those it holds and hands it back.
        this.deps.run(task);
      }
    }
  }

  private renew(): Promise<void> {
    if (this.maintaining || this.isStopped) return this.maintaining ?? Promise.resolve();
    this.maintaining = (async () => {
      try {
        const held = this.deps.held();
        const still = new Set(await this.deps.claims.renew(this.deps.nodeName, held));
        const lost = held.filter((id) => !still.has(id));
        if (lost.length > 0) this.deps.onLost(lost);
        await this.deps.maintain();
      } catch (error) {
        this.deps.logger.warn(`renewing claims failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.maintaining = null;
      }
      this.wake();
    })();
    return this.maintaining;
  }
}
