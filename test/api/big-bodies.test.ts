/**
 * Issue 8 defect 6: a 100,000-node add body was NUL-checked and validated by its zod schema in one
 * event-loop task. Now a body with a long array is checked element by element in turns, and the
 * route's schema still decides: the same value, the same errors for bad input.
 * Counted, not timed: how many small requests (one per event-loop turn) finish while the big
 * body is checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { useProblems } from '../../src/api/problem.js';
import { AddBody } from '../../src/api/schemas/nodes.js';
import { useZod } from '../../src/api/zod.js';

const N = 60_000;
const mac = (i: number) =>
  `02:4c:00:${((i >>> 16) & 0xff).toString(16).padStart(2, '0')}:${((i >>> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
const nodes = (n: number) => Array.from({ length: n }, (_, i) => ({ mac: mac(i) }));

describe('big request bodies are checked in event-loop turns', () => {
  let app: FastifyInstance;
  let seen: unknown;
  before(async () => {
    app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
    useZod(app);
    useProblems(app);
    app.post('/add', { schema: { body: AddBody } }, async (req) => {
      seen = req.body;
      return { n: (req.body as { nodes: unknown[] }).nodes.length };
    });
    app.get('/small', async () => ({ ok: true }));
    await app.ready();
  });
  after(() => app.close());

  const post = (body: unknown) => app.inject({ method: 'POST', url: '/add', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it(`small requests are answered while a ${N}-node body is checked`, async () => {
    let bigDone = false;
    // The body is parsed (one JSON.parse) before the first turn: count from the first small answer.
    const big = post({ nodes: nodes(N), extra: 'dropped' }).finally(() => (bigDone = true));
    let during = 0;
    while (!bigDone) {
      const small = await app.inject({ method: 'GET', url: '/small' });
      assert.equal(small.statusCode, 200);
      if (!bigDone) during++;
      // An injected request completes in microtasks: give the loop its turn, as real I/O would.
      await new Promise((r) => setImmediate(r));
    }
    const res = await big;
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.deepEqual(res.json(), { n: N });
    // The schema's value, not the raw body: unknown keys are stripped as zod does.
    assert.deepEqual(seen, AddBody.parse({ nodes: nodes(N) }));
    // Before, the check was one task: the small requests waited for all of it.
    assert.ok(during >= 5, `${during} small requests answered during the check`);
  });

  /** What the one-step validator says about a body: the answer must not depend on the path taken. */
  const expected = (body: unknown) =>
    AddBody.safeParse(body).error!.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message }));

  it('a bad element deep in a big body gets the schema error with its index', async () => {
    const body = { nodes: nodes(N) as { mac: unknown }[] };
    body.nodes[45_000] = { mac: 'x'.repeat(65) };
    const res = await post(body);
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().errors, expected(body));
    assert.deepEqual(
      res.json().errors.map((e: { path: string }) => e.path),
      ['body.nodes.45000.mac'],
    );
  });

  it('a NUL deep in a big body is refused with its path', async () => {
    const body = { nodes: nodes(N) as { mac: string; name?: string }[] };
    body.nodes[51_234] = { mac: mac(1), name: 'a\u0000b' };
    const res = await post(body);
    assert.equal(res.statusCode, 400);
    assert.match(res.json().detail, /body\.nodes\.51234\.name: contains a NUL/);
  });

  it('a NUL beside the big array is refused too', async () => {
    const res = await post({ nodes: nodes(N), 'k\u0000': 1 });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().detail, /NUL/);
  });

  it('the array bound holds for a big body', async () => {
    const body = { nodes: nodes(200_001) };
    const res = await post(body);
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().errors, expected(body));
  });

  it('bad JSON in a big body is the same 400 as before', async () => {
    const text = JSON.stringify({ nodes: nodes(N) }).slice(0, -3);
    const res = await app.inject({ method: 'POST', url: '/add', payload: text, headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY');
  });

  it('a __proto__ key is refused as before', async () => {
    const text = JSON.stringify({ nodes: nodes(N) }).replace('{"mac"', '{"__proto__":{"x":1},"mac"');
    const res = await app.inject({ method: 'POST', url: '/add', payload: text, headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 400);
  });
});
