import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addJobs } from '../../src/queue/index.js';
import { migrate, openPg, type Db } from '../../src/db/index.js';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-pg.js';
import { parseRunLines, registerAppendJig } from './append-jig.js';
import { startDaemon, type Daemon } from './daemons.js';
import { addNodes } from './fixture.js';
import { until } from '../helpers/until.js';
import { requireOrSkip } from '../helpers/require.js';

registerAppendJig();
const skip = requireOrSkip(privatePostgresUnavailable());

/** Counts succeeded jobs; a query that fails while the server is down counts as "not yet". */
const succeeded = (db: Db) => async () =>
  db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE state = 'succeeded'`).then(
    (r) => r.rows[0]!.n,
    () => -1,
  );

// The test restarts a server of its own: the shared one on 5432 serves other test files meanwhile.
describe('queue across a Postgres restart [postgres]', { skip }, () => {
  let pg: PrivatePostgres | undefined;
  let db: Db | undefined;
  let dir: string;
  let daemons: Daemon[] = [];
  after(async () => {
    for (const d of daemons) await d.stop();
    await db?.close();
    await pg?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('the daemons reconnect and finish the run without help', async () => {
    pg = await startPrivatePostgres();
    db = await openPg(pg.url, { max: 4 });
    await migrate(db);
    dir = await mkdtemp(join(tmpdir(), 'muster-queue-'));
    const file = join(dir, 'runs.log');
    const macs = await addNodes(db, 40);
    daemons = await Promise.all([startDaemon(pg.url, 4, 6, 10), startDaemon(pg.url, 4, 6, 10)]);
    const jobs = [...Array(10).keys()].flatMap((seq) => macs.map((node) => ({ node, jig: 'append', args: { file, seq: String(seq), ms: '20' } })));
    await addJobs(db, jobs);
    await until('a quarter of the jobs', succeeded(db), (n) => n >= 100);
    await pg.restart();
    await until('every job to succeed', succeeded(db), (n) => n === jobs.length, 45_000);
    const lines = parseRunLines(await readFile(file, 'utf8')).filter((l) => l.what === 'end');
    assert.equal(new Set(lines.map((l) => l.job)).size, jobs.length, 'none missing');
    assert.equal(lines.length, jobs.length, 'none ran twice');
    const stats = await Promise.all(daemons.map((d) => d.stop()));
    assert.ok(
      stats.some((s) => s.dbErrors! > 0),
      `the restart was noticed: ${JSON.stringify(stats)}`,
    );
  });
});
