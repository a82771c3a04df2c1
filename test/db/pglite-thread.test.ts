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
  await assert.rejects(
    t.db.query(`INSERT INTO nodes (mac, name) VALUES ('02:00:00:00:0a:02', 'dup')`),
    (e) => sqlState(e) === UNIQUE_VIOLATION && /duplicate key/.test((e as Error).message),
  );
  await assert.rejects(
    t.db.tx(async (q) => {
      await q.query(`INSERT INTO nodes (mac, name) VALUES ('02:00:00:00:0a:03', 'dup')`);
    }),
    (e) => sqlState(e) === UNIQUE_VIOLATION,
  );
  assert.equal((await t.db.query<{ x: number }>('SELECT 1 AS x')).rows[0]!.x, 1);
});

/** 9 columns of 100,000 values, as a 100,000-job enqueue sends them. */
const columns = () => Array.from({ length: 9 }, (_, c) => Array.from({ length: 100_000 }, (_, i) => `v${c}-${i}`));
/** Uses all nine. */
const TOTAL = Array.from({ length: 9 }, (_, c) => `cardinality($${c + 1}::text[])`).join(' + ');

it('long array parameters reach the database whole and in order', async () => {
  const cols = columns();
  const { rows } = await t.db.query<{ n: number; first: string; last: string; other: string }>(
    `SELECT ${TOTAL} AS n, ($1::text[])[1] AS first, ($1::text[])[100000] AS last, ($9::text[])[54321] AS other`,
    cols,
  );
  assert.deepEqual(rows[0], { n: 900_000, first: 'v0-0', last: 'v0-99999', other: 'v8-54320' });
});

it('long array parameters are not serialized in one synchronous step', async () => {
  const cols = columns();
  // What one postMessage of these parameters costs on this thread, right now.
  const ch = new MessageChannel();
  let t0 = performance.now();
  ch.port1.postMessage(cols);
  const oneShot = performance.now() - t0;
  ch.port1.close();
  t0 = performance.now();
  const q = t.db.query(`SELECT ${TOTAL} AS n`, cols);
  const inCall = performance.now() - t0;
  await q;
  // Before, the call serialized all of it before returning (inCall ≈ oneShot); now it sends parts in later turns.
  assert.ok(inCall < oneShot / 4, `the call took ${inCall.toFixed(1)} ms synchronously; one postMessage of its parameters takes ${oneShot.toFixed(1)} ms`);
});

it('requests behind one with long parameters keep their call order', async () => {
  await t.db.exec('CREATE SEQUENCE IF NOT EXISTS call_order');
  const big = t.db.query<{ v: string }>(`SELECT nextval('call_order')::text AS v, ${TOTAL}`, columns());
  const small = t.db.query<{ v: string }>(`SELECT nextval('call_order')::text AS v`);
  const [b, s] = await Promise.all([big, small]);
  assert.equal(Number(s.rows[0]!.v), Number(b.rows[0]!.v) + 1);
  // And a transaction started meanwhile still has the session to itself.
  const inTx = t.db.tx(async (q) => (await q.query<{ n: number }>('SELECT cardinality($1::text[]) AS n', [columns()[0]])).rows[0]!.n);
  assert.equal(await inTx, 100_000);
});

it("PostgreSQL's shared buffers in the WASM heap are 32 MB, not the default 128 MB (peak RSS at start)", async () => {
  const { rows } = await t.db.query<{ shared_buffers: string }>('SHOW shared_buffers');
  assert.equal(rows[0]?.shared_buffers, '32MB');
});
