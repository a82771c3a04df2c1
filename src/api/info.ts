import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { configValue, describeConfig } from '../config/index.js';
import { registryTotals } from '../nodes/index.js';
import { BOOT_FILE_EVENTS, bootFiles, discoveryDir, overlayPath } from '../images/index.js';
import type { PluginOpts } from './deps.js';

const ConfigOut = z.object({ config: z.array(z.tuple([z.string(), z.string()])) });
const SystemOut = z.object({
  version: z.string(),
  pid: z.number().int(),
  host: z.string(),
  node: z.string(),
  statedir: z.string(),
  database: z.enum(['pglite', 'postgres']),
  startedAt: z.date(),
  nodes: z.number().int(),
  groups: z.number().int(),
  vnfs: z.array(z.string()),
  /** image downloads sending and waiting ('http image transfers'); null when no node HTTP runs here */
  imageTransfers: z
    .object({ limit: z.number().int(), active: z.number().int(), waiting: z.number().int(), peak: z.number().int(), started: z.number().int() })
    .nullable(),
});

const BootOut = z.object({
  discovery: z.object({ dir: z.string(), missing: z.string().nullable() }),
  overlay: z.object({ path: z.string(), present: z.boolean() }),
  /** The daemon's last word on building them (start-up build or its failure), if any. */
  lastBuild: z.object({ at: z.date(), level: z.string(), message: z.string() }).nullable(),
});

/** /api/v1/info: what `muster info config|system|boot` shows. */
export async function infoRoutes(app: FastifyInstance, { deps }: PluginOpts): Promise<void> {
  app.get('/health', { config: { public: true }, schema: { summary: 'Liveness', response: { 200: z.object({ ok: z.literal(true) }) } } }, async () => ({
    ok: true as const,
  }));

  const ConfigQuery = z.object({ key: z.string().max(128).optional() });
  app.get(
    '/info/config',
    { schema: { summary: 'The running configuration (one key with ?key=)', querystring: ConfigQuery, response: { 200: ConfigOut } } },
    async (req) => {
      const { key } = req.query as z.infer<typeof ConfigQuery>;
      return { config: key === undefined ? describeConfig(deps.config) : [[key, configValue(deps.config, key)] as [string, string]] };
    },
  );

  app.get('/info/boot', { schema: { summary: "muster's boot files: discovery and the VNFS overlay", response: { 200: BootOut } } }, async () => {
    const files = await bootFiles(deps.config.statedir);
    const { rows } = await deps.db.query<{ at: Date; level: string; message: string }>(
      `SELECT at, level, message FROM events WHERE kind = ANY($1::text[]) ORDER BY id DESC LIMIT 1`,
      [BOOT_FILE_EVENTS],
    );
    return {
      discovery: { dir: discoveryDir(deps.config.statedir), missing: files.discoveryMissing },
      overlay: { path: overlayPath(deps.config.statedir), present: files.overlay },
      lastBuild: rows[0] ?? null,
    };
  });

  app.get('/info/system', { schema: { summary: 'Version, paths, database and registry totals', response: { 200: SystemOut } } }, async () => {
    const r = await registryTotals(deps.db);
    return {
      version: deps.version,
      pid: process.pid,
      host: hostname(),
      node: process.version,
      statedir: deps.config.statedir,
      database: deps.db.kind,
      startedAt: deps.startedAt,
      nodes: r.nodes,
      groups: r.groups,
      vnfs: r.vnfs,
      imageTransfers: deps.imageTransfers?.stats() ?? null,
    };
  });
}
