/**
 * Issue 8 defect 6: PGlite ran on the daemon's main thread, so one heavy statement froze DHCP,
 * TFTP and node HTTP. It now runs in a worker thread: timers keep firing during a heavy query,
 * a transaction still has the single session to itself, and errors keep their SQLSTATE.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sqlState, UNIQUE_VIOLATION } from '../../src/db/index.js';
import { freshDb, type TestDb } from '../helpers/db.js';

let t: TestDb;
before(async () => {
  t = await freshDb('pglite');
});
after(async () => t?.cleanup());

it('the event loop keeps running while the embedded database executes a heavy statement', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  const started = performance.now();
  await t.db.query('SELECT sum(x) FROM generate_series(1, 5000000) AS x');
  const took = performance.now() - started;
  clearInterval(timer);
  // On the main thread the statement is one synchronous call: no timer fires until it returns.
  assert.ok(ticks >= 3, `${ticks} timer ticks during a ${took.toFixed(0)} ms statement`);
});

it('a transaction has the session to itself: a query from outside waits for its end', async () => {
  const order: string[] = [];
  let outside: Promise<unknown> | undefined;
  await t.db.tx(async (q) => {
    order.push('tx-begin');
    outside = t.db.query('SELECT 1').then(() => order.push('outside'));
    await q.query('SELECT sum(x) FROM generate_series(1, 200000) AS x');
    order.push('tx-end');
  });
  await outside;
  assert.deepEqual(order, ['tx-begin', 'tx-end', 'outside']);
});

it('errors from the thread keep their message and SQLSTATE, and the session stays usable', async () => {
  await t.db.query(`INSERT INTO nodes (mac, name) VALUES ('02:00:00:00:0a:01', 'dup')`);
  await assert.rejects(t.db.query(`INSERT INTO nodes (mac, name) VALUES ('02:00:00:00:0a:02', 'dup')`), (e) => sqlState(e) === UNIQUE_VIOLATION && /duplicate key/.test((e as Error).message));
  await assert.rejects(
    t.db.tx(async (q) => {
      await q.query(`INSERT INTO nodes (mac, name) VALUES ('02:00:00:00:0a:03', 'dup')`);
    }),
    (e) => sqlState(e) === UNIQUE_VIOLATION,
  );
  assert.equal((await t.db.query<{ x: number }>('SELECT 1 AS x')).rows[0]!.x, 1);
});
