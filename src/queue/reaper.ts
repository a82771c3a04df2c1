import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../db/index.js';
import { groupMembers, killGroup, processStart, type HostIdentity } from './host.js';

/**
 * Takes back running jobs whose holder is gone, each exactly once however many daemons reap at
 * once: queued again with the attempt counted, or failed when out of attempts.
 *  - a node task whose node did not report by its deadline;
 *  - a job of a daemon on this host that is no longer running (lease or not), once its script
 *    has ended (it runs on without its daemon and records its exit status) or its deadline has
 *    passed, and what is left of its recorded process group is killed: the node is never handed
 *    on while the old attempt's processes may still run;
 *  - nothing of a daemon on another host, which may still run the job's processes: only a daemon
 *    on that host (after its restart or reboot) can tell that it does not;
 *  - nothing of a live daemon: it renews its leases, or aborts and ends the attempt itself;
 *  - a job whose lease ran out and whose daemon registered no owner row (an older version).
 */

export interface Owner extends HostIdentity {
  owner: string;
  pid: number;
  pidStart: number;
  /** folder where this owner's job processes record their exit status (exitFile) */
  exits: string;
}

/** Where the process group of an attempt records its exit status when its script ends. */
export function exitFile(exits: string, attempt: { id: number; claim: number }): string {
  return join(exits, `${attempt.id}.${attempt.claim}`);
}

/** Registers this daemon as a job owner; forgets owners on this host that are gone and hold nothing (and their exit records). */
export async function registerOwner(db: Queryable, me: Owner): Promise<void> {
  await db.query(
    `INSERT INTO job_owners (owner, host, boot_id, pid, pid_start, exits) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (owner) DO UPDATE SET host = $2, boot_id = $3, pid = $4, pid_start = $5, exits = $6`,
    [me.owner, me.host, me.bootId, me.pid, me.pidStart, me.exits],
  );
  const { rows } = await db.query<{ owner: string; boot_id: string; pid: number; pid_start: number }>(
    `SELECT owner, boot_id, pid, pid_start FROM job_owners WHERE host = $1 AND owner <> $2`,
    [me.host, me.owner],
  );
  const gone = rows.filter((o) => !alive(me, o)).map((o) => o.owner);
  if (gone.length > 0) {
    const { rows: forgotten } = await db.query<{ exits: string }>(
      `DELETE FROM job_owners o WHERE o.owner = ANY($1::text[])
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.state = 'running' AND j.locked_by = o.owner)
       RETURNING o.exits`,
      [gone],
    );
    for (const { exits } of forgotten) await rm(exits, { recursive: true, force: true });
  }
}

function alive(me: Owner, o: { boot_id: string; pid: number; pid_start: number }): boolean {
  return o.boot_id === me.bootId && processStart(o.pid) === Number(o.pid_start);
}

interface Reapable {
  id: number;
  claim: number | null;
  locked_by: string;
  attempts: number;
  expired: boolean;
  pgid: number | null;
  pgid_start: number | null;
  host: string | null;
  boot_id: string;
  pid: number;
  pid_start: number;
  exits: string;
}

type TakeBack = { outcome: 'expired' | 'succeeded' | 'failed'; why: string | null };

const expired = (why: string): TakeBack => ({ outcome: 'expired', why });

/** How a job's script ended, as its group recorded it (src/queue/jigs/script.ts), or null: not yet. */
async function recordedExit(file: string): Promise<{ status: number; stopped: boolean } | null> {
  const m = /^(stopped )?(\d+)\n?$/.exec(await readFile(file, 'utf8').catch(() => ''));
  return m ? { status: Number(m[2]), stopped: m[1] !== undefined } : null;
}

// A script writing to the dead daemon's end of its output pipe dies of SIGPIPE (128 + 13).
const SIGPIPE_STATUS = 141;

/**
 * How the job is taken back now, or null (leave it for a later round). A dead owner's script runs
 * on to its end: the job ends with the status it recorded (what it left behind is killed first),
 * or, past the job's deadline, its processes are killed and the attempt fails as at a deadline.
 */
async function takeBack(db: Queryable, me: Owner, r: Reapable): Promise<TakeBack | null> {
  if (r.locked_by === 'node') return r.expired ? expired('the node did not report the task before its deadline') : null;
  if (r.host === null) return r.expired ? expired(`lease expired: daemon ${r.locked_by} stopped renewing it (crashed or cut off)`) : null;
  if (r.host !== me.host || alive(me, r)) return null;
  if (r.pgid === null || r.boot_id !== me.bootId) return expired(`daemon ${r.locked_by} died while holding it`);
  const leaderStart = Number(r.pgid_start);
  const running = groupMembers(r.pgid, leaderStart).length > 0;
  const file = exitFile(r.exits, { id: r.id, claim: r.claim ?? 0 });
  const exit = await recordedExit(file);
  if (exit === null && running && !(await pastDeadline(db, r))) return null;
  if (!(await killGroup(r.pgid, leaderStart))) return null; // still dying: next round
  await rm(file, { force: true });
  if (exit?.status === 0) return { outcome: 'succeeded', why: null };
  if (exit?.stopped) return expired(`daemon ${r.locked_by} died while running it; its script was stopped (status ${exit.status})`);
  if (exit?.status === SIGPIPE_STATUS) return expired(`script died of SIGPIPE writing its output after daemon ${r.locked_by} died`);
  if (exit) return { outcome: 'failed', why: `script exited with status ${exit.status} (daemon ${r.locked_by} died before recording it)` };
  if (running) return { outcome: 'failed', why: `deadline passed; its processes were killed (daemon ${r.locked_by} had died)` };
  return expired(`daemon ${r.locked_by} died while running it; its processes ended without an exit status`);
}

async function pastDeadline(db: Queryable, r: Reapable): Promise<boolean> {
  const { rows } = await db.query<{ past: boolean }>(`SELECT deadline <= now() AS past FROM jobs WHERE id = $1 AND claim = $2`, [r.id, r.claim]);
  return rows[0]?.past ?? true;
}

export async function reapJobs(db: Queryable, me: Owner, retryMs: (attempt: number) => number): Promise<number> {
  const { rows } = await db.query<Reapable>(`SELECT * FROM muster_reapable_jobs($1, $2)`, [me.host, me.owner]);
  let reaped = 0;
  for (const r of rows) {
    const how = await takeBack(db, me, r);
    if (how === null) continue;
    const { rows: done } = await db.query<{ state: string | null }>(`SELECT muster_finish_job($1, $2, $3, $4, $5, NULL, NULL, $6) AS state`, [
      r.id,
      r.locked_by,
      r.claim,
      how.outcome,
      how.why,
      Math.round(retryMs(r.attempts)),
    ]);
    if (done[0]?.state) reaped += 1;
  }
  return reaped;
}
