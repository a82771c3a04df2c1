import { isMusterError, MusterError } from '../errors.js';

export interface ReportOptions {
  /** 'muster' or 'perceus': the first word of the line, as Unix tools name themselves */
  name: string;
  /** --json on the line: the error as one JSON object instead */
  json: boolean;
  /** --debug on the line: the stack (and the cause's) after the line */
  debug: boolean;
}

/**
 * The CLI's one error formatter: every failure becomes one stderr line `muster: <message>
 * (<CODE>)` — or, with --json, one line `{"error":{"code","message","exit"}}` — and the exit
 * status of the code's class (docs/errors.md). Anything not a MusterError is INTERNAL (exit 1).
 * Returns the exit status.
 */
export function reportError(err: unknown, o: ReportOptions): number {
  const e = isMusterError(err) ? err : new MusterError('INTERNAL', (err as Error | undefined)?.message ?? String(err), { cause: err });
  const exit = e.exitCode;
  if (o.json) process.stderr.write(JSON.stringify({ error: { code: e.code, message: e.message, exit } }) + '\n');
  else process.stderr.write(`${o.name}: ${e.message} (${e.code})\n`);
  if (o.debug) {
    const cause = e.cause as Error | undefined;
    process.stderr.write(String(cause?.stack ?? cause ?? e.stack) + '\n');
  }
  return exit;
}
