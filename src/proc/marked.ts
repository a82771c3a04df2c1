import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * The environment variable that marks every process of one run. A child that calls `setsid`
 * leaves its parent's process group and session, and once its parent exits it is re-parented to
 * init, so neither the group nor the ancestry finds it any more; the environment it inherited
 * does. Why this and not the alternatives: a cgroup per run needs a delegated cgroup tree the
 * daemon cannot assume, and PR_SET_CHILD_SUBREAPER is a prctl Node cannot call without a native
 * addon. What escapes the marker: a process that execs with a cleared or rebuilt environment
 * (`env -i`, sudo's env_reset); the runner still stops reading its pipes, so it cannot hang a run.
 */
export const RUN_ID_VAR = 'MUSTER_RUN_ID';

/**
 * A pid space wraps after pid_max allocations (32768 by default); no host forks that many in
 * this long, so for a run younger than this only pids allocated since its spawn are searched.
 */
const SHORT_RUN_MS = 1000;

export interface MarkedSearch {
  runId: string;
  /** the run's first pid and when it was spawned: narrows the search for a short run */
  since?: { pid: number; at: number };
}

/**
 * The pids of live processes whose environment carries `MUSTER_RUN_ID=<runId>`, from
 * /proc/<pid>/environ of each candidate; processes that vanish or cannot be read are skipped.
 * A short run's few candidates are read at once (on a loaded 2-core host: 1 ms), which beats
 * the thread-pool round trips; the whole of /proc is read off the event loop (16-31 ms for 140
 * processes there, against about 5 ms read at once, too long to block on a big host;
 * bench/proc.ts).
 */
export async function findMarked(search: MarkedSearch): Promise<number[]> {
  const marker = Buffer.from(`${RUN_ID_VAR}=${search.runId}\0`);
  const inRange = pidRange(search.since);
  const pids = readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 1 && pid !== process.pid && (inRange === null || inRange(pid)));
  const marked = (env: Buffer | null): boolean => env?.includes(marker) === true;
  if (inRange !== null) return pids.filter((pid) => marked(readOrNull(() => readFileSync(`/proc/${pid}/environ`))));
  const envs = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/environ`).catch(() => null)));
  return pids.filter((_, i) => marked(envs[i]!));
}

function readOrNull(read: () => Buffer): Buffer | null {
  try {
    return read();
  } catch {
    return null; // gone, or not ours to read
  }
}

/** Sends `sig` to every live process marked with `runId`; returns how many were signalled. */
export async function killMarked(search: MarkedSearch, sig: NodeJS.Signals): Promise<number> {
  let n = 0;
  for (const pid of await findMarked(search)) {
    try {
      process.kill(pid, sig);
      n++;
    } catch {
      // exited between the search and the signal
    }
  }
  return n;
}

/** For a short run: the pids allocated after its spawn, in the circular pid order; else null. */
function pidRange(since: MarkedSearch['since']): ((pid: number) => boolean) | null {
  if (!since || performance.now() - since.at > SHORT_RUN_MS) return null;
  // /proc/loadavg ends with the most recently allocated pid: "0.10 0.05 0.01 1/123 4567".
  const last = Number(
    readOrNull(() => readFileSync('/proc/loadavg'))
      ?.toString()
      .trim()
      .split(/\s+/)[4],
  );
  if (!Number.isInteger(last)) return null;
  const first = since.pid;
  return first <= last ? (pid) => pid >= first && pid <= last : (pid) => pid >= first || pid <= last;
}
