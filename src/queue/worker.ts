import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../db/index.js';
import { retryDelayMs } from './backoff.js';
import type { JigContext } from './jigs/types.js';
import { hostIdentity, processStart } from './host.js';
import { announceStart, claimJob, finishAndClaim, finishJob, recordProcess, renewLeases, setSlots } from './lifecycle.js';
import { exitFile, reapJobs, registerOwner, type Owner } from './reaper.js';
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
  /** This machine, as daemons on one database tell hosts apart (default /etc/machine-id). */
  hostId?: string;
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

/** A claimed attempt and the local time its claim was sent (its lease runs at least leaseSeconds from then). */
interface Claimed {
  job: ClaimedJob;
  sentAt: number;
}

/** A running attempt: its job (with its claim), its abort, and when its lease was last renewed. */
interface Run {
  job: ClaimedJob;
  ac: AbortController;
  /** local time the claim or last successful renewal was sent: the lease runs at least leaseSeconds from it */
  renewedAt: number;
}

/**
 * Starts this daemon's workers. Each loop claims one job at a time, runs it outside any
 * transaction and finishes it; a lease timer renews the leases of running attempts (and aborts
 * those lost or asked to cancel), and an attempt that could not renew for two thirds of its lease
 * is aborted before the lease can run out, so that no later attempt runs beside it. A reaper
 * takes back the jobs of daemons that are gone (reaper.ts). Database errors (a Postgres restart)
 * are logged and retried, never fatal.
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
    owner,
    running: 0,
    claimed: 0,
    succeeded: 0,
    failed: 0,
    retried: 0,
    cancelled: 0,
    released: 0,
    handedToNode: 0,
    rechecks: 0,
    reaped: 0,
    leaseLost: 0,
    dbErrors: 0,
  };
  const exits = join(opts.statedir, 'exits', owner.replace(/[^A-Za-z0-9._-]/g, '_'));
  await mkdir(join(opts.statedir, 'exits')).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') log.warn({ err }, 'no folder for job exit records; a daemon that outlives this one reruns its finished scripts');
  });
  await mkdir(exits).catch(() => undefined);
  const me: Owner = { owner, ...hostIdentity(opts.hostId), pid: process.pid, pidStart: processStart(process.pid) ?? 0, exits };
  // By claim number: a later attempt of a job must not replace (or be removed with) an earlier one.
  const running = new Map<number, Run>();
  let claims = 0;
  const wake = new Wakeup();
  let stopping = false;

  await setSlots(db, opts.concurrency);
  await registerOwner(db, me);
  const unlisten = await db
    .listen(JOBS_CHANNEL, () => wake.nudge())
    .catch((err: unknown) => {
      log.warn({ err }, 'no job notifications; polling only');
      return async () => undefined;
    });

  const dbError = (what: string, err: unknown) => {
    stats.dbErrors += 1;
    log.warn({ err }, `${what} failed; retrying`);
  };

  /**
   * Retries a write that must land (the end of a job) until it does, or until the stop when the
   * database stays away. No other daemon takes the job meanwhile (its owner is alive), and a
   * retry after a lost reply returns what the first call did (same claims).
   */
  async function persist<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    for (let tries = 1, delay = 100; ; tries++, delay = Math.min(delay * 2, 2000)) {
      try {
        return await fn();
      } catch (err) {
        dbError(what, err);
        if (stopping && tries >= 5) return null;
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

  /** Runs a claimed attempt and ends it; returns the next one, claimed in the same call unless stopping. */
  async function execute(claimed: Claimed): Promise<Claimed | null> {
    const { job } = claimed;
    const ac = new AbortController();
    running.set(job.claim, { job, ac, renewedAt: claimed.sentAt });
    stats.claimed += 1;
    const timer = setTimeout(() => ac.abort(new JobAbort('deadline')), Math.max(0, job.deadline.getTime() - Date.now()));
    const announce = setTimeout(() => {
      announceStart(db, job, owner).catch((err: unknown) => dbError('announcing a job start', err));
    }, STARTED_EVENT_MS);
    // The group a jig starts is recorded, for a daemon on this host to kill should this one die.
    const onProcess = async (pid: number) => {
      const start = processStart(pid);
      return start !== null && (await persist('recording a job process', () => recordProcess(db, job, owner, pid, start))) === true;
    };
    try {
      const record = { exitFile: exitFile(exits, job), onProcess };
      const { outcome, log: output } = await runJob(db, job, ac.signal, ctx, logLimit, record);
      const retryMs = outcome.kind === 'failed' ? retryDelayMs(job.attempts, retryBaseMs) : 0;
      const next = { claim: ++claims, sentAt: Date.now() };
      const ended = await persist('finishing a job', () =>
        stopping
          ? finishJob(db, job, owner, outcome, output, retryMs).then((state) => ({ state, next: null }))
          : finishAndClaim(db, job, owner, outcome, output, retryMs, leaseSeconds, next.claim),
      );
      const state = ended?.state ?? null;
      await rm(record.exitFile, { force: true }).catch(() => undefined);
      count(outcome, state);
      if (state === null) log.warn({ job: job.id }, 'job lost its lease; its result was not recorded');
      return ended?.next ? { job: ended.next, sentAt: next.sentAt } : null;
    } finally {
      clearTimeout(timer);
      clearTimeout(announce);
      running.delete(job.claim);
    }
  }

  /** A job claimed just as the stop began goes back to the queue unrun. */
  async function release(job: ClaimedJob): Promise<void> {
    count({ kind: 'released' }, await persist('releasing a job', () => finishJob(db, job, owner, { kind: 'released' }, null)));
  }

  async function loop(): Promise<void> {
    let failures = 0;
    let claimed: Claimed | null = null;
    // A claim whose answer was lost is asked again under its number: it returns the job it took.
    let claim = ++claims;
    while (!stopping) {
      if (claimed === null) {
        const sentAt = Date.now();
        try {
          const job = await claimJob(db, owner, claim, leaseSeconds);
          failures = 0;
          claim = ++claims;
          claimed = job && { job, sentAt };
        } catch (err) {
          dbError('claiming a job', err);
          failures += 1;
          await wake.sleep(Math.min(5000, 100 * 2 ** failures), false);
          continue;
        }
        if (claimed === null) {
          await wake.sleep(pollMs, true);
          continue;
        }
      }
      claimed = await execute(claimed);
    }
    if (claimed !== null) await release(claimed.job);
  }

  async function renew(): Promise<void> {
    const runs = [...running.values()];
    if (runs.length === 0) return;
    const sentAt = Date.now();
    try {
      const { held, cancel } = await renewLeases(
        db,
        owner,
        runs.map((r) => r.job),
        leaseSeconds,
      );
      for (const r of runs) {
        if (!held.has(r.job.claim)) r.ac.abort(new JobAbort('lease'));
        else if (cancel.has(r.job.claim)) r.ac.abort(new JobAbort('cancel'));
        else r.renewedAt = Math.max(r.renewedAt, sentAt);
      }
    } catch (err) {
      dbError('renewing leases', err);
    }
  }

  /** Aborts the attempts whose lease may run out before a renewal can land (the database is away). */
  function fence(): void {
    const limit = Date.now() - (leaseSeconds * 1000 * 2) / 3;
    for (const r of running.values()) {
      if (r.renewedAt < limit && !r.ac.signal.aborted) {
        log.warn({ job: r.job.id, claim: r.job.claim }, 'lease not renewed for two thirds of its time; aborting the attempt');
        r.ac.abort(new JobAbort('lease'));
      }
    }
  }

  async function reap(): Promise<void> {
    try {
      stats.reaped += await reapJobs(db, me, (attempt) => retryDelayMs(attempt, retryBaseMs));
    } catch (err) {
      dbError('reaping jobs of daemons that are gone', err);
    }
  }

  const renewTimer = serialInterval(renew, Math.max(100, (leaseSeconds * 1000) / 3));
  const fenceTimer = setInterval(fence, Math.max(50, (leaseSeconds * 1000) / 12));
  // Often enough that a dead daemon's script, which runs on, ends its job soon after it ends.
  const reapTimer = serialInterval(reap, Math.min(2000, Math.max(200, (leaseSeconds * 1000) / 2)));
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
        log.info({ jobs: [...running.values()].map((r) => r.job.id) }, 'grace period over; releasing running jobs');
        for (const r of running.values()) r.ac.abort(new JobAbort('shutdown'));
        await done;
      }
      renewTimer.stop();
      clearInterval(fenceTimer);
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
