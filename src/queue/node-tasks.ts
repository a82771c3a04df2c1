import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../db/index.js';
import { MusterError } from '../errors.js';
import { tryParseMac } from '../nodes/index.js';
import { finishJob } from './lifecycle.js';
import { SQL } from './sql.js';

/**
 * The node side of `node` jobs, for the nodescripts engine:
 *  - takeNodeTasks(db, mac) → shell text to append to the node's `ready` nodescript, and its
 *    settle(written): the tasks count as handed once the script carrying them was written, and
 *    are offered again to the node's next request if it was not. Each task
 *    runs in its own `sh` with its output captured, then `muster_task_done <job id> <exit status>
 *    <output file> <claim>` prints the output and reports to $MUSTER_MASTER (set by muster's
 *    provisiond) with `POST /tasks/<id>?hwaddr=<mac>&exit=<status>&claim=<claim>` and the
 *    output's tail as body (the claim names the attempt the task was handed out by); without
 *    $MUSTER_MASTER (Perceus's client, `wget | sh`) it reports to opts.master, else prints
 *    `muster-task <id> exit <status>`.
 *    A module earlier in the script may define muster_task_done itself. Each task is handed out
 *    once, and offered to one script at a time.
 *  - completeNodeTask(db, jobId, exitStatus, {mac, claim, output}) when the node reports: 0
 *    succeeds the job; a report of an earlier attempt (another claim) changes nothing.
 */
export interface NodeTasks {
  /** shell text for the end of the `ready` script; '' when the node has no task */
  text: string;
  /** whether the script with `text` was written to the node */
  settle(written: boolean): Promise<void>;
}

export async function takeNodeTasks(db: Queryable, mac: string, opts: { master?: string | undefined } = {}): Promise<NodeTasks> {
  const node = tryParseMac(mac);
  if (node === null) throw new MusterError('MAC_INVALID', `'${mac}' is not a node MAC address`);
  const { rows } = await db.query<Task>(SQL.takeNodeTasks, [node]);
  if (rows.length === 0) return { text: '', settle: async () => undefined };
  const ids = rows.map((r) => r.id);
  return { text: tasksScript(node, rows, opts.master), settle: async (written) => void (await db.query(SQL.settleNodeTasks, [node, ids, written])) };
}

interface Task {
  id: number;
  args: { run: string };
  claim: number | null;
}

function tasksScript(node: string, rows: Task[], master: string | undefined): string {
  const parts = [`# muster: ${rows.length} task(s) for this node`];
  // Perceus's client and `wget | sh` set no MUSTER_MASTER: report to the master's node HTTP server.
  if (master && /^http:\/\/[A-Za-z0-9.:[\]-]+$/.test(master)) parts.push(`: "\${MUSTER_MASTER:=${master}}"`);
  parts.push(reporter(node));
  for (const { id, args, claim } of rows) {
    const end = heredocEnd(id, args.run);
    parts.push(
      `muster_out=$(mktemp 2>/dev/null || echo /tmp/muster-task-${id}.$$)`,
      `sh -s >"$muster_out" 2>&1 <<'${end}'`,
      args.run.replace(/\n?$/, ''),
      end,
      `muster_task_done ${id} $? "$muster_out" ${claim ?? ''}`,
    );
  }
  return `${parts.join('\n')}\n`;
}

/** Bytes of a task's output the node sends with its report (the job log keeps a bounded copy). */
export const TASK_OUTPUT_LIMIT = 32 * 1024;

/**
 * The shell function that reports a task (JOB EXIT OUTPUT-FILE CLAIM). It tries curl, else wget
 * (busybox), three times; a report that cannot be sent leaves the job to its deadline. It always
 * returns 0 so a failed task does not stop the node's provisiond from checking in.
 */
function reporter(mac: string): string {
  return `command -v muster_task_done >/dev/null 2>&1 || muster_task_done() {
  cat "$3"
  if [ -z "\${MUSTER_MASTER:-}" ]; then echo "muster-task $1 exit $2"; rm -f "$3"; return 0; fi
  tail -c ${TASK_OUTPUT_LIMIT} "$3" >"$3.tail"
  muster_url="\${MUSTER_MASTER%/}/tasks/$1?hwaddr=${mac}&exit=$2\${4:+&claim=$4}"
  for muster_try in 1 2 3; do
    if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null --data-binary "@$3.tail" "$muster_url"
    else wget -q -O /dev/null --post-file "$3.tail" "$muster_url"; fi && break
    [ "$muster_try" = 3 ] && echo "muster: could not report task $1 (exit $2) to $MUSTER_MASTER" >&2
    sleep "$muster_try"
  done
  rm -f "$3" "$3.tail"
  return 0
}`;
}

/** A delimiter that no line of the task text equals. */
function heredocEnd(id: number, text: string): string {
  const lines = new Set(text.split('\n'));
  for (;;) {
    const end = `MUSTER_TASK_${id}_${randomBytes(6).toString('hex')}`;
    if (!lines.has(end)) return end;
  }
}

export interface NodeReport {
  /** the reporting node: a task can only be completed by the node it belongs to */
  mac?: string;
  /** the attempt the task was handed out by (its claim number); without it, whichever is waiting */
  claim?: number;
  /** the tail of the task's output, kept in the job log */
  output?: string;
}

export async function completeNodeTask(db: Db, jobId: number, exitStatus: number, from: NodeReport = {}): Promise<string> {
  if (!Number.isInteger(exitStatus) || exitStatus < 0 || exitStatus > 255) {
    throw new MusterError('REQUEST_INVALID', `exit status ${exitStatus} is not 0..255`);
  }
  // A job's node never changes, so this check cannot race with the finish below.
  const { rows } = await db.query<{ node: string }>(`SELECT node::text AS node FROM jobs WHERE id = $1`, [jobId]);
  const job = rows[0];
  if (!job || (from.mac !== undefined && job.node !== from.mac)) {
    throw new MusterError('JOB_NOT_FOUND', `no task ${jobId} for ${from.mac === undefined ? 'any node' : `node ${from.mac}`}`);
  }
  const outcome =
    exitStatus === 0 ? ({ kind: 'succeeded' } as const) : ({ kind: 'failed', error: `the node's task exited with status ${exitStatus}` } as const);
  // Under the node's lock (what every change of its jobs takes first) the attempt cannot change
  // between the claim check and the finish.
  const state = await db.tx(async (q) => {
    await q.query(`SELECT muster_lock_node($1::macaddr)`, [job.node]);
    const { rows: now } = await q.query<{ claim: number | null; log: string }>(`SELECT claim, log FROM jobs WHERE id = $1`, [jobId]);
    if (from.claim !== undefined && Number(now[0]?.claim) !== from.claim) return null;
    const log =
      from.output === undefined
        ? null
        : `${now[0]?.log ?? ''}muster: the node reported exit status ${exitStatus}; output:\n${from.output.slice(-TASK_OUTPUT_LIMIT)}`;
    return finishJob(q, { id: jobId, claim: null }, 'node', outcome, log);
  });
  if (state === null) {
    const attempt = from.claim === undefined ? '' : ` (this report is of claim ${from.claim})`;
    throw new MusterError('NODE_TASK_NOT_PENDING', `job ${jobId} is not a node task waiting for its node's report${attempt}`);
  }
  return state;
}
