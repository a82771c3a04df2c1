import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EXPORT_FORMATS, renderExport } from '../exports/index.js';
import type { PluginOpts } from './deps.js';
import { resolveSelection } from './select.js';
import { SelectQuery } from './schemas/nodes.js';

/** /api/v1/export/<format>: the registry as dnsmasq, ethers or hosts text. */
export async function exportRoutes(app: FastifyInstance, { deps }: PluginOpts): Promise<void> {
  app.get(
    '/export/:format',
    {
      schema: {
        summary: 'The registry as dnsmasq dhcp-host lines, /etc/ethers or /etc/hosts text',
        params: z.object({ format: z.enum(EXPORT_FORMATS) }),
        querystring: SelectQuery,
        response: { 200: z.string() },
      },
    },
    async (req, reply) => {
      const { format } = req.params as { format: (typeof EXPORT_FORMATS)[number] };
      const q = req.query as z.infer<typeof SelectQuery>;
      const sel = await resolveSelection(deps.db, { patterns: q.n, nodeid: q.nodeid, groups: q.group });
      return reply.type('text/plain; charset=utf-8').serializer((s: unknown) => s as string).send(renderExport(format, sel.nodes, deps.config.dhcpDomain));
    },
  );
}
