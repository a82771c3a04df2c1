/**
 * Overload control for the packet handlers. Node reads every datagram off the socket at once,
 * so without a bound a burst queues thousands of packets in memory, each waits behind all the
 * others, and every reply comes after the client has given up (perfdhcp: 2,000/s offered gave
 * ~50 completed exchanges/s). A bounded backlog behaves like dnsmasq's socket buffer instead:
 * a few packets run at once (enough to keep the database busy), the rest wait in order, and
 * packets beyond the bound or that waited too long are dropped (the client retransmits).
 */
export interface BacklogLimits {
  /** Packets handled at once. */
  running: number;
  /** Packets waiting; more are dropped as 'drop.overload'. */
  waiting: number;
  /** A packet that waited longer is dropped as 'drop.stale': its client has retransmitted or moved on. */
  maxWaitMs: number;
}

export const DEFAULT_BACKLOG: BacklogLimits = { running: 8, waiting: 128, maxWaitMs: 500 };

export class Backlog {
  private readonly queue: { job: () => Promise<void>; at: number }[] = [];
  private active = 0;

  constructor(
    private readonly limits: BacklogLimits,
    private readonly count: (what: string) => void,
  ) {}

  /** Runs `job` when a slot is free, or drops it (counted) when the backlog is full. */
  add(job: () => Promise<void>): void {
    if (this.queue.length >= this.limits.waiting) return this.count('drop.overload');
    this.queue.push({ job, at: performance.now() });
    this.pump();
  }

  private pump(): void {
    while (this.active < this.limits.running && this.queue.length > 0) {
      const { job, at } = this.queue.shift()!;
      if (performance.now() - at > this.limits.maxWaitMs) {
        this.count('drop.stale');
        continue;
      }
      this.active++;
      void job().finally(() => {
        this.active--;
        this.pump();
      });
    }
  }
}
