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

/** One line on stderr rewritten in place with \r, or null off a terminal and with -q. */
function statusLine(cli: Cli): { draw(text: string): void; since(): number; end(): void } | null {
  const out = process.stderr;
  if (!out.isTTY || cli.g.quiet) return null;
  let last = 0;
  let shown = false;
  return {
    draw(text) {
      // \x1b[K: erase what a longer earlier text left on the line.
      out.write(`\r${text}\x1b[K`);
      shown = true;
      last = Date.now();
    },
    since: () => Date.now() - last,
    end() {
      if (shown) out.write('\r\x1b[K');
      shown = false;
    },
  };
}

/**
 * `adding nodes: 41000/100000` (or `selecting nodes…` without a total) on stderr. Only on a
 * terminal, and not with -q: piped or logged output gets no control characters, only the verb's
 * summary.
 */
export function progress(cli: Cli, label: string, total?: number): Progress {
  const line = statusLine(cli);
  if (line === null) return OFF;
  // A step without a count shows only once it is slow: quick commands do not flicker.
  const pending = total === undefined ? setTimeout(() => line.draw(`${label}…`), QUIET_MS) : undefined;
  if (total !== undefined) line.draw(`${label}: 0/${total}`);
  return {
    update(done) {
      if (total === undefined || (done < total && line.since() < THROTTLE_MS)) return;
      line.draw(`${label}: ${done}/${total}`);
    },
    end() {
      clearTimeout(pending);
      line.end();
    },
  };
}

export interface ByteProgress {
  /** `done` bytes of `total` (unknown: no bar, no ETA) in the step called `phase`. */
  update(phase: string, done: number, total?: number): void;
  end(): void;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

const BAR = 24;

/**
 * `unpack [#########.......] 312 MiB/1.0 GiB 85 MiB/s ETA 8s` for imports and rebuilds: the rate
 * is over the current step, so a slow unpack does not skew the build's ETA.
 */
export function byteProgress(cli: Cli, label: string): ByteProgress {
  const line = statusLine(cli);
  if (line === null) return { update: () => undefined, end: () => undefined };
  let step = { phase: '', started: Date.now() };
  return {
    update(phase, done, total) {
      if (phase !== step.phase) step = { phase, started: Date.now() };
      else if (line.since() < THROTTLE_MS) return;
      const secs = (Date.now() - step.started) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const parts = [`${label}: ${phase}`];
      if (total !== undefined && total > 0) {
        const filled = Math.min(BAR, Math.round((done / total) * BAR));
        parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`, `${formatBytes(done)}/${formatBytes(total)}`);
      } else parts.push(formatBytes(done));
      if (rate > 0) parts.push(`${formatBytes(rate)}/s`);
      if (total !== undefined && rate > 0 && done < total) parts.push(`ETA ${Math.ceil((total - done) / rate)}s`);
      line.draw(parts.join(' '));
    },
    end: () => line.end(),
  };
}
