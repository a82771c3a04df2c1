/**
 * Queue benchmark: no-op jobs over 1,000 nodes (job i → node i mod 1000), 10 workers, cap 10.
 *   node --import tsx bench/queue.ts            (BENCH_JOBS=20000 to change the size)
 * For each backend (Postgres at MUSTER_TEST_PG / 127.0.0.1, and PGlite in memory):
 *   muster: the jig queue with the per-node rule (ready marker, slots, leases, events)
 *   plain:  the simplest correct queue without it (one table, SKIP LOCKED pop, no per-node rule)
 * Throughput: a backlog burned down. Latency: enqueue→start (DB clock) of jobs queued one by one
 * every 4 ms into idle workers.
 */
import type { Db } from '../src/db/index.js';
import { silentLogger } from '../src/log.js';
import { addJobs, startQueue } from '../src/queue/index.js';
import { eachBackend, type OpenDb } from './lib/backends.js';
import { addNodes } from '../test/queue/fixture.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const NODES = 1000;
const WORKERS = 10;
const LATENCY_JOBS = 300;

interface Figures {
  jobsPerSec: number;
  p50: number;
  p99: number;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(5);
}

async function latencies(db: Db, table: string, from: number): Promise<number[]> {
  const { rows } = await db.query<{ ms: number }>(`SELECT extract(epoch FROM started_at - created_at) * 1000 AS ms FROM ${table} WHERE id > $1`, [from]);
  return rows.map((r) => Number(r.ms));
}

async function muster(db: Db, macs: string[]): Promise<Figures> {
  const spec = (i: number) => ({ node: macs[i % NODES]!, jig: 'noop' });
  for (let i = 0; i < JOBS; i += 2000)
    await addJobs(
      db,
      Array.from({ length: Math.min(2000, JOBS - i) }, (_, k) => spec(i + k)),
    );
  const t0 = performance.now();
  const q = await startQueue({ db, workers: WORKERS, concurrency: WORKERS, leaseSeconds: 30, log: silentLogger(), statedir: '/nonexistent' });
  await until(() => q.stats().succeeded >= JOBS);
  const jobsPerSec = JOBS / ((performance.now() - t0) / 1000);
  const { rows } = await db.query<{ id: number }>(`SELECT coalesce(max(id), 0) AS id FROM jobs`);
  for (let i = 0; i < LATENCY_JOBS; i++) {
    await addJobs(db, [spec(i * 7)]);
    await sleep(4);
  }
  await until(() => q.stats().succeeded >= JOBS + LATENCY_JOBS);
  await q.stop({ graceMs: 1000 });
  const lat = await latencies(db, 'jobs', rows[0]!.id);
  return { jobsPerSec, p50: pct(lat, 50), p99: pct(lat, 99) };
}

/** The simplest correct queue: FIFO pop with SKIP LOCKED, NOTIFY on insert, no per-node rule. */
async function plain(db: Db): Promise<Figures> {
  await db.exec(`CREATE TABLE plain_jobs (id bigserial PRIMARY KEY, node int NOT NULL, state text NOT NULL DEFAULT 'queued',
    created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz);
    CREATE INDEX plain_jobs_queued ON plain_jobs (id) WHERE state = 'queued';`);
  await db.query(`INSERT INTO plain_jobs (node) SELECT g % ${NODES} FROM generate_series(0, $1 - 1) g`, [JOBS]);
  let done = 0;
  let stopping = false;
  let wake: (() => void)[] = [];
  const unlisten = await db.listen('plain_jobs', () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  });
  const loop = async () => {
    while (!stopping) {
      const { rows } = await db.query<{ id: number }>(
        `UPDATE plain_jobs SET state = 'running', started_at = now() WHERE id = (SELECT id FROM plain_jobs WHERE state = 'queued'
           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id`,
      );
      if (!rows[0]) {
        await new Promise<void>((r) => {
          wake.push(r);
          setTimeout(r, 1000);
        });
        continue;
      }
      await db.query(`UPDATE plain_jobs SET state = 'done' WHERE id = $1`, [rows[0].id]);
      done += 1;
    }
  };
  const t0 = performance.now();
  const loops = Array.from({ length: WORKERS }, loop);
  await until(() => done >= JOBS);
  const jobsPerSec = JOBS / ((performance.now() - t0) / 1000);
  for (let i = 0; i < LATENCY_JOBS; i++) {
    await db.query(`WITH i AS (INSERT INTO plain_jobs (node) VALUES ($1)) SELECT pg_notify('plain_jobs', '')`, [i % NODES]);
    await sleep(4);
  }
  await until(() => done >= JOBS + LATENCY_JOBS);
  stopping = true;
  for (const f of wake) f();
  await Promise.all(loops);
  await unlisten();
  const lat = await latencies(db, 'plain_jobs', JOBS);
  return { jobsPerSec, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function backend(name: string, open: OpenDb): Promise<void> {
  const a = await open();
  const m = await muster(a.db, await addNodes(a.db, NODES));
  await a.done();
  const b = await open();
  const p = await plain(b.db);
  await b.done();
  const row = (what: string, f: Figures) =>
    console.log(
      `${name.padEnd(9)} ${what.padEnd(22)} ${f.jobsPerSec.toFixed(0).padStart(7)} jobs/s   enqueue→start p50 ${f.p50.toFixed(1).padStart(6)} ms  p99 ${f.p99.toFixed(1).padStart(6)} ms`,
    );
  row('muster (per-node rule)', m);
  row('plain SKIP LOCKED', p);
  console.log(`${name.padEnd(9)} ratio muster/plain throughput ${(m.jobsPerSec / p.jobsPerSec).toFixed(2)}`);
}

console.log(`queue bench: ${JOBS} no-op jobs over ${NODES} nodes, ${WORKERS} workers, cap ${WORKERS}; latency over ${LATENCY_JOBS} jobs`);
await eachBackend(WORKERS + 4, backend);
