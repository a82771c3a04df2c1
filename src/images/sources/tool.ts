/**
 * System tools an import uses (zstd, bzip2, xz, mknod, mkfifo, cp, tar), run through muster's one
 * process runner with a fixed PATH; a non-zero exit becomes `fail(<tool's last stderr line>)`.
 */
import type { Readable, Writable } from 'node:stream';
import type { MusterError } from '../../errors.js';
import { runProcess } from '../../proc/index.js';
import { checkAbort } from './errors.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ToolOptions {
  signal?: AbortSignal;
  stdin?: Readable;
  stdout?: Writable;
  cwd?: string;
}

/** Runs `tool args…`; resolves on exit 0, rejects with `fail(why)` otherwise (and on abort). */
export async function runTool(tool: string, args: string[], fail: (why: string) => MusterError, opts: ToolOptions = {}): Promise<void> {
  const lines: string[] = [];
  const r = await runProcess(tool, {
    args,
    env: { PATH, LC_ALL: 'C' },
    cwd: opts.cwd ?? '/',
    signal: opts.signal,
    graceMs: 200,
    stdin: opts.stdin,
    stdout: opts.stdout,
    stderrLines: { lineMax: 500, runMax: 16_384, onLine: (l) => lines.push(l) },
  });
  if (r.ended === 'exit' && r.exitCode === 0) return;
  checkAbort(opts.signal);
  const why = r.ended === 'aborted' ? 'cancelled' : (lines.filter((l) => l.trim() !== '').at(-1) ?? `exit status ${r.exitCode ?? r.exitSignal}`);
  throw fail(`${tool}: ${why}`);
}
