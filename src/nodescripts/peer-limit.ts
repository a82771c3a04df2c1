import type { Logger } from 'pino';

/**
 * Connection slots of the 987 server: at most `perPeer` open connections from one address and
 * `total` in all, so one host (a loop in a script, a scanner) cannot take the slots real nodes
 * need. A node opens one connection at a time; the per-peer bound only stops runaways.
 * Refusals are logged once per address per `logEveryMs`, with the count since the last line.
 */
export class PeerLimit {
  private readonly open = new Map<string, number>();
  private total = 0;
  /** per address: when its last refusal line was logged, and refusals since */
  private readonly quiet = new Map<string, { at: number; refused: number }>();

  constructor(
    private readonly max: { perPeer: number; total: number },
    private readonly log: Logger,
    private readonly logEveryMs = 60_000,
  ) {}

  /** Takes a slot for `peer`; on refusal returns why, for the node's error script. */
  take(peer: string): string | null {
    const mine = this.open.get(peer) ?? 0;
    const why =
      mine >= this.max.perPeer
        ? `${peer} already has ${mine} connections open, the most one address may have (muster.conf: provisiond connections per peer); try again later`
        : this.total >= this.max.total
          ? `the master has ${this.total} connections open, its limit (muster.conf: provisiond connections); try again shortly`
          : null;
    if (why !== null) {
      this.noteRefusal(peer, why);
      return why;
    }
    this.open.set(peer, mine + 1);
    this.total++;
    return null;
  }

  release(peer: string): void {
    const mine = this.open.get(peer) ?? 0;
    if (mine <= 1) this.open.delete(peer);
    else this.open.set(peer, mine - 1);
    this.total--;
  }

  private noteRefusal(peer: string, why: string): void {
    const now = Date.now();
    const q = this.quiet.get(peer);
    if (q && now - q.at < this.logEveryMs) {
      q.refused++;
      return;
    }
    this.log.warn({ peer, refusedSinceLastLine: q?.refused ?? 0 }, `provisiond refused a connection: ${why}`);
    this.quiet.set(peer, { at: now, refused: 0 });
    // Old entries only serve the once-per-interval rule; many addresses must not grow this forever.
    if (this.quiet.size > 10_000) for (const [p, e] of this.quiet) if (now - e.at >= this.logEveryMs) this.quiet.delete(p);
  }
}
