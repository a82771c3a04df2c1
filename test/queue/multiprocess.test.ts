import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addJobs } from '../../src/queue/index.js';
import { freshDb, requirePostgres, type TestDb } from '../helpers/db.js';
import { parseRunLines, registerAppendJig, type RunLine } from './append-jig.js';
import { startDaemon, type Daemon } from './daemons.js';
import { addNodes } from './fixture.js';
import { until } from '../helpers/until.js';

registerAppendJig();
const skip = await requirePostgres();

/** Per node: runs in queue order and never overlapping (a start without an end ends at `killedAt`). */
function checkNodeRuns(lines: RunLine[], killedAt = Infinity): void {
  const open = new Map<string, RunLine>();
  const lastEnd = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  for (const l of lines) {
    if (l.what === 'start') {
      const prev = open.get(l.node);
      // A start while the node's previous run is open is legal only if that run's process was killed first.
      if (prev) assert.ok(prev.pid !== l.pid && l.at >= killedAt, `node ${l.node}: job ${l.job} started while job ${prev.job} ran`);
      assert.ok(l.at >= (lastEnd.get(l.node) ?? 0), `node ${l.node}: job ${l.job} overlaps the previous run`);
      assert.ok(l.seq >= (lastSeq.get(l.node) ?? -1), `node ${l.node}: seq ${l.seq} ran after seq ${lastSeq.get(l.node)}`);
      lastSeq.set(l.node, l.seq);
      open.set(l.node, l);
    } else {
      open.delete(l.node);
      lastEnd.set(l.node, l.at);
    }
  }
}

describe('queue across two daemon processes [postgres]', { skip }, () => {
  let t: TestDb;
  let dir: string;
  const daemons: Daemon[] = [];
  before(async () => {
    t = await freshDb('postgres');
    dir = await mkdtemp(join(tmpdir(), 'muster-queue-'));
  });
  after(async () => {
    for (const d of daemons) await d.stop();
    await t.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('200 nodes x 20 jobs: never two running per node nor more than the cap, FIFO, each exactly once', async () => {
    const cap = 10;
    const file = join(dir, 'runs.log');
    const macs = await addNodes(t.db, 200);
    const [a, b] = await Promise.all([startDaemon(t.url!, 8, cap, 5), startDaemon(t.url!, 8, cap, 5)]);
    daemons.push(a!, b!);
    let samples = 0;
    let maxRunning = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await t.db.query<{ running: number; nodes: number; slots: number }>(
          `SELECT (SELECT count(*) FROM jobs WHERE state = 'running')::int AS running,
                  (SELECT count(DISTINCT node) FROM jobs WHERE state = 'running')::int AS nodes,
                  (SELECT count(*) FROM jobs WHERE slot IS NOT NULL)::int AS slots`,
        );
        const s = rows[0]!;
        assert.ok(s.running <= cap && s.slots <= cap, `sample ${samples}: ${s.running} running, ${s.slots} slots held (cap ${cap})`);
        assert.equal(s.nodes, s.running, `sample ${samples}: two running jobs on one node`);
        maxRunning = Math.max(maxRunning, s.running);
        samples += 1;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    // Enqueue while the daemons run, one round of all nodes per transaction.
    for (let seq = 0; seq < 20; seq++) {
      await addJobs(
        t.db,
        macs.map((node) => ({ node, jig: 'append', args: { file, seq: String(seq), ms: String(Math.floor(Math.random() * 5)) } })),
      );
    }
    await until(
      '4,000 jobs to succeed',
      async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE state = 'succeeded'`)).rows[0]!.n,
      (n) => n === 4000,
      50_000,
    );
    sampling = false;
    await sampler;
    const [sa, sb] = [await a!.stop(), await b!.stop()];
    assert.ok(sa.claimed! > 0 && sb.claimed! > 0, `both daemons worked: ${sa.claimed} + ${sb.claimed}`);
    assert.equal(sa.claimed! + sb.claimed!, 4000, 'no job claimed twice');
    assert.ok(samples > 50, `${samples} samples`);
    assert.ok(maxRunning > 1, `ran in parallel (max ${maxRunning})`);
    const lines = parseRunLines(await readFile(file, 'utf8'));
    const ends = lines.filter((l) => l.what === 'end');
    assert.equal(ends.length, 4000);
    assert.equal(new Set(ends.map((l) => l.job)).size, 4000, 'no duplicates, none missing');
    checkNodeRuns(lines);
  });

  it('kill -9 of a daemon holding jobs: the other finishes them after the lease, attempts = 2', async () => {
    await t.db.query(`DELETE FROM jobs`);
    const file = join(dir, 'crash.log');
    const macs = (await t.db.query<{ mac: string }>(`SELECT mac::text AS mac FROM nodes ORDER BY mac LIMIT 6`)).rows.map((r) => r.mac);
    const doomed = await startDaemon(t.url!, 4, 10, 2);
    daemons.push(doomed);
    const refs = await addJobs(
      t.db,
      [0, 1, 2].flatMap((seq) => macs.map((node) => ({ node, jig: 'append', args: { file, seq: String(seq), ms: '800' }, maxAttempts: 3 }))),
    );
    await until(
      'the doomed daemon to hold 4 jobs',
      async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE state = 'running'`)).rows[0]!.n,
      (n) => n === 4,
    );
    const held = (await t.db.query<{ id: number }>(`SELECT id FROM jobs WHERE state = 'running' ORDER BY id`)).rows.map((r) => r.id);
    const exited = once(doomed.child, 'exit');
    doomed.child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    const survivor = await startDaemon(t.url!, 4, 10, 2);
    daemons.push(survivor);
    await until(
      'every job to succeed',
      async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE state = 'succeeded'`)).rows[0]!.n,
      (n) => n === refs.length,
      30_000,
    );
    const { rows } = await t.db.query<{ id: number; attempts: number }>(`SELECT id, attempts FROM jobs ORDER BY id`);
    for (const r of rows) assert.equal(r.attempts, held.includes(r.id) ? 2 : 1, `job ${r.id} attempts`);
    const lines = parseRunLines(await readFile(file, 'utf8'));
    const ends = lines.filter((l) => l.what === 'end');
    assert.equal(new Set(ends.map((l) => l.job)).size, refs.length, 'nothing lost');
    assert.equal(ends.length, refs.length, 'nothing finished twice');
    checkNodeRuns(lines, killedAt);
    const reaped = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE kind = 'job.retrying' AND message LIKE '%died while%'`);
    assert.equal(reaped.rows[0]!.n, held.length, 'each interrupted job taken back exactly once');
  });
});
