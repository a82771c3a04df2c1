import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { EXPORT_FORMATS, renderExport } from '../exports/index.js';
import type { ApiDeps, PluginOpts } from './deps.js';
import { resolveSelection, type SelectSpec } from './select.js';
import { SelectionBody, SelectQuery } from './schemas/nodes.js';

const Params = z.object({ format: z.enum(EXPORT_FORMATS) });
type Format = z.infer<typeof Params>['format'];

/** /api/v1/export/<format>: the registry as dnsmasq, ethers or hosts text. */
export async function exportRoutes(app: FastifyInstance, { deps }: PluginOpts): Promise<void> {
  const summary = 'The registry as dnsmasq dhcp-host lines, /etc/ethers or /etc/hosts text';
  app.get('/export/:format', { schema: { summary, params: Params, querystring: SelectQuery, response: { 200: z.string() } } }, async (req, reply) => {
    const q = req.query as z.infer<typeof SelectQuery>;
    return sendExport(deps, reply, (req.params as { format: Format }).format, { patterns: q.n, nodeid: q.nodeid, groups: q.group });
  });
  // The same with the selection in the body: any number of names (a query string fails with 431).
  app.post(
    '/export/:format',
    { schema: { summary: `${summary}; the selection in the body`, params: Params, body: SelectionBody, response: { 200: z.string() } } },
    async (req, reply) => sendExport(deps, reply, (req.params as { format: Format }).format, req.body as z.infer<typeof SelectionBody>),
  );
}

async function sendExport(deps: ApiDeps, reply: FastifyReply, format: Format, spec: SelectSpec): Promise<FastifyReply> {
  const sel = await resolveSelection(deps.db, spec);
  return reply
    .type('text/plain; charset=utf-8')
    .serializer((s: unknown) => s as string)
    .send(renderExport(format, sel.nodes, deps.config.dhcpDomain));
}
