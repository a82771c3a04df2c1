import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { addNodes, getNodeByMac, markTimedOut, recordContact, type NodeDefaults } from '../../src/nodes/index.js';

const defaults: NodeDefaults = { nameTemplate: 'n####', firstNode: 0, group: 'cluster', vnfs: '', enabled: true, debug: 0, bootenv: 'discovery' };
const mac = (i: number) => `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

await describeEachBackend('node timeout', (kind) => {
  let t: TestDb;
  before(async () => {
    t = await freshDb(kind);
  });
  after(async () => t?.cleanup());
  beforeEach(async () => {
    await t.db.query('DELETE FROM nodes');
    await t.db.query('DELETE FROM events');
  });
  const timeoutEvents = async () =>
    (await t.db.query<{ node: string; message: string }>(`SELECT node, message FROM events WHERE kind = 'node.timeout' ORDER BY node`)).rows;
  const silentFor = (macs: string[], seconds: number) =>
    t.db.query(`UPDATE nodes SET status = 'ready', lastcontact = now() - make_interval(secs => $2) WHERE mac = ANY($1::macaddr[])`, [macs, seconds]);

  it('marks nodes silent past the timeout once, with one event; never-seen and fresh nodes stay', async () => {
    await addNodes(
      t.db,
      [0, 1, 2].map((i) => ({ mac: mac(i) })),
      defaults,
    );
    await silentFor([mac(0)], 120);
    await silentFor([mac(1)], 5);
    assert.equal(await markTimedOut(t.db, 60), 1);
    assert.equal(await markTimedOut(t.db, 60), 0, 'already marked: no second event');
    assert.deepEqual(await timeoutEvents(), [{ node: 'n0000', message: "node 'n0000' timed out: no contact for more than 60 s (last: ready)" }]);
    assert.ok((await getNodeByMac(t.db, mac(0)))!.timedOutAt instanceof Date);
    assert.equal((await getNodeByMac(t.db, mac(1)))!.timedOutAt, null);
    assert.equal((await getNodeByMac(t.db, mac(2)))!.timedOutAt, null, 'a node never seen has not timed out');
  });

  it('clears the mark on the next contact; a later silence is a new event', async () => {
    await addNodes(t.db, [{ mac: mac(0) }], defaults);
    await silentFor([mac(0)], 120);
    assert.equal(await markTimedOut(t.db, 60), 1);
    const back = await recordContact(t.db, mac(0), { status: 'init', from: null });
    assert.equal(back!.timedOutAt, null);
    await silentFor([mac(0)], 120);
    assert.equal(await markTimedOut(t.db, 60), 1);
    assert.equal((await timeoutEvents()).length, 2);
  });

  it('concurrent sweeps (daemons sharing the database) write exactly one event per node', async () => {
    const macs = Array.from({ length: 300 }, (_, i) => mac(i));
    await addNodes(
      t.db,
      macs.map((m) => ({ mac: m })),
      defaults,
    );
    await silentFor(macs, 120);
    const marked = await Promise.all(Array.from({ length: 6 }, () => markTimedOut(t.db, 60)));
    assert.equal(
      marked.reduce((a, b) => a + b, 0),
      300,
    );
    const events = await timeoutEvents();
    assert.equal(events.length, 300);
    assert.equal(new Set(events.map((e) => e.node)).size, 300);
  });
});
