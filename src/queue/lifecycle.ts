import type { Queryable } from '../db/index.js';
import { sqlState, UNIQUE_VIOLATION } from '../db/index.js';
import { SQL } from './sql.js';
import { ClaimedJobSchema, type ClaimedJob, type Outcome } from './types.js';

/**
 * The worker side of a job's life: claim, lease renewal, finish, reaping. Each is one call of a
 * plpgsql function in 000003_queue.sql (the per-node lock, the ready hand-on and the slot of the
 * global cap live there). A worker ends its job and claims the next in one call.
 */

/** The oldest claimable job with a free slot, or null. */
export async function claimJob(db: Queryable, owner: string, leaseSeconds: number): Promise<ClaimedJob | null> {
  for (let tries = 1; ; tries++) {
    try {
      const { rows } = await db.query<{ id: number | null }>(`SELECT * FROM muster_claim_job($1, $2, NULL)`, [owner, leaseSeconds]);
      return rows[0]?.id == null ? null : ClaimedJobSchema.parse(rows[0]);
    } catch (err) {
      // Another claimer took the same free slot a moment earlier (jobs_slot_held refused ours;
      // nothing was claimed): try the other free slots.
      if (sqlState(err) !== UNIQUE_VIOLATION || tries === 5) throw err;
    }
  }
}

function finishParams(id: number, owner: string, outcome: Outcome, log: string | null, retryMs: number): unknown[] {
  const error = 'error' in outcome ? outcome.error : null;
  const result = outcome.kind === 'succeeded' && outcome.result !== undefined ? JSON.stringify(outcome.result) : null;
  const delay = outcome.kind === 'snooze' ? outcome.afterMs : retryMs;
  return [id, owner, outcome.kind, error, result, log, Math.round(delay)];
}

/** Ends one attempt; null when this owner no longer holds the job (fenced out, nothing changed). */
export async function finishJob(
  db: Queryable,
  id: number,
  owner: string,
  outcome: Outcome,
  log: string | null,
  retryMs = 0,
): Promise<string | null> {
  const { rows } = await db.query<{ state: string | null }>(
    `SELECT muster_finish_job($1, $2, $3, $4, $5::jsonb, $6, $7) AS state`,
    finishParams(id, owner, outcome, log, retryMs),
  );
  return rows[0]?.state ?? null;
}

/**
 * Ends one attempt of a claimed job and, in the same transaction, claims the next job into the
 * slot it gave back. state null: fenced out (nothing changed, nothing claimed).
 */
export async function finishAndClaim(
  db: Queryable,
  job: ClaimedJob,
  owner: string,
  outcome: Outcome,
  log: string | null,
  retryMs: number,
  leaseSeconds: number,
): Promise<{ state: string | null; next: ClaimedJob | null }> {
  const [id, ...rest] = finishParams(job.id, owner, outcome, log, retryMs);
  const { rows } = await db.query<{ state: string | null; id: number | null }>(
    `SELECT f.state, (f.next).* FROM muster_finish_and_claim($1, $2::macaddr, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) f`,
    [id, job.node, job.slot, ...rest, leaseSeconds],
  );
  const row = rows[0];
  return { state: row?.state ?? null, next: row?.id == null ? null : ClaimedJobSchema.parse(row) };
}

/** Writes `job.started` for a run that has lasted a while, unless it ended meanwhile. */
export async function announceStart(db: Queryable, id: number, owner: string): Promise<void> {
  await db.query(`SELECT muster_job_started($1, $2)`, [id, owner]);
}

/** Renews this owner's leases; returns the ids still held and those asked to cancel. */
export async function renewLeases(
  db: Queryable,
  owner: string,
  ids: number[],
  leaseSeconds: number,
): Promise<{ held: Set<number>; cancel: Set<number> }> {
  const { rows } = await db.query<{ id: number; cancel_requested: boolean }>(SQL.renew, [ids, owner, leaseSeconds]);
  return {
    held: new Set(rows.map((r) => r.id)),
    cancel: new Set(rows.filter((r) => r.cancel_requested).map((r) => r.id)),
  };
}

/**
 * Takes back running jobs whose lease expired: queued again with the attempt counted, or failed
 * when out of attempts, each exactly once however many daemons reap at the same time.
 */
export async function reapExpired(db: Queryable, retryMs: (attempt: number) => number): Promise<number> {
  const { rows } = await db.query<{ id: number; locked_by: string; attempts: number }>(`SELECT * FROM muster_expired_jobs()`);
  let reaped = 0;
  for (const r of rows) {
    const error =
      r.locked_by === 'node'
        ? 'the node did not report the task before its deadline'
        : `lease expired: daemon ${r.locked_by} stopped renewing it (crashed or cut off)`;
    const { rows: done } = await db.query<{ state: string | null }>(
      `SELECT muster_finish_job($1, NULL, 'expired', $2, NULL, NULL, $3) AS state`,
      [r.id, error, Math.round(retryMs(r.attempts))],
    );
    if (done[0]?.state) reaped += 1;
  }
  return reaped;
}

/** Sets the global cap (number of slots). */
export async function setSlots(db: Queryable, cap: number): Promise<void> {
  await db.query(`SELECT muster_set_job_slots($1)`, [cap]);
}
