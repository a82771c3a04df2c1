import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { addNode, addNodes, deleteNodes, replaceNode, selectNodes, setNodes, getNodeByMac, resolveSetKey, type NodeDefaults } from '../../src/nodes/index.js';
import { MusterError, type ErrorCode } from '../../src/errors.js';
import { listEvents } from '../../src/events/index.js';

const defaults: NodeDefaults = { nameTemplate: 'n####', firstNode: 0, group: 'cluster', vnfs: '', enabled: true, debug: 0, bootenv: 'discovery' };
const mac = (i: number) => `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
const code = (c: ErrorCode) => (e: unknown) => e instanceof MusterError && e.code === c;

await describeEachBackend('node registry', (kind) => {
  let t: TestDb;
  before(async () => {
    t = await freshDb(kind);
  });
  after(async () => t?.cleanup());
  beforeEach(async () => {
    await t.db.query('DELETE FROM nodes');
  });
  const count = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM nodes')).rows[0]!.n;

  it('names new nodes from the template, lowest free number first, refilling gaps', async () => {
    const added = await addNodes(
      t.db,
      [0, 1, 2, 3].map((i) => ({ mac: mac(i) })),
      defaults,
    );
    assert.deepEqual(
      added.map((n) => n.name),
      ['n0000', 'n0001', 'n0002', 'n0003'],
    );
    assert.equal(added[0]!.group, 'cluster');
    await deleteNodes(t.db, [mac(1)]);
    assert.equal((await addNode(t.db, { mac: mac(9) }, defaults)).name, 'n0001');
    assert.equal((await addNode(t.db, { mac: mac(10) }, defaults)).name, 'n0004');
  });

  it('ignores names that only look like template names (n01 is not n0001)', async () => {
    await addNode(t.db, { mac: mac(1), name: 'n01' }, defaults);
    await addNode(t.db, { mac: mac(2), name: 'n0000x' }, defaults);
    assert.equal((await addNode(t.db, { mac: mac(3) }, defaults)).name, 'n0000');
  });

  it('follows First Node, Total Nodes and a suffix, and refuses to hand out a duplicate when full', async () => {
    const d = { ...defaults, nameTemplate: 'rack1-##.ib', firstNode: 5, totalNodes: 2 };
    assert.deepEqual(
      (await addNodes(t.db, [{ mac: mac(1) }, { mac: mac(2) }], d)).map((n) => n.name),
      ['rack1-05.ib', 'rack1-06.ib'],
    );
    await assert.rejects(addNode(t.db, { mac: mac(3) }, d), code('NAMES_EXHAUSTED'));
    assert.equal(await count(), 2);
  });

  it('counts only exact template spellings, past the width too, and skips names given in the same batch', async () => {
    const d = { ...defaults, nameTemplate: 'n##', totalNodes: 200 };
    await addNodes(
      t.db,
      [
        { mac: mac(1), name: 'n005' },
        { mac: mac(2), name: 'n100' },
        { mac: mac(3), name: 'n00' },
      ],
      d,
    );
    const got = await addNodes(t.db, [{ mac: mac(4) }, { mac: mac(5), name: 'n01' }, { mac: mac(6) }], d);
    assert.deepEqual(
      got.map((n) => n.name),
      ['n02', 'n01', 'n03'],
      'n005 is not n05; n00 and n01 are taken',
    );
    await addNodes(
      t.db,
      Array.from({ length: 96 }, (_, i) => ({ mac: mac(10 + i) })),
      d,
    );
    assert.equal((await addNode(t.db, { mac: mac(200) }, d)).name, 'n101', 'n100 was given; numbers outgrow the width');
  });

  it('refuses a duplicate MAC in any spelling, naming the existing node, and adds nothing', async () => {
    await addNode(t.db, { mac: 'aa:bb:cc:dd:ee:ff' }, defaults);
    await assert.rejects(addNode(t.db, { mac: 'AA-BB-CC-DD-EE-FF' }, defaults), (e) => code('NODE_EXISTS')(e) && /n0000/.test((e as Error).message));
    await assert.rejects(addNodes(t.db, [{ mac: mac(1) }, { mac: 'aabb.ccdd.eeff' }], defaults), code('NODE_EXISTS'));
    assert.equal(await count(), 1);
  });

  it('refuses a duplicate name (Perceus allowed them) and an invalid one', async () => {
    await addNode(t.db, { mac: mac(1), name: 'web1' }, defaults);
    await assert.rejects(addNode(t.db, { mac: mac(2), name: 'web1' }, defaults), code('NAME_TAKEN'));
    await assert.rejects(
      addNodes(
        t.db,
        [
          { mac: mac(3), name: 'x' },
          { mac: mac(4), name: 'x' },
        ],
        defaults,
      ),
      code('NAME_TAKEN'),
    );
    for (const bad of ['../../x', 'a b', '-a', 'a_b', 'x'.repeat(64), '']) {
      await assert.rejects(addNode(t.db, { mac: mac(5), name: bad }, defaults), code('NAME_INVALID'), bad);
    }
    assert.equal(await count(), 1);
  });

  it('never gives two concurrent adds the same name', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => addNode(t.db, { mac: mac(100 + i) }, defaults)));
    const names = new Set(results.map((n) => n.name));
    assert.equal(names.size, 40);
    assert.deepEqual(
      [...names].sort(),
      Array.from({ length: 40 }, (_, i) => `n${String(i).padStart(4, '0')}`),
    );
  });

  it('sets fields with validation, resolving Perceus key spellings', async () => {
    await addNodes(
      t.db,
      [1, 2, 3].map((i) => ({ mac: mac(i) })),
      defaults,
    );
    const set = await setNodes(t.db, [mac(1), mac(2)], resolveSetKey('Group'), 'compute');
    assert.deepEqual(set.map((n) => n.group).sort(), ['compute', 'compute']);
    assert.equal((await getNodeByMac(t.db, mac(3)))!.group, 'cluster');
    await setNodes(t.db, [mac(1)], 'enabled', 'no');
    await setNodes(t.db, [mac(1)], 'ipaddr', '10.1.2.3');
    await setNodes(t.db, [mac(1)], 'hostname', 'head-1');
    const n1 = (await getNodeByMac(t.db, mac(1)))!;
    assert.deepEqual([n1.enabled, n1.ipaddr, n1.name], [false, '10.1.2.3', 'head-1']);
    assert.throws(() => resolveSetKey('bogus'), code('SET_KEY_INVALID'));
    await assert.rejects(setNodes(t.db, [mac(1)], 'enabled', 'maybe'), code('SET_VALUE_INVALID'));
    await assert.rejects(setNodes(t.db, [mac(1)], 'ipaddr', '10.1.2'), code('SET_VALUE_INVALID'));
    await assert.rejects(setNodes(t.db, [mac(1)], 'group', '../etc'), code('NAME_INVALID'));
    await assert.rejects(setNodes(t.db, [mac(1), mac(2)], 'hostname', 'same'), code('SET_VALUE_INVALID'));
    await assert.rejects(setNodes(t.db, [mac(2)], 'hostname', 'head-1'), code('NAME_TAKEN'));
    assert.equal((await getNodeByMac(t.db, mac(2)))!.name, 'n0001');
  });

  it('selects by ranges, globs and exact names, reporting missing ones, naturally sorted', async () => {
    await addNodes(
      t.db,
      Array.from({ length: 12 }, (_, i) => ({ mac: mac(i), name: `n${i}` })),
      defaults,
    );
    const s = await selectNodes(t.db, ['n[1-3]', 'n1?', 'n99', 'x*']);
    assert.deepEqual(
      s.nodes.map((n) => n.name),
      ['n1', 'n2', 'n3', 'n10', 'n11'],
    );
    assert.deepEqual(s.missing, ['n99', 'x*']);
    assert.deepEqual((await selectNodes(t.db, ['n.'])).nodes, [], 'a dot is literal, not a regex wildcard');
    const byMac = await selectNodes(t.db, [mac(2).toUpperCase(), '02:00:00:00:0f:0f'], { byMac: true });
    assert.deepEqual(
      byMac.nodes.map((n) => n.name),
      ['n2'],
    );
    assert.deepEqual(byMac.missing, ['02:00:00:00:0F:0F']);
  });

  it('replaces hardware as Perceus: the new NodeID takes the old name and fields', async () => {
    await addNodes(t.db, [{ mac: mac(1) }, { mac: mac(2) }], defaults);
    await setNodes(t.db, [mac(1)], 'group', 'gpu');
    const r = await replaceNode(t.db, mac(1), { mac: mac(2) });
    assert.deepEqual([r.mac, r.name, r.group], [mac(2), 'n0000', 'gpu']);
    assert.equal(await count(), 1);
    const moved = await replaceNode(t.db, mac(2), { mac: mac(7) });
    assert.deepEqual([moved.mac, moved.name], [mac(7), 'n0000']);
    await assert.rejects(replaceNode(t.db, mac(1), { mac: mac(7) }), code('NODE_NOT_FOUND'));
  });

  it('logs every change in the event log', async () => {
    const before = (await listEvents(t.db, { limit: 10000 })).at(-1)?.id ?? 0;
    await addNode(t.db, { mac: mac(1) }, defaults);
    await setNodes(t.db, [mac(1)], 'debug', '2');
    await deleteNodes(t.db, [mac(1)]);
    const kinds = (await listEvents(t.db, { afterId: before })).map((e) => e.kind);
    assert.deepEqual(kinds, ['node.added', 'node.set', 'node.deleted']);
  });
});
