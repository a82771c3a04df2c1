/**
 * Registry at scale, through the real CLI against a real daemon: add 100,000 nodes (one bulk
 * file, and in 1,000-node batches), then `node list --json`, `node status --json` and the
 * `node status` table over all of them. Embedded PGlite and PostgreSQL (127.0.0.1:5432).
 *   npm run bench -- registry          (BENCH_NODES=20000 for a quicker run)
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, spawnDaemon, type TestDaemon } from '../test/helpers/daemon.js';
import { freshPgDatabase, postgresUnavailable } from '../test/helpers/db.js';

const N = Number(process.env.BENCH_NODES ?? 100_000);
const BATCH = 1000;

const mac = (i: number) =>
  ['02', '4d', (i >>> 24) & 0xff, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');

async function timed(label: string, d: TestDaemon, args: string[]): Promise<number> {
  const t = performance.now();
  const r = await cli(d, args);
  const s = (performance.now() - t) / 1000;
  if (r.exitCode !== 0) throw new Error(`${label}: ${r.stderr}`);
  process.stdout.write(`  ${label.padEnd(34)} ${s.toFixed(2).padStart(7)} s  (${(r.stdout.length / 1e6).toFixed(1)} MB out)\n`);
  return s;
}

async function run(backend: string, d: TestDaemon): Promise<void> {
  process.stdout.write(`${backend}: ${N} nodes\n`);
  const half = Math.floor(N / 2);
  const bulk = join(d.statedir, 'bulk.txt');
  await writeFile(bulk, Array.from({ length: half }, (_, i) => mac(i)).join('\n'));
  const s1 = await timed(`add ${half} in one --file`, d, ['-q', 'node', 'add', '--file', bulk]);
  const t = performance.now();
  for (let from = half; from < N; from += BATCH) {
    const f = join(d.statedir, 'batch.txt');
    await writeFile(f, Array.from({ length: Math.min(BATCH, N - from) }, (_, i) => mac(from + i)).join('\n'));
    const r = await cli(d, ['-q', 'node', 'add', '--file', f]);
    if (r.exitCode !== 0) throw new Error(r.stderr);
  }
  const s2 = (performance.now() - t) / 1000;
  process.stdout.write(`  ${`add ${N - half} in ${BATCH}-node batches`.padEnd(34)} ${s2.toFixed(2).padStart(7)} s\n`);
  process.stdout.write(`  => ${(half / s1).toFixed(0)} nodes/s bulk, ${((N - half) / s2).toFixed(0)} nodes/s batched\n`);
  await timed('node list --json', d, ['node', 'list', '--json']);
  await timed('node status --json', d, ['node', 'status', '--json']);
  await timed('node status (table)', d, ['node', 'status']);
  await timed("node status 'n0[0-4]*' (glob)", d, ['node', 'status', 'n0[0-4]*']);
}

// n#### has 10,000 names; 100,000 nodes need a wider template.
const env = { MUSTER_NODE_NAME: 'n######' };
const embedded = await spawnDaemon({ env });
try {
  await run('pglite (embedded)', embedded);
} finally {
  await embedded.stop();
}
if (!(await postgresUnavailable())) {
  const db = await freshPgDatabase({ migrate: false });
  const d = await spawnDaemon({ databaseUrl: db.url, env });
  try {
    await run('postgres', d);
  } finally {
    await d.stop();
    await db.drop();
  }
} else {
  process.stdout.write('postgres: unreachable at 127.0.0.1:5432, skipped\n');
}
