import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Db } from '../db/index.js';
import { retryDelayMs } from './backoff.js';
import type { JigContext } from './jigs/types.js';
import { announceStart, claimJob, finishAndClaim, finishJob, reapExpired, renewLeases, setSlots } from './lifecycle.js';
import { JobAbort, runJob } from './runner.js';
import type { ClaimedJob, Outcome } from './types.js';
import { Wakeup } from './wakeup.js';

export const JOBS_CHANNEL = 'muster_jobs';

/** A run that lasts this long gets its `job.started` event (shorter ones show only their end). */
export const STARTED_EVENT_MS = 1000;

export interface QueueOptions {
  db: Db;
  /** Worker loops in this daemon. */
  workers: number;
  /** Global cap: jobs running at once across every daemon on this database. */
  concurrency: number;
  leaseSeconds: number;
  /** Lease owner name; unique per daemon process. */
  owner?: string;
  log: Logger;
  statedir: string;
  jigContext?: Partial<Omit<JigContext, 'statedir'>>;
  /** Poll fallback when no notification arrives. */
  pollMs?: number;
  /** First retry delay; doubles per attempt (with jitter). */
  retryBaseMs?: number;
  /** Bytes of output kept per job. */
  logLimit?: number;
}

export interface QueueStats {
  owner: string;
  running: number;
  claimed: number;
  succeeded: number;
  failed: number;
  retried: number;
  cancelled: number;
  released: number;
  handedToNode: number;
  rechecks: number;
  reaped: number;
  leaseLost: number;
  dbErrors: number;
}

export interface QueueHandle {
  nudge(): void;
  stop(opts?: { graceMs?: number }): Promise<void>;
  stats(): QueueStats;
}

/**
 * Starts this daemon's workers. Each loop claims one job at a time, runs it outside any
 * transaction and finishes it; a lease timer renews the leases of running jobs (and aborts those
 * lost or asked to cancel); a reaper takes back expired leases of any daemon. Database errors
 * (a Postgres restart) are logged and retried, never fatal.
 */
