import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../helpers/db.js';
import { adminApiFixture } from './fixture.js';

// Every pattern used to be capped alone (1,000,000 names), so ten of them built ten million.
// A selection is capped lower still: SELECT_NAME_LIMIT (200,000) for all its patterns.
await describeEachBackend('admin API caps the names of one request', (kind) => {
  const f = adminApiFixture(kind, 2);
  const headers = f.headers;

  const two = ['a[1-120000]', 'b[1-120000]'];
  const tooMany = (body: string) => {
    const p = JSON.parse(body) as { code: string; detail: string };
    assert.equal(p.code, 'PATTERN_TOO_LARGE', body.slice(0, 300));
    assert.match(p.detail, /^2 patterns name 240,000 nodes together, more than the limit of 200,000 for one request/);
  };

  it('one pattern over the selection cap is refused too, counted before it is built', async () => {
    const r = await f.app.inject({ url: `/api/v1/nodes?n=${encodeURIComponent('x[1-1000000]')}`, headers });
    assert.equal(r.statusCode, 400, r.body.slice(0, 300));
    assert.match(r.json().detail, /^pattern "x\[1-1000000\]" names 1,000,000 nodes, more than the limit of 200,000/);
  });

  it('GET /nodes with two patterns over the cap together: 400 PATTERN_TOO_LARGE', async () => {
    const r = await f.app.inject({ url: `/api/v1/nodes?${two.map((p) => `n=${encodeURIComponent(p)}`).join('&')}`, headers });
    assert.equal(r.statusCode, 400, r.body.slice(0, 300));
    tooMany(r.body);
  });

  it('POST /jobs and /nodes/delete too, and nothing is queued or deleted', async () => {
    const job = await f.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers,
      payload: { select: { patterns: [...two, 'n0000'] }, steps: [{ jig: 'noop' }] },
    });
    assert.equal(job.statusCode, 400, job.body.slice(0, 300));
    assert.match(job.json().detail, /^3 patterns name 240,001 nodes together/);
    const del = await f.app.inject({ method: 'POST', url: '/api/v1/nodes/delete', headers, payload: { patterns: two } });
    assert.equal(del.statusCode, 400, del.body.slice(0, 300));
    tooMany(del.body);
    assert.deepEqual((await f.app.inject({ url: '/api/v1/jobs', headers })).json().jobs, []);
    assert.equal((await f.app.inject({ url: '/api/v1/nodes', headers })).json().nodes.length, 2);
  });
});
