import { execa } from 'execa';
import { MusterError } from '../errors.js';

export interface ModuleLimits {
  /** deadline per module; the whole process group is killed when it passes */
  timeoutMs: number;
  /** bytes of stdout allowed per module; more is an error */
  outputLimit: number;
}

export interface ModuleRun {
  stdout: Buffer;
  exitCode: number;
  ms: number;
}

/** stderr lines longer than this are cut before they reach the log */
const STDERR_LINE_MAX = 2000;

/**
 * Runs one executable module on the master: the given environment only, stdin closed, in its own
 * process group so a deadline kills everything it started. Non-zero exit is not an error here
 * (the caller applies the failure policy); a deadline, the output cap or a failed spawn are.
 */
export async function runModule(
  path: string,
  opts: { env: Record<string, string>; cwd: string; limits: ModuleLimits; onStderrLine: (line: string) => void },
): Promise<ModuleRun> {
  const started = performance.now();
  const child = execa(path, [], {
    env: opts.env,
    extendEnv: false,
    cwd: opts.cwd,
    detached: true,
    stdin: 'ignore',
    encoding: 'buffer',
    buffer: { stdout: true, stderr: false },
    maxBuffer: { stdout: opts.limits.outputLimit },
    stripFinalNewline: false,
    reject: false,
  });
  const killGroup = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.limits.timeoutMs);
  forwardLines(child.stderr, opts.onStderrLine);
  const r = await child;
  clearTimeout(timer);
  const ms = performance.now() - started;
  if (timedOut) {
    throw new MusterError('MODULE_TIMEOUT', `module ${path} ran past its ${opts.limits.timeoutMs} ms deadline and was killed`);
  }
  if (r.isMaxBuffer) {
    killGroup();
    throw new MusterError(
      'MODULE_OUTPUT_TOO_LARGE',
      `module ${path} printed more than ${opts.limits.outputLimit} bytes; raise 'module output limit' or fix the module`,
    );
  }
  if (r.failed && r.exitCode === undefined) {
    throw new MusterError('MODULE_FAILED', `module ${path} could not run: ${r.shortMessage}`, { cause: r.cause });
  }
  return { stdout: Buffer.from(r.stdout as Uint8Array), exitCode: r.exitCode ?? 1, ms };
}

function forwardLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, Math.min(nl, STDERR_LINE_MAX)));
      pending = pending.slice(nl + 1);
    }
    if (pending.length > STDERR_LINE_MAX) {
      onLine(pending.slice(0, STDERR_LINE_MAX));
      pending = '';
    }
  });
  stream.on('end', () => {
    if (pending !== '') onLine(pending);
  });
}
