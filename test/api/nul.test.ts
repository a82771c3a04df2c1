import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../helpers/db.js';
import { adminApiFixture } from './fixture.js';

// Postgres cannot store U+0000 in text or jsonb; a NUL reaching SQL used to be a 500.
await describeEachBackend('admin API refuses NUL in strings', (kind) => {
  const f = adminApiFixture(kind, 2);
  const headers = f.headers;

  const cases: Array<[string, { method?: 'GET' | 'POST'; url: string; payload?: unknown }, string]> = [
    [
      'job args value',
      { method: 'POST', url: '/api/v1/jobs', payload: { select: { patterns: ['n0000'] }, steps: [{ jig: 'wait', args: { equals: 'a\u0000b' } }] } },
      'body.steps.0.args.equals',
    ],
    [
      'job args key',
      { method: 'POST', url: '/api/v1/jobs', payload: { select: { patterns: ['n0000'] }, steps: [{ jig: 'noop', args: { 'k\u0000': 'v' } }] } },
      'body.steps.0.args',
    ],
    [
      'idempotency key',
      { method: 'POST', url: '/api/v1/jobs', payload: { select: { patterns: ['n0000'] }, steps: [{ jig: 'noop' }], idempotencyKey: 'k\u0000' } },
      'body.idempotencyKey',
    ],
    [
      'job pattern',
      { method: 'POST', url: '/api/v1/jobs', payload: { select: { patterns: ['n00\u000000'] }, steps: [{ jig: 'noop' }] } },
      'body.select.patterns.0',
    ],
    ['job group', { method: 'POST', url: '/api/v1/jobs', payload: { select: { groups: ['g\u0000'] }, steps: [{ jig: 'noop' }] } }, 'body.select.groups.0'],
    ['job list node', { url: '/api/v1/jobs?node=aa%00' }, 'querystring.node'],
    ['node query pattern', { url: '/api/v1/nodes?n=n%000' }, 'querystring.n'],
    ['node query group', { url: '/api/v1/nodes?group=c%00' }, 'querystring.group'],
    ['node add name', { method: 'POST', url: '/api/v1/nodes', payload: { nodes: [{ mac: '02:00:00:00:00:99', name: 'x\u0000' }] } }, 'body.nodes.0.name'],
    ['node set value', { method: 'POST', url: '/api/v1/nodes/set', payload: { select: { patterns: ['n0000'] }, key: 'vnfs', value: 'r\u0000' } }, 'body.value'],
    ['node delete pattern', { method: 'POST', url: '/api/v1/nodes/delete', payload: { patterns: ['n0000\u0000'] } }, 'body.patterns.0'],
    ['node replace', { method: 'POST', url: '/api/v1/nodes/replace', payload: { old: 'n0000', new: 'y\u0000' } }, 'body.new'],
    ['event filter', { url: '/api/v1/events?node=n%00' }, 'querystring.node'],
    ['info config key', { url: '/api/v1/info/config?key=a%00' }, 'querystring.key'],
    ['export pattern', { url: '/api/v1/export/hosts?n=n%00' }, 'querystring.n'],
  ];
  for (const [what, req, path] of cases) {
    it(`${what}: 400 REQUEST_INVALID naming ${path}`, async () => {
      const r = await f.app.inject({ method: req.method ?? 'GET', url: req.url, headers, payload: req.payload as object | undefined });
      assert.equal(r.statusCode, 400, r.body);
      const p = r.json() as { code: string; detail: string; errors?: Array<{ path: string }> };
      assert.equal(p.code, 'REQUEST_INVALID', r.body);
      assert.match(p.detail, /NUL/);
      assert.ok(
        p.errors?.some((e) => e.path.startsWith(path)),
        r.body,
      );
    });
  }

  it('stores nothing from a refused request', async () => {
    const r = await f.app.inject({ url: '/api/v1/jobs', headers });
    assert.deepEqual(r.json().jobs, []);
    const n = await f.app.inject({ url: '/api/v1/nodes', headers });
    assert.deepEqual(
      (n.json().nodes as Array<{ name: string; vnfs: string }>).map((x) => [x.name, x.vnfs]),
      [
        ['n0000', ''],
        ['n0001', ''],
      ],
    );
  });
});
