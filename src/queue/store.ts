import type { Db, Queryable } from '../db/index.js';
import { sqlState } from '../db/index.js';
import { eachChunked, mapChunked } from '../async/index.js';
import { MusterError } from '../errors.js';
import { tryParseMac } from '../nodes/index.js';
import { getJig, parseJigArgs } from './jigs/registry.js';
import { JobSchema, type Job, type JobRef, type JobState, type NewJob } from './types.js';

const FOREIGN_KEY_VIOLATION = '23503';

interface Checked {
  node: string;
  jig: string;
  args: unknown;
  maxAttempts: number;
  timeoutSeconds: number;
  runAfter: Date | null;
  key: string | null;
}

/** Everything about a new job that can be checked without the database. */
function check(spec: NewJob): Checked {
  const node = tryParseMac(spec.node);
  if (node === null) throw new MusterError('MAC_INVALID', `'${spec.node}' is not a node MAC address`);
  const jig = getJig(spec.jig);
  const maxAttempts = spec.maxAttempts ?? 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    throw new MusterError('REQUEST_INVALID', `max attempts ${maxAttempts} is not a whole number from 1 to 100`);
  }
  const timeoutSeconds = spec.timeoutSeconds ?? jig.defaultTimeoutSeconds;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 20 * 86400) {
    throw new MusterError('REQUEST_INVALID', `timeout ${timeoutSeconds} s is not a whole number of seconds up to 20 days`);
  }
  if (spec.idempotencyKey !== undefined && (spec.idempotencyKey.length === 0 || spec.idempotencyKey.length > 200)) {
    throw new MusterError('REQUEST_INVALID', 'an idempotency key is 1 to 200 characters');
  }
  return {
    node,
    jig: jig.name,
    args: parseJigArgs(jig, spec.args ?? {}),
    maxAttempts,
    timeoutSeconds,
    runAfter: spec.runAfter ?? null,
    key: spec.idempotencyKey ?? null,
  };
}

/**
 * Queues jobs in one statement: all or none. With `chain`, each node's jobs form one chain in the
 * given order (a failed step cancels the node's later steps). muster_add_jobs (000006) keeps each
 * node's FIFO and single head against concurrent enqueuers without a lock per node.
 */
export async function addJobs(db: Db, specs: NewJob[], opts: { chain?: boolean } = {}): Promise<JobRef[]> {
  const checked = await mapChunked(specs, check);
  if (checked.length === 0) return [];
  const nodes = await mapChunked(checked, (c) => c.node);
  const macs = [...new Set(nodes)];
  const { rows: found } = await db.query<{ mac: string }>(`SELECT mac::text AS mac FROM nodes WHERE mac = ANY($1::macaddr[])`, [macs]);
  const known = new Set<string>();
  await eachChunked(found, (r) => known.add(r.mac));
  const missing: string[] = [];
  await eachChunked(macs, (m) => known.has(m) || missing.push(m));
  if (missing.length > 0) throw new MusterError('NODE_NOT_FOUND', `no node with MAC ${missing.join(', ')}`);
  const chains = opts.chain ? await chainPositions(db, nodes, macs) : null;
  // The parameter columns, one pass over the jobs in event-loop turns.
  const cols: unknown[][] = Array.from({ length: 9 }, () => new Array<unknown>(checked.length));
  await eachChunked(checked, (c, i) => {
    cols[0]![i] = c.node;
    cols[1]![i] = c.jig;
    cols[2]![i] = JSON.stringify(c.args);
    cols[3]![i] = c.maxAttempts;
    cols[4]![i] = c.timeoutSeconds;
    cols[5]![i] = c.runAfter?.toISOString() ?? null;
    cols[6]![i] = chains?.ids[i] ?? null;
    cols[7]![i] = chains?.positions[i] ?? null;
    cols[8]![i] = c.key;
  });
  try {
    const { rows } = await db.query<{ job_id: number; created: boolean }>(
      `SELECT job_id, created FROM muster_add_jobs($1::macaddr[], $2::text[], $3::jsonb[], $4::int[], $5::int[],
              $6::timestamptz[], $7::bigint[], $8::int[], $9::text[])`,
      cols,
    );
    return await mapChunked(rows, (r, i) => ({ id: Number(r.job_id), node: checked[i]!.node, created: r.created }));
  } catch (err) {
    // A node deleted between the check and the insert.
    if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw new MusterError('NODE_NOT_FOUND', 'a node of this job was deleted meanwhile', { cause: err });
    throw err;
  }
}

