import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildAdminApi } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';

const TOKEN = 't'.repeat(43);

await describeEachBackend('admin API', (kind) => {
  let t: TestDb;
  let app: FastifyInstance;
  const auth = { authorization: `Bearer ${TOKEN}` };
  before(async () => {
    t = await freshDb(kind);
    const { config } = await loadConfig({ env: {}, overrides: { statedir: t.statedir } });
    app = await buildAdminApi({ db: t.db, config, log: silentLogger(), version: 'test', startedAt: new Date() }, TOKEN);
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
  });

  it('serves an OpenAPI document naming every route, without a token', async () => {
    const r = await app.inject({ url: '/api/v1/openapi.json' });
    assert.equal(r.statusCode, 200);
    const doc = r.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    for (const p of ['/api/v1/nodes', '/api/v1/nodes/set', '/api/v1/nodes/delete', '/api/v1/nodes/replace', '/api/v1/groups', '/api/v1/info/system']) {
      assert.ok(doc.paths[p], `missing ${p}`);
    }
    assert.ok((doc.paths['/api/v1/nodes']!.post as { requestBody?: unknown }).requestBody);
  });

  it('answers 401 problem+json without or with a wrong token', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Basic ${TOKEN}` }]) {
      const r = await app.inject({ url: '/api/v1/nodes', headers });
      assert.equal(r.statusCode, 401);
      assert.match(r.headers['content-type'] as string, /^application\/problem\+json/);
      assert.equal(r.json().code, 'AUTH_REQUIRED');
    }
  });

  it('turns a body that fails its schema into a 400 listing each problem', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/nodes', headers: auth, payload: { nodes: [{ mac: 5 }] } });
    assert.equal(r.statusCode, 400);
    const p = r.json() as { code: string; errors: Array<{ path: string }> };
    assert.equal(p.code, 'REQUEST_INVALID');
    assert.deepEqual(
      p.errors.map((e) => e.path),
      ['body.nodes.0.mac'],
    );
    const junk = await app.inject({ method: 'POST', url: '/api/v1/nodes', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"nodes":' });
    assert.equal(junk.statusCode, 400);
  });

  it('adds, selects and sets nodes, and maps domain errors to their HTTP status', async () => {
    const add = await app.inject({
      method: 'POST',
      url: '/api/v1/nodes',
      headers: auth,
      payload: { nodes: [{ mac: 'aa-bb-cc-dd-ee-01' }, { mac: 'aabb.ccdd.ee02', name: 'b' }] },
    });
    assert.equal(add.statusCode, 201, add.body);
    assert.deepEqual(
      (add.json().nodes as Array<{ name: string }>).map((n) => n.name),
      ['n0000', 'b'],
    );
    const dup = await app.inject({ method: 'POST', url: '/api/v1/nodes', headers: auth, payload: { nodes: [{ mac: 'AA:BB:CC:DD:EE:01' }] } });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().code, 'NODE_EXISTS');
    const sel = await app.inject({ url: '/api/v1/nodes?n=n000[0-1]&n=zz', headers: auth });
    assert.deepEqual(sel.json(), { nodes: [sel.json().nodes[0]], missing: ['n0001', 'zz'] });
    const bad = await app.inject({ url: '/api/v1/nodes?n=n[', headers: auth });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'PATTERN_INVALID');
    const set = await app.inject({
      method: 'POST',
      url: '/api/v1/nodes/set',
      headers: auth,
      payload: { select: { patterns: ['b'] }, key: 'group', value: 'rack1' },
    });
    assert.equal(set.json().nodes[0].group, 'rack1');
    const noImage = await app.inject({
      method: 'POST',
      url: '/api/v1/nodes/set',
      headers: auth,
      payload: { select: { patterns: ['b'] }, key: 'vnfs', value: 'rocky9' },
    });
    assert.equal(noImage.statusCode, 404);
    assert.equal(noImage.json().code, 'IMAGE_NOT_FOUND');
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/nodes/replace', headers: auth, payload: { old: 'nosuch', new: 'b' } });
    assert.equal(unknown.statusCode, 404);
  });

  it('refuses a bulk add holding a broadcast, zero or multicast NodeID, adding none of the batch', async () => {
    for (const badMac of ['ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', '01:00:5e:00:00:01']) {
      const nodes = [{ mac: '02:00:00:00:10:01' }, { mac: badMac }, { mac: '02:00:00:00:10:02' }];
      const r = await app.inject({ method: 'POST', url: '/api/v1/nodes', headers: auth, payload: { nodes } });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().code, 'MAC_INVALID');
      assert.match(r.json().detail, /cannot be a NodeID: it is (the broadcast|all zeros|a multicast)/);
    }
    const sel = await app.inject({ url: '/api/v1/nodes?nodeid=1&n=02:00:00:00:10:01', headers: auth });
    assert.deepEqual(sel.json().nodes, []);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const r = await app.inject({ url: '/api/v1/nope', headers: auth });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, 'ROUTE_NOT_FOUND');
  });
});