export async function startQueue(opts: QueueOptions): Promise<QueueHandle> {
  const { db, leaseSeconds } = opts;
  const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = opts.log.child({ mod: 'queue', owner });
  const ctx: JigContext = {
    statedir: opts.statedir,
    perceus: opts.jigContext?.perceus ?? { VNFSMETHOD: 'http', VNFSMASTER: '', VNFSPREFIX: '' },
    waitPollMs: opts.jigContext?.waitPollMs ?? 2000,
  };
  const pollMs = opts.pollMs ?? 1000;
  const retryBaseMs = opts.retryBaseMs ?? 5000;
  const logLimit = opts.logLimit ?? 64 * 1024;
  const stats: QueueStats = {
    owner, running: 0, claimed: 0, succeeded: 0, failed: 0, retried: 0, cancelled: 0, released: 0,
    handedToNode: 0, rechecks: 0, reaped: 0, leaseLost: 0, dbErrors: 0,
  };
  const running = new Map<number, AbortController>();
  const wake = new Wakeup();
  let stopping = false;

  await setSlots(db, opts.concurrency);
  const unlisten = await db.listen(JOBS_CHANNEL, () => wake.nudge()).catch((err: unknown) => {
    log.warn({ err }, 'no job notifications; polling only');
    return async () => undefined;
  });

  const dbError = (what: string, err: unknown) => {
    stats.dbErrors += 1;
    log.warn({ err }, `${what} failed; retrying`);
  };

  /** Retries a write that must land (the end of a job) until it does or the lease is surely gone. */
  async function persist<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    const giveUp = Date.now() + leaseSeconds * 3000;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await fn();
      } catch (err) {
        dbError(what, err);
        if (Date.now() > giveUp) return null;
        await wake.sleep(delay, false);
      }
    }
  }

  function count(outcome: Outcome, state: string | null): void {
    if (state === null) {
      stats.leaseLost += 1;
      return;
    }
    if (outcome.kind === 'async') stats.handedToNode += 1;
    else if (outcome.kind === 'snooze') stats.rechecks += 1;
    else if (outcome.kind === 'released') stats.released += 1;
    else if (state === 'queued') stats.retried += 1;
    else if (state === 'succeeded') stats.succeeded += 1;
    else if (state === 'cancelled') stats.cancelled += 1;
    else stats.failed += 1;
  }

  /** Runs a claimed job and ends it; returns the next job, claimed in the same call unless stopping. */
  async function execute(job: ClaimedJob): Promise<ClaimedJob | null> {
    const ac = new AbortController();
    running.set(job.id, ac);
    stats.claimed += 1;
    const timer = setTimeout(() => ac.abort(new JobAbort('deadline')), Math.max(0, job.deadline.getTime() - Date.now()));
    const announce = setTimeout(() => {
      announceStart(db, job.id, owner).catch((err: unknown) => dbError('announcing a job start', err));
    }, STARTED_EVENT_MS);
    try {
      const { outcome, log: output } = await runJob(db, job, ac.signal, ctx, logLimit);
      const retryMs = outcome.kind === 'failed' ? retryDelayMs(job.attempts, retryBaseMs) : 0;
      const ended = await persist('finishing a job', () =>
        stopping
          ? finishJob(db, job.id, owner, outcome, output, retryMs).then((state) => ({ state, next: null }))
          : finishAndClaim(db, job, owner, outcome, output, retryMs, leaseSeconds),
      );
      const state = ended?.state ?? null;
      count(outcome, state);
      if (state === null) log.warn({ job: job.id }, 'job lost its lease; its result was not recorded');
      return ended?.next ?? null;
    } finally {
      clearTimeout(timer);
      clearTimeout(announce);
      running.delete(job.id);
    }
  }

  /** A job claimed just as the stop began goes back to the queue unrun. */
  async function release(job: ClaimedJob): Promise<void> {
    count({ kind: 'released' }, await persist('releasing a job', () => finishJob(db, job.id, owner, { kind: 'released' }, null)));
  }

  async function loop(): Promise<void> {
    let failures = 0;
    let job: ClaimedJob | null = null;
    while (!stopping) {
      if (job === null) {
        try {
          job = await claimJob(db, owner, leaseSeconds);
          failures = 0;
        } catch (err) {
          dbError('claiming a job', err);
          failures += 1;
          await wake.sleep(Math.min(5000, 100 * 2 ** failures), false);
          continue;
        }
        if (job === null) {
          await wake.sleep(pollMs, true);
          continue;
        }
      }
      job = await execute(job);
    }
    if (job !== null) await release(job);
  }

  async function renew(): Promise<void> {
    const ids = [...running.keys()];
    if (ids.length === 0) return;
    try {
      const { held, cancel } = await renewLeases(db, owner, ids, leaseSeconds);
      for (const id of ids) {
        if (!held.has(id) && running.has(id)) running.get(id)!.abort(new JobAbort('lease'));
        else if (cancel.has(id)) running.get(id)?.abort(new JobAbort('cancel'));
      }
    } catch (err) {
      dbError('renewing leases', err);
    }
  }

  async function reap(): Promise<void> {
    try {
      stats.reaped += await reapExpired(db, (attempt) => retryDelayMs(attempt, retryBaseMs));
    } catch (err) {
      dbError('reaping expired leases', err);
    }
  }

  const renewTimer = serialInterval(renew, Math.max(100, (leaseSeconds * 1000) / 3));
  const reapTimer = serialInterval(reap, Math.max(200, (leaseSeconds * 1000) / 2));
  const loops = Array.from({ length: opts.workers }, () => loop());
  log.info({ workers: opts.workers, cap: opts.concurrency, leaseSeconds }, 'queue started');

  return {
    nudge: () => wake.nudge(),
    stats: () => ({ ...stats, running: running.size }),
    async stop({ graceMs = 10_000 } = {}) {
      stopping = true;
      wake.nudge();
      reapTimer.stop();
      const done = Promise.all(loops);
      const inTime = await Promise.race([done.then(() => true), wake.sleep(graceMs, false).then(() => false)]);
      if (!inTime) {
        log.info({ jobs: [...running.keys()] }, 'grace period over; releasing running jobs');
        for (const ac of running.values()) ac.abort(new JobAbort('shutdown'));
        await done;
      }
      renewTimer.stop();
      await unlisten().catch(() => undefined);
      wake.close();
      log.info(stats, 'queue stopped');
    },
  };
}

/** Runs fn every `ms`, never two at once (a slow database must not pile up calls). */
function serialInterval(fn: () => Promise<void>, ms: number): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    await fn();
    if (!stopped) timer = setTimeout(tick, ms);
  };
  timer = setTimeout(tick, 0);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
