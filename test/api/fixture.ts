import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { exportRoutes } from '../../src/api/exports.js';
import { jobsRoutes } from '../../src/api/jobs.js';
import { buildAdminApi } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { freshDb, type Backend, type TestDb } from '../helpers/db.js';
import { addNodes } from '../queue/fixture.js';

const TOKEN = 't'.repeat(43);

export interface AdminFixture {
  app: FastifyInstance;
  headers: { authorization: string };
}

/**
 * Registers before/after hooks for an admin API (with the jobs and export routes, as the
 * daemon has them) on a fresh database holding nodes n0000..; `f.app` is set once before ran.
 */
export function adminApiFixture(kind: Backend, nodes: number): AdminFixture {
  const f = { headers: { authorization: `Bearer ${TOKEN}` } } as AdminFixture;
  let t: TestDb | undefined;
  before(async () => {
    t = await freshDb(kind);
    await addNodes(t.db, nodes);
    const { config } = await loadConfig({ env: {}, overrides: { statedir: t.statedir } });
    f.app = await buildAdminApi({ db: t.db, config, log: silentLogger(), version: 'test', startedAt: new Date() }, TOKEN, [jobsRoutes, exportRoutes]);
  });
  after(async () => {
    await f.app?.close();
    await t?.cleanup();
  });
  return f;
}
