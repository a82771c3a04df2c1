/**
 * A global cap on concurrent work with a fair queue: waiters are kept per key (a node) in FIFO
 * order, and a freed slot goes to the next key round-robin, so one node asking for many states
 * cannot starve the others during a boot storm.
 */
export class FairLimiter {
  private active = 0;
  /** Map iteration order is insertion order: the ring of keys that have waiters. */
  private readonly waiting = new Map<string, (() => void)[]>();
  private queuedCount = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`concurrency must be a positive integer, got ${capacity}`);
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.queuedCount;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await this.acquire(key);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(key: string): Promise<void> {
    if (this.active < this.capacity && this.queuedCount === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const q = this.waiting.get(key);
      if (q) q.push(resolve);
      else this.waiting.set(key, [resolve]);
      this.queuedCount++;
    });
  }

  private release(): void {
    const next = this.waiting.entries().next();
    if (next.done) {
      this.active--;
      return;
    }
    const [key, q] = next.value;
    const wake = q.shift()!;
    this.waiting.delete(key);
    if (q.length > 0) this.waiting.set(key, q); // back of the ring
    this.queuedCount--;
    wake(); // the slot passes straight to the woken waiter
  }
}
