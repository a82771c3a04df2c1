/**
 * The events writer stores whatever callers hand it: module names from nodescripts, boot files
 * other DHCP servers announce, messages from nodes. NUL and other control characters must not
 * make Postgres refuse the row (text rejects 0x00, jsonb rejects \u0000).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { addEvent, addEvents, listEvents } from '../../src/events/index.js';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';

await describeEachBackend('events writer', (kind) => {
  let t: TestDb;
  before(async () => {
    t = await freshDb(kind);
  });
  after(async () => t?.cleanup());

  it('writes an event whose message, node and data hold NUL and control characters, sanitised', async () => {
    await addEvent(t.db, {
      kind: 'nodescript.module-failed',
      level: 'warn',
      node: 'n\u00000001',
      message: 'module 50-\u0000evil\u001b[31m failed',
      data: { module: 'mod\u0000ule', list: ['a\u0000b', 7, null], 'k\u0000ey': { deep: '\ud800lone' } },
    });
    const [e] = (await listEvents(t.db, { kindPrefix: 'nodescript.' })).slice(-1);
    assert.ok(e);
    assert.equal(e.node, 'n\ufffd0001');
    assert.equal(e.message, 'module 50-\ufffdevil\ufffd[31m failed');
    assert.deepEqual(e.data, { module: 'mod\ufffdule', list: ['a\ufffdb', 7, null], 'k\ufffdey': { deep: '\ufffdlone' } });
  });

  it('writes bulk events with NUL-bearing strings', async () => {
    await addEvents(t.db, [
      { kind: 'bulk.test', message: 'one\u0000', data: { x: '\u0000' } },
      { kind: 'bulk.test', message: 'two' },
    ]);
    const got = await listEvents(t.db, { kindPrefix: 'bulk.' });
    assert.deepEqual(
      got.map((e) => [e.message, e.data]),
      [
        ['one\ufffd', { x: '\ufffd' }],
        ['two', null],
      ],
    );
  });

  it('bounds a huge message', async () => {
    await addEvent(t.db, { kind: 'big.test', message: 'x'.repeat(1_000_000) });
    const [e] = await listEvents(t.db, { kindPrefix: 'big.' });
    assert.ok(e && e.message.length < 20_000, `message of ${e?.message.length} characters`);
  });
});
