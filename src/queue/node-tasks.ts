import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/index.js';
import { MusterError } from '../errors.js';
import { tryParseMac } from '../nodes/mac.js';
import { finishJob } from './lifecycle.js';
import { SQL } from './sql.js';

/**
 * The node side of `node` jobs, for the nodescripts engine:
 *  - takeNodeTasks(db, mac) → shell text to append to the node's `ready` nodescript. Each task
 *    runs in its own `sh`, then `muster_task_done <job id> <exit status>` is called; the
 *    nodescript may define that function to report back (the default prints
 *    `muster-task <id> exit <status>`). Each task is handed out once.
 *  - completeNodeTask(db, jobId, exitStatus) when the node reports: 0 succeeds the job.
 */
export async function takeNodeTasks(db: Queryable, mac: string): Promise<string> {
  const node = tryParseMac(mac);
  if (node === null) throw new MusterError('MAC_INVALID', `'${mac}' is not a node MAC address`);
  const { rows } = await db.query<{ id: number; args: { run: string } }>(SQL.takeNodeTasks, [node]);
  if (rows.length === 0) return '';
  const parts = [
    `# muster: ${rows.length} task(s) for this node`,
    `command -v muster_task_done >/dev/null 2>&1 || muster_task_done() { echo "muster-task $1 exit $2"; }`,
  ];
  for (const { id, args } of rows) {
    const end = heredocEnd(id, args.run);
    parts.push(`sh -s <<'${end}'`, args.run.replace(/\n?$/, ''), end, `muster_task_done ${id} $?`);
  }
  return `${parts.join('\n')}\n`;
}

/** A delimiter that no line of the task text equals. */
function heredocEnd(id: number, text: string): string {
  const lines = new Set(text.split('\n'));
  for (;;) {
    const end = `MUSTER_TASK_${id}_${randomBytes(6).toString('hex')}`;
    if (!lines.has(end)) return end;
  }
}

export async function completeNodeTask(db: Queryable, jobId: number, exitStatus: number): Promise<string> {
  if (!Number.isInteger(exitStatus) || exitStatus < 0 || exitStatus > 255) {
    throw new MusterError('REQUEST_INVALID', `exit status ${exitStatus} is not 0..255`);
  }
  const outcome = exitStatus === 0 ? ({ kind: 'succeeded' } as const) : ({ kind: 'failed', error: `the node's task exited with status ${exitStatus}` } as const);
  const state = await finishJob(db, jobId, 'node', outcome, null);
  if (state === null) {
    throw new MusterError('NODE_TASK_NOT_PENDING', `job ${jobId} is not a node task waiting for its node's report`);
  }
  return state;
}
