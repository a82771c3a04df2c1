import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import { useBearerAuth } from './auth.js';
import { useOpenApi } from './openapi.js';
import { useProblems } from './problem.js';
import { useZod } from './zod.js';
import { nodesRoutes } from './nodes.js';
import { groupsRoutes } from './groups.js';
import { infoRoutes } from './info.js';
import { eventsRoutes } from './events.js';

export const API_PREFIX = '/api/v1';

function base(deps: ApiDeps, mod: string): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log.child({ mod }) as FastifyBaseLogger,
    // Per-request log lines would drown a boot storm; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024 * 1024,
    // Keep-alive sockets must not hold a shutdown open.
    forceCloseConnections: true,
  });
  useZod(app);
  useProblems(app);
  return app;
}

/**
 * The admin API (JSON, bearer token, bound to 127.0.0.1 unless configured otherwise).
 * One plugin per resource, registered under /api/v1.
 */
export async function buildAdminApi(deps: ApiDeps, token: string, extra: AdminPlugin[] = []): Promise<FastifyInstance> {
  const app = base(deps, 'api');
  useBearerAuth(app, token);
  await app.register(
    async (api) => {
      useOpenApi(api, { title: 'muster admin API', version: deps.version, path: '/openapi.json' });
      await api.register(nodesRoutes, { deps });
      await api.register(groupsRoutes, { deps });
      await api.register(infoRoutes, { deps });
      await api.register(eventsRoutes, { deps });
      for (const p of extra) await api.register(p, { deps });
    },
    { prefix: API_PREFIX },
  );
  return app;
}

export type AdminPlugin = (app: FastifyInstance, opts: { deps: ApiDeps }) => Promise<void>;

/** The node-facing HTTP server (nodescripts, files, iPXE scripts); no token, any address. */
export async function buildNodeApi(deps: ApiDeps, plugins: AdminPlugin[]): Promise<FastifyInstance> {
  const app = base(deps, 'http');
  for (const p of plugins) await app.register(p, { deps });
  return app;
}
