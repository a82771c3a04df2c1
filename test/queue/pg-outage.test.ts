import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { migrate, openPg, type Db } from '../../src/db/index.js';
import { silentLogger } from '../../src/log.js';
import { addJobs, getJob, startQueue, type QueueHandle } from '../../src/queue/index.js';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-pg.js';
import { parseRunLines, registerAppendJig } from './append-jig.js';
import { addNodes } from './fixture.js';
import { until } from '../helpers/until.js';
import { requireOrSkip } from '../helpers/require.js';

registerAppendJig();
const skip = requireOrSkip(privatePostgresUnavailable());

// Issue 8, defect 2: renewals fail for longer than the lease. The attempt must be aborted before
// a later attempt of its job can start, and must not end that later attempt.
describe('queue across a Postgres outage longer than the lease [postgres]', { skip }, () => {
  let pg: PrivatePostgres | undefined;
  let db: Db | undefined;
  let workerDb: Db | undefined;
  let q: QueueHandle | undefined;
  let dir: string | undefined;
  after(async () => {
    await q?.stop({ graceMs: 0 });
    await workerDb?.close();
    await db?.close();
    await pg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the stale attempt is aborted and fenced; the job runs once more, never beside it', async () => {
    pg = await startPrivatePostgres();
    db = await openPg(pg.url, { max: 2 });
    await migrate(db);
    dir = await mkdtemp(join(tmpdir(), 'muster-outage-'));
    const file = join(dir, 'runs.log');
    const [mac] = await addNodes(db, 1);
    workerDb = await openPg(pg.url, { max: 6 });
    q = await startQueue({ db: workerDb, workers: 2, concurrency: 2, leaseSeconds: 2, log: silentLogger(), statedir: dir, pollMs: 100, retryBaseMs: 100 });
    const [ref] = await addJobs(db, [{ node: mac!, jig: 'append', args: { file, seq: '0', ms: '5000' }, maxAttempts: 3 }]);
    await until(
      'the first attempt to start',
      async () => (await readFile(file, 'utf8').catch(() => '')).includes('start'),
      (v) => v,
    );
    await pg.outage(4000);
    const job = await until(
      'the job to end',
      () => getJob(db!, ref!.id).catch(() => null),
      (j) => j !== null && ['succeeded', 'failed'].includes(j.state),
      45_000,
    );
    const lines = parseRunLines(await readFile(file, 'utf8'));
    let openSince: number | null = null;
    for (const l of lines) {
      if (l.what === 'start') {
        assert.equal(openSince, null, `attempt ${l.attempt} started while an earlier one ran: ${JSON.stringify(lines)}`);
        openSince = l.at;
      } else openSince = null;
    }
    assert.deepEqual(
      lines.map((l) => `${l.what} ${l.attempt}`),
      ['start 1', 'abort 1', 'start 2', 'end 2'],
    );
    assert.deepEqual([job!.state, job!.attempts], ['succeeded', 2]);
  });
});
