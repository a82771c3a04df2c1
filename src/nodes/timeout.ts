import type { Db } from '../db/index.js';
import type { Logger } from '../log.js';

/**
 * `node timeout`: marks the nodes silent for longer than `timeoutSeconds` since their last
 * contact and records one `node.timeout` event each, in one statement. Daemons sharing a
 * Postgres all sweep; the UPDATE's `timed_out_at IS NULL` is re-checked on the row a concurrent
 * sweep just marked, so exactly one of them wins each node and writes its event. A node never
 * seen (no contact yet) is not timed out. Returns how many nodes this sweep marked.
 */
export async function markTimedOut(db: Db, timeoutSeconds: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH marked AS (
       UPDATE nodes SET timed_out_at = now()
        WHERE timed_out_at IS NULL AND lastcontact < now() - make_interval(secs => $1)
       RETURNING mac, name, status, lastcontact
     ), logged AS (
       INSERT INTO events (kind, level, node, mac, message, data)
       SELECT 'node.timeout', 'warn', name, mac,
              format('node ''%s'' timed out: no contact for more than %s s (last: %s)', name, $1::integer, coalesce(status, 'unknown')),
              jsonb_build_object('lastcontact', lastcontact, 'timeout', $1::integer, 'status', status)
         FROM marked
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM logged`,
    [timeoutSeconds],
  );
  return rows[0]!.n;
}

/**
 * Sweeps every quarter of the timeout (1 s to 30 s), so a node shows as timed out at most that
 * long after its timeout passed. Returns the stop function.
 */
export function startTimeoutSweep(db: Db, timeoutSeconds: number, log: Logger): () => Promise<void> {
  const everyMs = Math.min(30_000, Math.max(1000, (timeoutSeconds * 1000) / 4));
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = markTimedOut(db, timeoutSeconds).catch((err: unknown) => log.warn({ err }, 'node timeout sweep failed'));
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
