import assert from 'node:assert/strict';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openPglite } from '../../src/db/index.js';
import { MusterError } from '../../src/errors.js';
import { freshPgliteStatedir } from '../helpers/db.js';

let statedir: string;
before(async () => {
  statedir = await freshPgliteStatedir();
});
after(async () => rm(statedir, { recursive: true, force: true }));

it('refuses a second opener of one embedded data dir and leaves the first unharmed', async () => {
  const dir = join(statedir, 'pgdata');
  const first = await openPglite(dir);
  await first.query(`INSERT INTO nodes (mac, name) VALUES ('02:00:00:00:00:01', 'a')`);
  await assert.rejects(openPglite(dir), (e) => e instanceof MusterError && e.code === 'DB_LOCKED' && /is in use by process \d+/.test(e.message));
  const { rows } = await first.query<{ n: number }>('SELECT count(*)::int AS n FROM nodes');
  assert.equal(rows[0]!.n, 1);
  await first.close();
  const again = await openPglite(dir);
  assert.equal((await again.query<{ n: number }>('SELECT count(*)::int AS n FROM nodes')).rows[0]!.n, 1);
  await again.close();
});

it('takes over a stale lock whose process is gone', async () => {
  await writeFile(join(statedir, 'pgdata.lock'), '999999999\n');
  const db = await openPglite(join(statedir, 'pgdata'));
  await db.close();
});
