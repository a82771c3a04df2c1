import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { jobsRoutes } from '../../src/api/jobs.js';
import { buildAdminApi } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { addNodes } from './fixture.js';

const TOKEN = 't'.repeat(43);

await describeEachBackend('jobs API', (kind) => {
  let t: TestDb;
  let app: FastifyInstance;
  const headers = { authorization: `Bearer ${TOKEN}` };
  before(async () => {
    t = await freshDb(kind);
    await addNodes(t.db, 3);
    const { config } = await loadConfig({ env: {}, overrides: { statedir: t.statedir } });
    app = await buildAdminApi({ db: t.db, config, log: silentLogger(), version: 'test', startedAt: new Date() }, TOKEN, [jobsRoutes]);
  });
  after(async () => {
    await app?.close();
    await t?.cleanup();
  });

  it('queues a chain per selected node once per idempotency key, lists, shows, cancels, retries', async () => {
    const payload = {
      select: { patterns: ['n000[0-1]'] },
      steps: [{ jig: 'noop' }, { jig: 'wait', args: { equals: 'ready' } }],
      chain: true,
      idempotencyKey: 'req-1',
    };
    const r = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers, payload });
    assert.equal(r.statusCode, 201, r.body);
    const jobs = r.json().jobs as Array<{ id: number; created: boolean }>;
    assert.equal(jobs.length, 4);
    const again = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers, payload });
    assert.deepEqual(
      (again.json().jobs as Array<{ id: number; created: boolean }>).map((j) => [j.id, j.created]),
      jobs.map((j) => [j.id, false]),
    );
    const list = await app.inject({ url: '/api/v1/jobs?state=queued', headers });
    assert.equal(list.json().jobs.length, 4);
    const show = await app.inject({ url: `/api/v1/jobs/${jobs[0]!.id}`, headers });
    assert.equal(show.json().job.nodeName, 'n0000');
    const cancel = await app.inject({ method: 'POST', url: `/api/v1/jobs/${jobs[0]!.id}/cancel`, headers });
    assert.equal(cancel.json().job.state, 'cancelled');
    const rest = await app.inject({ url: `/api/v1/jobs/${jobs[1]!.id}`, headers });
    assert.equal(rest.json().job.state, 'cancelled', 'the rest of the chain');
    const twice = await app.inject({ method: 'POST', url: `/api/v1/jobs/${jobs[0]!.id}/cancel`, headers });
    assert.deepEqual([twice.statusCode, twice.json().code], [409, 'JOB_FINISHED']);
    const retry = await app.inject({ method: 'POST', url: `/api/v1/jobs/${jobs[0]!.id}/retry`, headers });
    assert.equal(retry.statusCode, 201);
    const active = await app.inject({ method: 'POST', url: `/api/v1/jobs/${jobs[2]!.id}/retry`, headers });
    assert.deepEqual([active.statusCode, active.json().code], [409, 'JOB_ACTIVE']);
  });

  it('bad input: unknown jig, bad args, no such job', async () => {
    const run = (steps: unknown) => app.inject({ method: 'POST', url: '/api/v1/jobs', headers, payload: { select: { patterns: ['n0002'] }, steps } });
    const unknown = await run([{ jig: 'teleport' }]);
    assert.deepEqual([unknown.statusCode, unknown.json().code], [400, 'JIG_UNKNOWN']);
    const bad = await run([{ jig: 'script', args: { run: '../x' } }]);
    assert.deepEqual([bad.statusCode, bad.json().code], [400, 'JIG_ARGS_INVALID']);
    const missing = await app.inject({ url: '/api/v1/jobs/424242', headers });
    assert.deepEqual([missing.statusCode, missing.json().code], [404, 'JOB_NOT_FOUND']);
  });
});
