/**
 * Enqueue benchmark: one `POST /jobs`-sized call (addJobs, all or none) queueing one no-op job on
 * each of N nodes, for N = 10,000 and 100,000 (BENCH_ENQUEUE_NODES=10000,100000 to change), on
 * Postgres (MUSTER_TEST_PG / 127.0.0.1) and PGlite in memory. Each size runs twice on a fresh
 * database: once on idle nodes (every job becomes its node's head) and once more behind those
 * (every job queues behind a head). A call that fails prints its error and the time it took.
 *   node --import tsx bench/enqueue.ts
 */
import type { Db } from '../src/db/index.js';
import { addJobs } from '../src/queue/index.js';
import { eachBackend, type OpenDb } from './lib/backends.js';
import { addNodes } from '../test/queue/fixture.js';

const SIZES = (process.env.BENCH_ENQUEUE_NODES ?? '10000,100000').split(',').map(Number);

async function timed(db: Db, macs: string[]): Promise<string> {
  const t0 = performance.now();
  try {
    await addJobs(
      db,
      macs.map((node) => ({ node, jig: 'noop' })),
    );
    return `${((performance.now() - t0) / 1000).toFixed(2)} s`;
  } catch (err) {
    return `FAILED after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${(err as Error).message.slice(0, 80)}`;
  }
}

async function backend(name: string, open: OpenDb): Promise<void> {
  for (const n of SIZES) {
    const { db, done } = await open();
    try {
      const macs = [];
      for (let i = 0; i < n; i += 10_000) macs.push(...(await addNodes(db, Math.min(10_000, n - i), i)));
      const idle = await timed(db, macs);
      const behind = await timed(db, macs);
      console.log(`${name.padEnd(9)} ${String(n).padStart(7)} nodes   idle nodes ${idle.padEnd(10)}  behind a head ${behind}`);
    } finally {
      await done();
    }
  }
}

console.log(`enqueue bench: one job on each of ${SIZES.join(', ')} nodes in one call`);
await eachBackend(4, backend);
