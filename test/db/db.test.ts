import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { until } from '../helpers/until.js';
import { sqlState, UNIQUE_VIOLATION } from '../../src/db/index.js';

await describeEachBackend('db', (kind) => {
  let t: TestDb;
  before(async () => {
    t = await freshDb(kind);
  });
  after(async () => t?.cleanup());

  it('stores macaddr and inet and returns them as text', async () => {
    await t.db.query(`INSERT INTO nodes (mac, name, ipaddr) VALUES ($1, 'a', $2)`, ['AA-BB-CC-DD-EE-01', '10.0.0.5']);
    const { rows } = await t.db.query<{ mac: string; ipaddr: string }>(`SELECT mac::text, host(ipaddr) AS ipaddr FROM nodes`);
    assert.deepEqual(rows, [{ mac: 'aa:bb:cc:dd:ee:01', ipaddr: '10.0.0.5' }]);
  });

  it('rolls a failed transaction back and reports the SQLSTATE', async () => {
    await assert.rejects(
      t.db.tx(async (q) => {
        await q.query(`INSERT INTO nodes (mac, name) VALUES ('aa:bb:cc:dd:ee:02', 'b')`);
        await q.query(`INSERT INTO nodes (mac, name) VALUES ('aa:bb:cc:dd:ee:03', 'b')`);
      }),
      (err) => sqlState(err) === UNIQUE_VIOLATION,
    );
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM nodes WHERE name = 'b'`);
    assert.equal(rows[0]!.n, 0);
    // the connection is still usable after the failure
    assert.equal((await t.db.query<{ x: number }>('SELECT 1 AS x')).rows[0]!.x, 1);
  });

  it('returns bigint ids as numbers on both backends', async () => {
    const { rows } = await t.db.query<{ id: number }>(`INSERT INTO events (kind, message) VALUES ('t', 'm') RETURNING id`);
    assert.equal(typeof rows[0]!.id, 'number');
  });

  it('delivers NOTIFY to a listener', async () => {
    const got: string[] = [];
    // listen() settles once LISTEN is in effect: a notification after it must arrive.
    const unlisten = await t.db.listen('muster_test', (p) => got.push(p));
    await t.db.query(`SELECT pg_notify('muster_test', 'hello')`);
    assert.deepEqual(
      await until(
        'the notification',
        () => got,
        (g) => g.length > 0,
        10_000,
      ),
      ['hello'],
    );
    await unlisten();
  });
});
