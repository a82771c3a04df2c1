/**
 * A daemon's queue in a process of its own, for the multi-process tests:
 *   node --import tsx test/queue/worker-process.ts <database url> <workers> <cap> <lease seconds>
 * Prints `ready` once started; on SIGTERM stops (grace 5 s), prints its stats as JSON and exits.
 */
import { openPg } from '../../src/db/index.js';
import { silentLogger } from '../../src/log.js';
import { startQueue } from '../../src/queue/index.js';
import { registerAppendJig } from './append-jig.js';

const [url, workers, cap, lease] = process.argv.slice(2);
registerAppendJig();
const db = await openPg(url!, { max: Number(workers) + 4 });
const queue = await startQueue({
  db,
  workers: Number(workers),
  concurrency: Number(cap),
  leaseSeconds: Number(lease),
  log: silentLogger(),
  statedir: '/nonexistent',
  pollMs: 200,
  retryBaseMs: 100,
});
process.stdout.write('ready\n');
process.once('SIGTERM', async () => {
  await queue.stop({ graceMs: 5000 });
  process.stdout.write(`${JSON.stringify(queue.stats())}\n`);
  await db.close();
  process.exit(0);
});
