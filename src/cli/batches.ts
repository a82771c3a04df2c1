import { MusterError, isMusterError } from '../errors.js';
import type { Cli } from './context.js';
import type { ApiNode } from './format.js';
import { progress } from './progress.js';
import { foldNames } from './select.js';

/**
 * Nodes per request of a bulk verb. The daemon does a bulk change in one request and cannot say
 * how far it is; splitting it here gives the progress line its steps (an add of 5,000 is ~0.4 s
 * of daemon work on Postgres, on a loaded 2-core machine) and keeps each transaction small.
 */
export const BATCH = 5000;

/**
 * `send` over `items`, BATCH at a time, with the progress line `<label>: done/total`; the nodes
 * the batches answer, in order. Each batch is all or none; a failed one stops the rest, and its
 * error says which nodes the batches before it changed (those stay changed).
 */
export async function inBatches<T>(cli: Cli, label: string, past: string, items: T[], send: (batch: T[]) => Promise<ApiNode[]>): Promise<ApiNode[]> {
  const done: ApiNode[] = [];
  const p = progress(cli, label, items.length);
  try {
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH);
      try {
        for (const n of await send(batch)) done.push(n);
      } catch (err) {
        if (i === 0 || !isMusterError(err)) throw err;
        throw new MusterError(
          err.code,
          `${err.message}; ${done.length} of ${items.length} nodes were ${past} before this (${foldNames(done.map((n) => n.name))}), the rest were not`,
          { cause: err },
        );
      }
      p.update(Math.min(i + BATCH, items.length));
    }
  } finally {
    p.end();
  }
  return done;
}
