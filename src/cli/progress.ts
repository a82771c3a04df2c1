import type { Cli } from './context.js';

/** Redraws at most this often: a 100,000-node add in 5,000-node requests stays a few dozen writes. */
const THROTTLE_MS = 100;

/** The one progress line of bulk verbs (node add/set/delete, group set/delete). */
export interface Progress {
  /** `done` of the total are finished (the last count is always drawn). */
  update(done: number): void;
  /** Clears the line: a prompt, the summary or an error comes next. */
  end(): void;
}

/** How long a step without a count runs before its line appears. */
const QUIET_MS = 500;

const OFF: Progress = { update: () => undefined, end: () => undefined };

/**
 * `adding nodes: 41000/100000` (or `selecting nodes…` without a total) on stderr, rewritten in
 * place with \r. Only on a terminal, and not with -q: piped or logged output gets no control
 * characters, only the verb's summary.
 */
export function progress(cli: Cli, label: string, total?: number): Progress {
  const out = process.stderr;
  if (!out.isTTY || cli.g.quiet) return OFF;
  let last = 0;
  let shown = false;
  const draw = (text: string) => {
    // \x1b[K: erase what a longer earlier text left on the line.
    out.write(`\r${text}\x1b[K`);
    shown = true;
    last = Date.now();
  };
  // A step without a count shows only once it is slow: quick commands do not flicker.
  const pending = total === undefined ? setTimeout(() => draw(`${label}…`), QUIET_MS) : undefined;
  if (total !== undefined) draw(`${label}: 0/${total}`);
  return {
    update(done) {
      if (total === undefined || (done < total && Date.now() - last < THROTTLE_MS)) return;
      draw(`${label}: ${done}/${total}`);
    },
    end() {
      clearTimeout(pending);
      if (shown) out.write('\r\x1b[K');
      shown = false;
    },
  };
}
