/** Framing lines of the Perceus wire protocol (reference perceus.md §1.2); all are shell comments. */
import { printable } from '../text.js';

export const BANNER = '# PERCEUSD START\n';
export const NODESCRIPT_START = '# NODESCRIPT START\n';
export const NODESCRIPT_END = '# NODESCRIPT END\n';
export const PROVISIOND_END = '# PROVISIOND END\n';
/** Sent while a script renders: Perceus's client gives up after 5 s of silence. */
export const KEEPALIVE = '#\n';

export function framed(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(NODESCRIPT_START), body, Buffer.from(NODESCRIPT_END)]);
}

/** A word the shell reads back verbatim. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The short script a node gets instead of a half one: it says why and fails. */
export function errorScript(reason: string): Buffer {
  return framed(Buffer.from(`echo ${shellQuote(`muster: ${printable(reason, 500)}`)} >&2\nexit 1\n`));
}

/** Exit status of a retry script: EX_TEMPFAIL. provisiond asks again; Perceus's client re-sends init. */
export const RETRY_EXIT = 75;

/** The script a node gets while the master cannot serve it for now: it says why, waits, and asks to be retried. */
export function retryScript(reason: string): Buffer {
  return framed(Buffer.from(`echo ${shellQuote(`muster: ${printable(reason, 500)}`)} >&2\nsleep 5\nexit ${RETRY_EXIT}\n`));
}

/**
 * Calls `tick` every `everyMs` until `work` settles, so a slow render keeps the connection
 * alive with comment lines. Returns work's result.
 */
export async function withKeepalive<T>(work: Promise<T>, everyMs: number, tick: () => void): Promise<T> {
  const timer = setInterval(tick, everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
