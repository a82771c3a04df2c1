import { MusterError } from '../errors.js';
import { runProcess } from '../proc/index.js';

export interface ModuleLimits {
  /** deadline per module; everything the module started is killed when it passes */
  timeoutMs: number;
  /** bytes of stdout allowed per module; more is an error */
  outputLimit: number;
}

export interface ModuleRun {
  stdout: Buffer;
  exitCode: number;
  /** stderr bytes past the bounds below, not logged */
  stderrDropped: number;
  ms: number;
}

/**
 * A module's stderr goes to the master log line by line: a line is cut at 2,000 bytes and a run
 * logs at most 64 KiB, so a module printing without end costs a bounded log (issue 8, defect 11).
 */
export const MODULE_STDERR = { lineMax: 2000, runMax: 64 * 1024 } as const;

/** A module gets no SIGTERM grace: it renders text, it has nothing to clean up. */
const MODULE_GRACE_MS = 0;

/**
 * Runs one executable module on the master with the given environment (see src/proc for how
 * its process tree is bounded). Non-zero exit is not an error here (the caller applies the
 * failure policy); the deadline, the output cap and a failed spawn are.
 */
export async function runModule(
  path: string,
  opts: { env: Record<string, string>; cwd: string; limits: ModuleLimits; onStderrLine: (line: string) => void },
): Promise<ModuleRun> {
  const r = await runProcess(path, {
    env: opts.env,
    cwd: opts.cwd,
    signal: AbortSignal.timeout(opts.limits.timeoutMs),
    graceMs: MODULE_GRACE_MS,
    stdoutLimit: opts.limits.outputLimit,
    stderrLines: { ...MODULE_STDERR, onLine: opts.onStderrLine },
  });
  if (r.ended === 'aborted') {
    throw new MusterError('MODULE_TIMEOUT', `module ${path} ran past its ${opts.limits.timeoutMs} ms deadline and was killed`);
  }
  if (r.ended === 'output-limit') {
    throw new MusterError(
      'MODULE_OUTPUT_TOO_LARGE',
      `module ${path} printed more than ${opts.limits.outputLimit} bytes; raise 'module output limit' or fix the module`,
    );
  }
  return { stdout: r.stdout, exitCode: r.exitCode ?? 1, stderrDropped: r.stderrDropped, ms: r.ms };
}
