import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { addNodes, replaceNode, type NodeDefaults } from '../../src/nodes/index.js';
import { addJobs } from '../../src/queue/index.js';
import { MusterError } from '../../src/errors.js';

const defaults: NodeDefaults = { nameTemplate: 'n####', firstNode: 0, group: 'cluster', vnfs: '', enabled: true, debug: 0, bootenv: 'discovery' };
const OLD = '02:00:00:00:00:01';
const NEW = '02:00:00:00:00:99';

// Burn-in, swap the board, replace: the jobs the node ran and the ones still queued follow it.
await describeEachBackend('node replace with jobs', (kind) => {
  let t: TestDb;
  before(async () => {
    t = await freshDb(kind);
    await t.db.query(`SELECT muster_set_job_slots(4)`);
  });
  after(async () => t?.cleanup());
  beforeEach(async () => {
    await t.db.query('DELETE FROM nodes');
    await addNodes(t.db, [{ mac: OLD }], defaults);
  });
  const claim = async (n: number) => {
    const { rows } = await t.db.query<{ id: string | null; node: string | null }>(
      `SELECT (c).id::text AS id, (c).node FROM (SELECT muster_claim_job('test', 60, NULL, $1) AS c) s`,
      [n],
    );
    return rows[0]!;
  };
  const jobsOf = async () =>
    (await t.db.query<{ id: string; node: string; state: string; ready: boolean }>(`SELECT id::text, node::text, state, ready FROM jobs ORDER BY id`)).rows;

  it('moves finished and queued jobs to the new MAC; the queued head stays claimable there', async () => {
    const [burnIn, later] = await addJobs(t.db, [
      { node: OLD, jig: 'noop' },
      { node: OLD, jig: 'noop' },
    ]);
    const c = await claim(1);
    assert.equal(c.id, String(burnIn!.id));
    await t.db.query(`SELECT muster_finish_job($1, 'test', 1, 'succeeded', NULL, NULL, NULL, NULL)`, [burnIn!.id]);

    const node = await replaceNode(t.db, OLD, { mac: NEW });
    assert.deepEqual([node.mac, node.name], [NEW, 'n0000']);
    assert.deepEqual(await jobsOf(), [
      { id: String(burnIn!.id), node: NEW, state: 'succeeded', ready: false },
      { id: String(later!.id), node: NEW, state: 'queued', ready: true },
    ]);
    assert.deepEqual(await claim(2), { id: String(later!.id), node: NEW });
  });

  it('refuses while a job runs on the node (its worker ends it by MAC) and changes nothing', async () => {
    const [running] = await addJobs(t.db, [{ node: OLD, jig: 'noop' }]);
    assert.equal((await claim(3)).id, String(running!.id));
    await assert.rejects(
      replaceNode(t.db, OLD, { mac: NEW }),
      (e) => e instanceof MusterError && e.code === 'JOB_ACTIVE' && /n0000' is running job \d+/.test(e.message),
    );
    assert.deepEqual(
      (await jobsOf()).map((j) => j.node),
      [OLD],
    );
  });
});
