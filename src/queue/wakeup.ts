/**
 * Idle worker loops sleep here; a job notification (or nudge()) wakes them all at once. Sleeps
 * that must not be cut short (backoff after a database error) pass wakeable = false.
 */
export class Wakeup {
  private waiters = new Set<() => void>();
  private timers = new Set<NodeJS.Timeout>();

  nudge(): void {
    const w = [...this.waiters];
    this.waiters.clear();
    for (const f of w) f();
  }

  sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.timers.add(timer);
      if (wakeable) this.waiters.add(done);
    });
  }

  /** Ends every pending sleep (at stop). */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.nudge();
  }
}
