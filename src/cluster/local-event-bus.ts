/**
 * ClusterBus for a store only one node uses (sqlite): nobody else to tell, so events go to this
 * process's own subscribers only, on a later tick as they would over the network.
 */
import type { ClusterBus, ClusterEvent } from '../tasks/cluster.types.ts';

export class LocalEventBus implements ClusterBus {
  private readonly listeners = new Set<(event: ClusterEvent) => void>();

  subscribe(listener: (event: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(event: ClusterEvent): Promise<void> {
    queueMicrotask(() => {
      for (const listener of [...this.listeners]) listener(event);
    });
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
