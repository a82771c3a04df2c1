import type { z } from 'zod';
import type { Db } from '../../db/index.js';
import type { LogBuffer } from '../log-buffer.js';
import type { ClaimedJob, Outcome } from '../types.js';

/** Per-daemon settings every jig may use. */
export interface JigContext {
  statedir: string;
  /** Perceus settings passed to scripts (perceus.conf: vnfs transfer method, master, prefix). */
  perceus: { VNFSMETHOD: string; VNFSMASTER: string; VNFSPREFIX: string };
  /** How often a `wait` job re-checks its condition. */
  waitPollMs: number;
}

export interface JigRun<A> {
  db: Db;
  job: ClaimedJob;
  args: A;
  /** Aborted at the deadline, on cancel, on lease loss and at shutdown. */
  signal: AbortSignal;
  log: LogBuffer;
  ctx: JigContext;
  /**
   * A jig that starts a process group calls this with its leader's pid as soon as it exists, and
   * lets the group go on only once it resolves true (the group is recorded for the attempt).
   */
  onProcess(pid: number): Promise<boolean>;
  /** Where that group writes the exit status of its script, for a daemon that outlives this one. */
  exitFile: string;
}

export interface Jig<A = unknown> {
  name: string;
  summary: string;
  /** Validates `--arg k=v` pairs (string values) at enqueue and again before the run. */
  args: z.ZodType<A>;
  defaultTimeoutSeconds: number;
  run(r: JigRun<A>): Promise<Outcome>;
}

/** A failure that no retry can fix (missing script, condition past its deadline). */
export class JigFatalError extends Error {
  override readonly name = 'JigFatalError';
}

/** Object keys usable as `JOB_<KEY>` environment variable names. */
export const ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
