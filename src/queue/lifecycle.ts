import type { Queryable } from '../db/index.js';
import { sqlState, UNIQUE_VIOLATION } from '../db/index.js';
import { SQL } from './sql.js';
import { ClaimedJobSchema, type ClaimedJob, type Outcome } from './types.js';

/**
 * The worker side of a job's life: claim, lease renewal, finish (reaping: reaper.ts). Each is one
 * call of a plpgsql function in 000003_queue.sql / 000005_queue_fencing.sql (the per-node lock,
 * the ready hand-on and the slot of the global cap live there). A worker ends its job and claims
 * the next in one call.
 */

/** The attempt that holds a running job: its owner's claim number. */
export interface Attempt {
  id: number;
  /** null for a node task's report: the node knows no claim */
  claim: number | null;
}

/**
 * The oldest claimable job with a free slot, as claim `claim` of `owner`, or null. Called again
 * with the same claim after an error, it returns the job that claim took if it committed.
 */
export async function claimJob(db: Queryable, owner: string, claim: number, leaseSeconds: number): Promise<ClaimedJob | null> {
  for (let tries = 1; ; tries++) {
    try {
      const { rows } = await db.query<{ id: number | null }>(`SELECT * FROM muster_claim_job($1, $2, NULL, $3)`, [owner, leaseSeconds, claim]);
      return rows[0]?.id == null ? null : ClaimedJobSchema.parse(rows[0]);
    } catch (err) {
      // Another claimer took the same free slot a moment earlier (jobs_slot_held refused ours;
      // nothing was claimed): try the other free slots.
      if (sqlState(err) !== UNIQUE_VIOLATION || tries === 5) throw err;
    }
  }
}

/** The parameters after the job's id, node and slot: owner, claim, outcome, error, result, log, delay. */
function finishParams(attempt: Attempt, owner: string, outcome: Outcome, log: string | null, retryMs: number): unknown[] {
  const error = 'error' in outcome ? outcome.error : null;
  const result = outcome.kind === 'succeeded' && outcome.result !== undefined ? JSON.stringify(outcome.result) : null;
  const delay = outcome.kind === 'snooze' ? outcome.afterMs : retryMs;
  return [owner, attempt.claim, outcome.kind, error, result, log, Math.round(delay)];
}

/** Ends one attempt; null when this attempt no longer holds the job (fenced out, nothing changed). */
export async function finishJob(db: Queryable, attempt: Attempt, owner: string, outcome: Outcome, log: string | null, retryMs = 0): Promise<string | null> {
  const { rows } = await db.query<{ state: string | null }>(`SELECT muster_finish_job($1, $2, $3, $4, $5, $6::jsonb, $7, $8) AS state`, [
    attempt.id,
    ...finishParams(attempt, owner, outcome, log, retryMs),
  ]);
  return rows[0]?.state ?? null;
}

/**
 * Ends one attempt of a claimed job and, in the same transaction, claims the next job into the
 * slot it gave back, as claim `next`. state null: fenced out (nothing changed, nothing claimed).
 * Called again with the same claims after an error, it returns the job `next` took if the first
 * call committed, so a lost reply orphans nothing.
 */
export async function finishAndClaim(
  db: Queryable,
  job: ClaimedJob,
  owner: string,
  outcome: Outcome,
  log: string | null,
  retryMs: number,
  leaseSeconds: number,
  next: number,
): Promise<{ state: string | null; next: ClaimedJob | null }> {
  const { rows } = await db.query<{ state: string | null; id: number | null }>(
    `SELECT f.state, (f.next).* FROM muster_finish_and_claim($1, $2::macaddr, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12) f`,
    [job.id, job.node, job.slot, ...finishParams(job, owner, outcome, log, retryMs), leaseSeconds, next],
  );
  const row = rows[0];
  return { state: row?.state ?? null, next: row?.id == null ? null : ClaimedJobSchema.parse(row) };
}

/** Writes `job.started` for a run that has lasted a while, unless it ended meanwhile. */
export async function announceStart(db: Queryable, attempt: Attempt, owner: string): Promise<void> {
  await db.query(`SELECT muster_job_started($1, $2, $3)`, [attempt.id, owner, attempt.claim]);
}

/** Records the process group an attempt runs; false when the attempt no longer holds its job. */
export async function recordProcess(db: Queryable, attempt: Attempt, owner: string, pgid: number, start: number): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`SELECT muster_job_process($1, $2, $3, $4, $5) AS ok`, [attempt.id, owner, attempt.claim, pgid, start]);
  return rows[0]?.ok === true;
}

/** Renews the leases of this owner's attempts; returns the claims still held and those asked to cancel. */
export async function renewLeases(
  db: Queryable,
  owner: string,
  attempts: Attempt[],
  leaseSeconds: number,
): Promise<{ held: Set<number>; cancel: Set<number> }> {
  const { rows } = await db.query<{ claim: number; cancel_requested: boolean }>(SQL.renew, [
    attempts.map((a) => a.id),
    attempts.map((a) => a.claim),
    owner,
    leaseSeconds,
  ]);
  return {
    held: new Set(rows.map((r) => Number(r.claim))),
    cancel: new Set(rows.filter((r) => r.cancel_requested).map((r) => Number(r.claim))),
  };
}

/** Sets the global cap (number of slots). */
export async function setSlots(db: Queryable, cap: number): Promise<void> {
  await db.query(`SELECT muster_set_job_slots($1)`, [cap]);
}
