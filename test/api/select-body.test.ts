import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../helpers/db.js';
import { adminApiFixture } from './fixture.js';

// Selections used to travel only in a GET query string, which fails with 431 at ~1,200 names
// (issue 9 defect 2): POST /nodes/select and POST /export/:format take them in the body.
await describeEachBackend('POST /nodes/select: a selection in the body', (kind) => {
  const f = adminApiFixture(kind, 3000);
  const post = (payload: unknown, url = '/api/v1/nodes/select') => f.app.inject({ method: 'POST', url, headers: f.headers, payload: payload as object });
  const names = (n: number) => Array.from({ length: n }, (_, i) => `n${String(i).padStart(4, '0')}`);

  it('selects 3,000 names (the query string held ~1,200) with the unknown ones in missing', async () => {
    const r = await post({ patterns: [...names(3000), 'nosuch'] });
    assert.equal(r.statusCode, 200, r.body.slice(0, 300));
    const sel = r.json() as { nodes: Array<{ name: string }>; missing: string[] };
    assert.deepEqual(
      sel.nodes.map((n) => n.name),
      names(3000),
    );
    assert.deepEqual(sel.missing, ['nosuch']);
    const viaGet = await f.app.inject({ url: `/api/v1/nodes?n=n00[00-09]&n=nosuch`, headers: f.headers });
    const viaPost = await post({ patterns: ['n00[00-09]', 'nosuch'] });
    assert.equal(viaPost.body, viaGet.body, 'the same answer as GET /nodes');
  });

  it('takes NodeIDs with nodeid, groups, and an empty body as every node (as GET /nodes)', async () => {
    const all = (await f.app.inject({ url: '/api/v1/nodes', headers: f.headers })).json() as { nodes: Array<{ mac: string; name: string }> };
    const macs = all.nodes.slice(0, 600).map((n) => n.mac.toUpperCase().replace(/:/g, '-'));
    const byMac = (await post({ patterns: macs, nodeid: true })).json() as { nodes: Array<{ name: string }> };
    assert.deepEqual(
      byMac.nodes.map((n) => n.name),
      all.nodes.slice(0, 600).map((n) => n.name),
    );
    const set = await post({ select: { patterns: ['n00[00-09]'] }, key: 'group', value: 'rack1' }, '/api/v1/nodes/set');
    assert.equal(set.statusCode, 200, set.body.slice(0, 300));
    const group = (await post({ groups: ['rack1', 'nogroup'] })).json() as { nodes: Array<{ name: string }>; missing: string[] };
    assert.deepEqual(
      group.nodes.map((n) => n.name),
      names(10),
    );
    assert.deepEqual(group.missing, ['nogroup']);
    assert.equal((await post({})).json().nodes.length, 3000);
  });

  it('POST /export/ethers exports the selection in the body', async () => {
    const r = await post({ patterns: names(1500) }, '/api/v1/export/ethers');
    assert.equal(r.statusCode, 200, r.body.slice(0, 300));
    assert.equal(
      r.body
        .trimEnd()
        .split('\n')
        .filter((l) => /\bn\d{4}\b/.test(l)).length,
      1500,
    );
  });

  const bad: Array<[string, unknown, RegExp, string?]> = [
    ['patterns that are not a list', { patterns: 'n0001' }, /^body\.patterns: Invalid input: expected array, received string$/],
    ['a pattern that is not a string', { patterns: ['n0001', 7] }, /^body\.patterns\.1: Invalid input: expected string, received number$/],
    ['a query-string key in the body', { n: ['n0001'] }, /^body: Unrecognized key: "n"$/],
    ['nodeid that is not a boolean', { patterns: ['n0001'], nodeid: 'yes' }, /^body\.nodeid: Invalid input: expected boolean, received string$/],
    ['a body that is not an object', ['n0001'], /^body: Invalid input: expected object, received array$/],
    [
      'more than 100,000 patterns',
      { patterns: Array.from({ length: 100_001 }, () => 'n0001') },
      /^body\.patterns: more than 100,000 patterns in one request: split the list \(xargs -n 100000\)$/,
    ],
    ['patterns and groups together', { patterns: ['n0001'], groups: ['cluster'] }, /^select nodes either by pattern or by group, not both$/],
    ['a NodeID that is not a MAC', { patterns: ['n0001'], nodeid: true }, /is not a MAC address/, 'MAC_INVALID'],
    [
      'a range over the selection cap',
      { patterns: ['x[1-300000]'] },
      /^pattern "x\[1-300000\]" names 300,000 nodes, more than the limit of 200,000/,
      'PATTERN_TOO_LARGE',
    ],
    ['a reversed range', { patterns: ['n[5-1]'] }, /.+/, 'PATTERN_INVALID'],
  ];
  for (const [what, payload, detail, code = 'REQUEST_INVALID'] of bad) {
    it(`answers ${what} with 400 ${code} and a message saying what is wrong`, async () => {
      const r = await post(payload);
      assert.equal(r.statusCode, 400, r.body.slice(0, 300));
      const p = r.json() as { code: string; detail: string };
      assert.equal(p.code, code, r.body.slice(0, 300));
      assert.match(p.detail, detail);
    });
  }

  it('refuses a body over the 64 MiB limit with 413 before parsing it', async () => {
    const r = await post({ patterns: Array.from({ length: 17_000 }, () => 'x'.repeat(4000)) });
    assert.equal(r.statusCode, 413, r.body.slice(0, 300));
    assert.match(r.json().detail, /body is too large/i);
  });
});
