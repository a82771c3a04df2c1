import { readdir, readFile } from 'node:fs/promises';

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
 * The pids of live processes whose environment carries `MUSTER_RUN_ID=<runId>`. Reads
 * /proc/<pid>/environ of each candidate, off the event loop: on a loaded 2-core host with 140
 * processes, 31 ms for all of /proc and 3 ms for a short run's pid range (bench/proc.ts).
 * Processes that vanish or cannot be read are skipped.
 */
export async function findMarked(search: MarkedSearch): Promise<number[]> {
  const marker = Buffer.from(`${RUN_ID_VAR}=${search.runId}\0`);
  const inRange = await pidFilter(search.since);
  const names = await readdir('/proc');
  const found: number[] = [];
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !inRange(pid)) return;
      try {
        const env = await readFile(`/proc/${pid}/environ`);
        if (env.includes(marker)) found.push(pid);
      } catch {
        // gone, or not ours to read
      }
    }),
  );
  return found.sort((a, b) => a - b);
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

/** For a short run: the pids allocated after its spawn, in the circular pid order. */
async function pidFilter(since: MarkedSearch['since']): Promise<(pid: number) => boolean> {
  if (!since || performance.now() - since.at > SHORT_RUN_MS) return () => true;
  let last: number;
  try {
    // /proc/loadavg ends with the most recently allocated pid: "0.10 0.05 0.01 1/123 4567".
    last = Number((await readFile('/proc/loadavg', 'utf8')).trim().split(/\s+/)[4]);
  } catch {
    return () => true;
  }
  if (!Number.isInteger(last)) return () => true;
  const first = since.pid;
  return first <= last ? (pid) => pid >= first && pid <= last : (pid) => pid >= first || pid <= last;
}
