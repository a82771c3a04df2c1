/**
 * A bound on concurrent image transfers that queues rather than refuses: a boot storm of a
 * thousand nodes gets `limit` downloads at full speed and the rest wait their turn in arrival
 * order (a refused node would retry, and retries in step are a storm of their own). A waiter has
 * no timeout of its own; one whose client goes away leaves the queue.
 */
export interface TransferStats {
  limit: number;
  /** transfers sending now */
  active: number;
  /** requests waiting for a slot */
  waiting: number;
  /** the most transfers ever sending at once */
  peak: number;
  /** transfers that got a slot since start */
  started: number;
}

export class TransferGate {
  #active = 0;
  #peak = 0;
  #started = 0;
  readonly #queue: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`transfer limit ${limit} must be a whole number ≥ 1`);
  }

  /**
   * Resolves with a release function once a slot is free (at once if one is). Rejects with
   * signal.reason if the signal aborts while waiting, and the place in the queue is gone.
   * The release function is idempotent.
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.limit && this.#queue.length === 0) return Promise.resolve(this.#take());
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        signal.removeEventListener('abort', leave);
        resolve(this.#take());
      };
      const leave = (): void => {
        const at = this.#queue.indexOf(wake);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(signal.reason);
      };
      this.#queue.push(wake);
      signal.addEventListener('abort', leave, { once: true });
    });
  }

  stats(): TransferStats {
    return { limit: this.limit, active: this.#active, waiting: this.#queue.length, peak: this.#peak, started: this.#started };
  }

  #take(): () => void {
    this.#active++;
    this.#started++;
    this.#peak = Math.max(this.#peak, this.#active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      // The freed slot goes to the longest waiter; it takes the slot before anyone new can.
      this.#queue.shift()?.();
    };
  }
}
