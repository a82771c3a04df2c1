import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addJobs } from '../../src/queue/index.js';
import { freshDb, postgresAvailable, PG_ADMIN_URL, type TestDb } from '../helpers/db.js';
import { parseRunLines, registerAppendJig } from './append-jig.js';
import { startDaemon, type Daemon } from './daemons.js';
import { addNodes, until } from './fixture.js';

registerAppendJig();
const CTL = ['--skip-systemctl-redirect', '15', 'main'];
const canRestart = (() => {
  try {
    return execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' }).includes('15 main');
  } catch {
    return false;
  }
})();
const skip = !(await postgresAvailable())
  ? `postgres unreachable at ${PG_ADMIN_URL}`
  : !canRestart ? 'needs the local Debian cluster 15/main (postgresql-common: pg_ctlcluster)' : false;

/** Counts succeeded jobs; a query that fails while the server is down counts as "not yet". */
const succeeded = (t: TestDb) => async () =>
  t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE state = 'succeeded'`).then((r) => r.rows[0]!.n, () => -1);

// Restarts the shared server: one short test only, and the server is started again whatever happens.
describe('queue across a Postgres restart [postgres]', { skip }, () => {
  let t: TestDb;
  let dir: string;
  let daemons: Daemon[] = [];
  after(async () => {
    const status = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' });
    if (!/15\s+main\s+\d+\s+online/.test(status)) execFileSync('pg_ctlcluster', [...CTL, 'start']);
    for (const d of daemons) await d.stop();
    await t?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('the daemons reconnect and finish the run without help', async () => {
    t = await freshDb('postgres');
    dir = await mkdtemp(join(tmpdir(), 'muster-queue-'));
    const file = join(dir, 'runs.log');
    const macs = await addNodes(t.db, 40);
    daemons = await Promise.all([startDaemon(t.url!, 4, 6, 10), startDaemon(t.url!, 4, 6, 10)]);
    const jobs = [...Array(10).keys()].flatMap((seq) => macs.map((node) => ({ node, jig: 'append', args: { file, seq: String(seq), ms: '20' } })));
    await addJobs(t.db, jobs);
    await until('a quarter of the jobs', succeeded(t), (n) => n >= 100);
    execFileSync('pg_ctlcluster', [...CTL, 'restart'], { stdio: 'ignore' });
    await until('every job to succeed', succeeded(t), (n) => n === jobs.length, 45_000);
    const lines = parseRunLines(await readFile(file, 'utf8')).filter((l) => l.what === 'end');
    assert.equal(new Set(lines.map((l) => l.job)).size, jobs.length, 'none missing');
    assert.equal(lines.length, jobs.length, 'none ran twice');
    const stats = await Promise.all(daemons.map((d) => d.stop()));
    assert.ok(stats.some((s) => s.dbErrors! > 0), `the restart was noticed: ${JSON.stringify(stats)}`);
  });
});