/** One chain per node: its id, and each job's position in its node's chain. */
async function chainPositions(db: Queryable, nodes: string[], distinct: string[]): Promise<{ ids: number[]; positions: number[] }> {
  const { rows } = await db.query<{ id: number }>(`SELECT nextval('job_chain_seq') AS id FROM generate_series(1, $1)`, [distinct.length]);
  const chainOf = new Map(distinct.map((m, i) => [m, { id: Number(rows[i]!.id), next: 0 }]));
  const ids: number[] = [];
  const positions: number[] = [];
  await eachChunked(nodes, (node) => {
    const chain = chainOf.get(node)!;
    ids.push(chain.id);
    positions.push(chain.next++);
  });
  return { ids, positions };
}

const JOB_COLUMNS = `j.id, j.node::text AS node, n.name AS "nodeName", j.jig, j.args, j.state, j.attempts,
  j.max_attempts AS "maxAttempts", j.timeout_s AS "timeoutSeconds", j.run_after AS "runAfter", j.deadline,
  j.locked_by AS "lockedBy", j.lease_until AS "leaseUntil", j.cancel_requested AS "cancelRequested",
  j.chain_id AS "chainId", j.chain_pos AS "chainPos", j.idempotency_key AS "idempotencyKey",
  j.created_at AS "createdAt", j.started_at AS "startedAt", j.finished_at AS "finishedAt", j.result, j.error`;

export async function getJob(db: Queryable, id: number): Promise<Job> {
  const { rows } = await db.query(`SELECT ${JOB_COLUMNS}, j.log FROM jobs j JOIN nodes n ON n.mac = j.node WHERE j.id = $1`, [id]);
  if (!rows[0]) throw new MusterError('JOB_NOT_FOUND', `no job ${id}`);
  return JobSchema.parse(rows[0]);
}

export interface JobFilter {
  node?: string;
  state?: JobState;
  afterId?: number;
  limit?: number;
}

/** Jobs in id order, without their logs. */
export async function listJobs(db: Queryable, f: JobFilter = {}): Promise<Job[]> {
  const node = f.node === undefined ? null : tryParseMac(f.node);
  if (f.node !== undefined && node === null) throw new MusterError('MAC_INVALID', `'${f.node}' is not a node MAC address`);
  const { rows } = await db.query(
    `SELECT ${JOB_COLUMNS}, '' AS log FROM jobs j JOIN nodes n ON n.mac = j.node
      WHERE ($1::macaddr IS NULL OR j.node = $1::macaddr) AND ($2::text IS NULL OR j.state = $2) AND j.id > $3
      ORDER BY j.id LIMIT $4`,
    [node, f.state ?? null, f.afterId ?? 0, Math.min(f.limit ?? 1000, 10_000)],
  );
  return rows.map((r) => JobSchema.parse(r));
}

/**
 * Cancels a job. Queued: at once, with the rest of its chain. Running: its worker is asked to
 * abort (the job ends as cancelled within a lease renewal). Finished: JOB_FINISHED.
 */
export async function cancelJob(db: Db, id: number, reason = 'cancelled by the operator'): Promise<Job> {
  const { rows } = await db.query<{ prior: string | null }>(`SELECT muster_cancel_job($1, $2) AS prior`, [id, reason]);
  const prior = rows[0]?.prior ?? null;
  if (prior === null) throw new MusterError('JOB_NOT_FOUND', `no job ${id}`);
  if (prior !== 'queued' && prior !== 'running') {
    throw new MusterError('JOB_FINISHED', `job ${id} has ${prior === 'cancelled' ? 'been cancelled' : prior} already; nothing to cancel`);
  }
  return getJob(db, id);
}

/** Queues a finished job again as a new job at the end of its node's queue. */
export async function retryJob(db: Db, id: number): Promise<JobRef> {
  const job = await getJob(db, id);
  if (job.state === 'queued' || job.state === 'running') {
    throw new MusterError('JOB_ACTIVE', `job ${id} is ${job.state}; only a finished job can be retried (cancel it first)`);
  }
  const [ref] = await addJobs(db, [{ node: job.node, jig: job.jig, args: job.args, maxAttempts: job.maxAttempts, timeoutSeconds: job.timeoutSeconds }]);
  return ref!;
}
