/**
 * The pool's wait for a free connection is one bound, the opening of a connection another. pg's
 * pool applies its one timeout to both and kills a connection that opens slower: with a short
 * wait, a loaded server (slow to fork a backend and authenticate) gave no connection at all.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { isTransientDbError, openPg } from '../../src/db/index.js';
import { freshPgDatabase, requirePostgres } from '../helpers/db.js';

const skip = await requirePostgres();
let fresh: Awaited<ReturnType<typeof freshPgDatabase>> | undefined;
after(async () => fresh?.drop());

it('a 1 ms wait for a free connection still opens one; a wait past it fails as transient, and the pool serves on [postgres]', { skip }, async () => {
  fresh = await freshPgDatabase();
  // No connection opens in 1 ms (a backend fork alone takes longer): before, this open failed.
  const db = await openPg(fresh.url, { max: 1, acquireTimeoutMs: 1 });
  try {
    assert.equal((await db.query<{ x: number }>('SELECT 1 AS x')).rows[0]!.x, 1);
    let enter: () => void = () => undefined;
    let leave: () => void = () => undefined;
    const entered = new Promise<void>((r) => (enter = r));
    const held = new Promise<void>((r) => (leave = r));
    const holder = db.tx(async () => {
      enter();
      await held;
    });
    await entered;
    await assert.rejects(db.query('SELECT 1'), (err: Error) => isTransientDbError(err) && /no database connection free within 1 ms/.test(err.message));
    leave();
    await holder;
    assert.equal((await db.query<{ x: number }>('SELECT 2 AS x')).rows[0]!.x, 2);
  } finally {
    await db.close();
  }
});
