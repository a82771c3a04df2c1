import type { Db } from '../db/index.js';
import { MusterError } from '../errors.js';
import { hostIdentity } from './host.js';
import { getJob } from './store.js';
import type { Job } from './types.js';

/**
 * `job release`: the operator's word that a running job's daemon is gone for good. Only a daemon
 * on a dead daemon's host takes its jobs back (reaper.ts: only there can it tell that nothing of
 * the job still runs); when that host will not come back, the operator says so. Released, the
 * attempt counts as expired: queued again while attempts remain, else failed.
 *
 * Refused while the holder renews its lease (it is alive: cancel the job instead), for a daemon
 * of this host (its reaper does this by itself) and for a node task (cancel ends it). A daemon
 * cut off from the database aborts its attempt before its lease runs out, so what a release
 * risks is only the processes of a daemon that crashed on a host that is still up.
 */
export async function releaseJob(db: Db, id: number, hostId?: string): Promise<Job> {
  const { rows } = await db.query<{ state: string; locked_by: string | null; claim: number | null; renewing: boolean; host: string | null }>(
    `SELECT j.state, j.locked_by, j.claim, j.lease_until >= now() AS renewing, o.host
       FROM jobs j LEFT JOIN job_owners o ON o.owner = j.locked_by WHERE j.id = $1`,
    [id],
  );
  const j = rows[0];
  if (!j) throw new MusterError('JOB_NOT_FOUND', `no job ${id}`);
  if (j.state !== 'running' || j.locked_by === null) throw new MusterError('JOB_NOT_RUNNING', `job ${id} is ${j.state}: only a running job is released`);
  if (j.locked_by === 'node') throw new MusterError('JOB_NOT_RELEASABLE', `job ${id} is a node task waiting for its node: cancel it instead`);
  if (j.renewing) {
    throw new MusterError('JOB_NOT_RELEASABLE', `job ${id} is held by daemon ${j.locked_by}, which renews its lease (it is alive): cancel the job instead`);
  }
  if (j.host !== null && j.host === hostIdentity(hostId).host) {
    throw new MusterError(
      'JOB_NOT_RELEASABLE',
      `job ${id} is held by daemon ${j.locked_by} on this host: a daemon here takes it back by itself once nothing of it runs`,
    );
  }
  const why = `released by the operator: daemon ${j.locked_by}${j.host === null ? '' : ` on host ${j.host}`} taken for gone`;
  const { rows: done } = await db.query<{ state: string | null }>(`SELECT muster_finish_job($1, $2, $3, 'expired', $4, NULL, NULL, 0) AS state`, [
    id,
    j.locked_by,
    j.claim,
    why,
  ]);
  if (!done[0]?.state) throw new MusterError('JOB_NOT_RUNNING', `job ${id} changed meanwhile (ended, or taken back): nothing released`);
  return getJob(db, id);
}
