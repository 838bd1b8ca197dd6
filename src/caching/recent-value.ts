/**
 * A value loaded at most once per `maxAgeMs`, for readers that poll (GET /health every few hundred
 * milliseconds from each monitor) and would otherwise cost a database round trip each. Callers
 * arriving while a load runs share it. `invalidate()` drops the value at once: a change made here
 * is seen by the next read, so only changes made elsewhere (another node of a cluster) can be up
 * to `maxAgeMs` late. A load that began before an invalidation is handed to its callers but not
 * kept. Values are shared between callers: they must not be mutated.
 */
export class RecentValue<T> {
  private kept: { value: T; loadedAt: number } | null = null;
  private loading: { promise: Promise<T>; generation: number } | null = null;
  private generation = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly load: () => Promise<T>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  invalidate(): void {
    this.generation += 1;
    this.kept = null;
  }

  async get(): Promise<T> {
    if (this.kept && this.now() - this.kept.loadedAt < this.maxAgeMs) return this.kept.value;
    if (this.loading?.generation === this.generation) return this.loading.promise;
    const generation = this.generation;
    const startedAt = this.now();
    const promise = this.load();
    this.loading = { promise, generation };
    try {
      const value = await promise;
      if (generation === this.generation) this.kept = { value, loadedAt: startedAt };
      return value;
    } finally {
      if (this.loading?.promise === promise) this.loading = null;
    }
  }
}
