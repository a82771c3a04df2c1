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
import { modulesRoutes } from './modules.js';
import { vnfsRoutes } from './vnfs.js';

export const API_PREFIX = '/api/v1';

/**
 * How long a client may take to send its request. Without a bound a client that sends headers
 * and then drips its body (or never ends its headers) holds a socket, and memory, forever; the
 * server answers 408 and closes. Only receiving is timed: long polls, event streams and file
 * downloads run as long as they need.
 */
export interface RequestLimits {
  /** the request line and headers must be in within this after the connection opens */
  headersMs: number;
  /** the whole request, body included */
  requestMs: number;
  /** how often open connections are checked against both (the cut comes up to this late) */
  checkMs: number;
}

/** Nodes send small requests; a boot storm of 10,000 nodes queues in the kernel, not here. */
export const NODE_REQUEST_LIMITS: RequestLimits = { headersMs: 30_000, requestMs: 60_000, checkMs: 5_000 };
/** Admin bodies go up to 64 MiB (bulk adds): 5 minutes is ~220 KB/s from a remote admin host. */
export const ADMIN_REQUEST_LIMITS: RequestLimits = { headersMs: 30_000, requestMs: 300_000, checkMs: 5_000 };

function base(deps: ApiDeps, mod: string, limits: RequestLimits): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log.child({ mod }) as FastifyBaseLogger,
    // Per-request log lines would drown a boot storm; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024 * 1024,
    // Keep-alive sockets must not hold a shutdown open.
    forceCloseConnections: true,
    requestTimeout: limits.requestMs,
    http: { headersTimeout: limits.headersMs, connectionsCheckingInterval: limits.checkMs },
  });
  useZod(app);
  useProblems(app);
  return app;
}

/**
 * The admin API (JSON, bearer token, bound to 127.0.0.1 unless configured otherwise).
 * One plugin per resource, registered under /api/v1.
 */
export async function buildAdminApi(deps: ApiDeps, token: string, extra: AdminPlugin[] = [], limits = ADMIN_REQUEST_LIMITS): Promise<FastifyInstance> {
  const app = base(deps, 'api', limits);
  useBearerAuth(app, token);
  await app.register(
    async (api) => {
      useOpenApi(api, { title: 'muster admin API', version: deps.version, path: '/openapi.json' });
      await api.register(nodesRoutes, { deps });
      await api.register(groupsRoutes, { deps });
      await api.register(infoRoutes, { deps });
      await api.register(eventsRoutes, { deps });
      await api.register(modulesRoutes, { deps });
      await api.register(vnfsRoutes, { deps });
      for (const p of extra) await api.register(p, { deps });
    },
    { prefix: API_PREFIX },
  );
  return app;
}

export type AdminPlugin = (app: FastifyInstance, opts: { deps: ApiDeps }) => Promise<void>;

/** The node-facing HTTP server (nodescripts, files, iPXE scripts); no token, any address. */
export async function buildNodeApi(deps: ApiDeps, plugins: AdminPlugin[], limits = NODE_REQUEST_LIMITS): Promise<FastifyInstance> {
  const app = base(deps, 'http', limits);
  for (const p of plugins) await app.register(p, { deps });
  return app;
}
