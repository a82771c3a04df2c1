/**
 * Issue 8 defect 6: on the embedded database one big admin answer (every node, 100,000 rows)
 * was parsed, sorted and serialized in one event-loop task, so DHCP, TFTP and node HTTP stood
 * still meanwhile. Now rows come from the database thread page by page and are parsed, sorted
 * and written in chunks: small requests are answered while the big one is still in progress.
 * Counted, not timed: how many small requests finish before the big answer does.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { adminApiFixture } from './fixture.js';

const NODES = 20_000;
const f = adminApiFixture('pglite', NODES);

it(`small requests are answered while ${NODES} nodes are listed`, async () => {
  let bigDone = false;
  const big = f.app.inject({ method: 'GET', url: '/api/v1/nodes', headers: f.headers }).finally(() => (bigDone = true));
  let during = 0;
  while (!bigDone) {
    const small = await f.app.inject({ method: 'GET', url: '/api/v1/nodes?n=n0007', headers: f.headers });
    assert.equal(small.statusCode, 200, small.body);
    if (!bigDone) during++;
  }
  const res = await big;
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  const body = res.json() as { nodes: { name: string }[]; missing: string[] };
  assert.equal(body.nodes.length, NODES);
  assert.deepEqual(body.missing, []);
  // Natural order survives the chunked sort: n0000, n0001, … n9999, n10000, …
  assert.deepEqual(
    body.nodes.slice(9998, 10002).map((n) => n.name),
    ['n9998', 'n9999', 'n10000', 'n10001'],
  );
  // Before the fix the small requests waited for the whole list: at most one got in.
  assert.ok(during >= 3, `${during} small requests answered during the list`);
});
