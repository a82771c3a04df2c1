import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { MusterError } from '../errors.js';
import { BoundedLines, type LineBounds } from './lines.js';
import { killMarked, RUN_ID_VAR } from './marked.js';

/** A started run: its process-group (and session) leader and the marker its descendants carry. */
export interface Spawned {
  pid: number;
  runId: string;
}

export interface RunOptions {
  /** the whole environment of the process; the runner adds only MUSTER_RUN_ID */
  env: Record<string, string>;
  cwd: string;
  args?: string[];
  /** called right after the spawn, before the process has run long (e.g. to record its pid) */
  onSpawn?: (s: Spawned) => void;
  /**
   * With a gate, stdin gets one line once the gate resolves true (else it is at EOF at once): a
   * process that reads it first runs on only then (the queue records a job's group first).
   */
  gate?: (s: Spawned) => Promise<boolean>;
  /** abort = deadline or cancel: SIGTERM to everything of the run, SIGKILL after `graceMs` */
  signal?: AbortSignal;
  graceMs?: number;
  /** stdout is collected up to this many bytes; one byte more kills the run ('output-limit') */
  stdoutLimit?: number;
  /** stderr read as bounded lines; without it stderr goes to `onChunk` */
  stderrLines?: LineBounds & { onLine: (line: string) => void };
  /** output not collected or split into lines, as it arrives */
  onChunk?: (chunk: Buffer, from: 'stdout' | 'stderr') => void;
  /** stdin read from this stream (not with `gate`); the process sees EOF when it ends */
  stdin?: Readable;
  /**
   * stdout piped into this stream with backpressure (a filter such as `zstd -dc`); it is not ended
   * here: the caller ends it once the exit status says the output is whole. Not with `stdoutLimit`.
   */
  stdout?: Writable;
}

export interface RunResult {
  /** how the run ended: its own exit, an abort, or stdout past `stdoutLimit` */
  ended: 'exit' | 'aborted' | 'output-limit';
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** collected stdout when `stdoutLimit` was given, else empty */
  stdout: Buffer;
  /** stderr bytes dropped by `stderrLines` bounds */
  stderrDropped: number;
  ms: number;
}

const DEFAULT_GRACE_MS = 2000;
/**
 * After the process has exited and everything of its run was killed, the pipes reach EOF at
 * once; a holder the marker cannot find (cleared environment) must not keep the run open.
 */
const DRAIN_MS = 1000;

/**
 * The one way muster runs an executable (nodescript modules, script jigs): exactly the given
 * environment, stdin at EOF (or gated), as the leader of a new session and process group. When it exits,
 * whatever it left running — in its group, or in a session of its own found by MUSTER_RUN_ID —
 * is killed and reading stops, so a background child holding stdout can neither hang the run
 * nor outlive it. Non-zero exit is a result, not an error; a failed spawn throws SPAWN_FAILED.
 */
export async function runProcess(path: string, opts: RunOptions): Promise<RunResult> {
  const runId = randomUUID();
  const started = performance.now();
  const child = spawn(path, opts.args ?? [], {
    env: { ...opts.env, [RUN_ID_VAR]: runId },
    cwd: opts.cwd,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const spawned = await new Promise<number | Error>((resolve) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', resolve);
  });
  if (spawned instanceof Error) throw await spawnError(path, opts.cwd, spawned);
  const pid = spawned;
  const since = { pid, at: started };
  const killAll = async (sig: NodeJS.Signals): Promise<void> => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is empty already
    }
    await killMarked({ runId, since }, sig);
  };

  try {
    opts.onSpawn?.({ pid, runId });
    child.stdin.on('error', () => undefined); // gone before it read the line
    if (opts.stdin) {
      opts.stdin.on('error', () => child.stdin.destroy());
      opts.stdin.pipe(child.stdin);
    } else if (opts.gate)
      void opts.gate({ pid, runId }).then(
        (go) => child.stdin.end(go ? '\n' : ''),
        () => child.stdin.end(),
      );
    else child.stdin.end();
  } catch (err) {
    await killAll('SIGKILL');
    throw err;
  }

  const out: Buffer[] = [];
  let outLen = 0;
  let ended = 'exit' as RunResult['ended'];
  let reading = true;
  const lines = opts.stderrLines ? new BoundedLines(opts.stderrLines, opts.stderrLines.onLine) : null;
  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const drained = Promise.all([child.stdout, child.stderr].map((s) => new Promise<void>((resolve) => s.once('close', resolve))));

  if (opts.stdout) child.stdout.pipe(opts.stdout, { end: false });
  else
    child.stdout.on('data', (chunk: Buffer) => {
      if (!reading) return;
      if (opts.stdoutLimit === undefined) return opts.onChunk?.(chunk, 'stdout');
      outLen += chunk.length;
      if (outLen > opts.stdoutLimit) {
        ended = 'output-limit';
        reading = false;
        stop();
        return;
      }
      out.push(chunk);
    });
  child.stderr.on('data', (chunk: Buffer) => {
    if (!reading) return;
    if (lines) lines.push(chunk);
    else opts.onChunk?.(chunk, 'stderr');
  });

  let exitedFirst = false;
  const onAbort = (): void => {
    if (exitedFirst) return; // it ended by itself; what it left is being killed already
    if (ended === 'exit') ended = 'aborted';
    reading = false;
    stop();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();

  try {
    const first = await Promise.race([exited.then(() => 'exit' as const), stopped.then(() => 'stop' as const)]);
    exitedFirst = first === 'exit';
    if (first === 'stop') {
      const grace = ended === 'aborted' ? (opts.graceMs ?? DEFAULT_GRACE_MS) : 0;
      if (grace > 0) {
        await killAll('SIGTERM');
        await within(exited, grace);
      }
    }
    // Whatever is left of the run dies now; then its pipes end.
    await killAll('SIGKILL');
    const status = await within(exited, DRAIN_MS);
    // Piped output still buffered when the process exits is the consumer's to read, at its pace.
    if (opts.stdout && ended === 'exit') await Promise.race([drained, gone(opts.stdout, opts.signal)]);
    else await within(drained, DRAIN_MS);
    reading = false;
    lines?.end();
    return {
      ended,
      exitCode: status?.code ?? null,
      exitSignal: status?.sig ?? null,
      stdout: Buffer.concat(out),
      stderrDropped: lines?.dropped ?? 0,
      ms: performance.now() - started,
    };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    child.stdout.destroy();
    child.stderr.destroy();
  }
}

/** `p`'s value, or null when it takes longer than `ms`; the timer never outlives the wait. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<null>((resolve) => (timer = setTimeout(resolve, ms, null)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `out` is closed (its reader gave up) or `signal` aborts: nobody reads the rest. */
function gone(out: Writable, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (out.closed || signal?.aborted) return resolve();
    out.once('close', resolve);
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Says why the spawn failed: Node reports a missing cwd as ENOENT of the program itself. */
async function spawnError(path: string, cwd: string, err: NodeJS.ErrnoException): Promise<MusterError> {
  let why: string;
  if (err.code === 'ENOENT' && !(await isDirectory(cwd))) why = `its working directory ${cwd} does not exist`;
  else if (err.code === 'ENOENT') why = `${path} or its interpreter does not exist`;
  else if (err.code === 'EACCES') why = `permission denied (not executable, or its interpreter is not)`;
  else why = err.message;
  return new MusterError('SPAWN_FAILED', `could not start ${path}: ${why}`, { cause: err });
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
