import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addNodes, deleteNodes, parseMac, replaceNode, resolveSetKey, selectNodes, setNodes, tryParseMac } from '../nodes/index.js';
import { MusterError } from '../errors.js';
import type { PluginOpts } from './deps.js';
import { sendJson } from './json-stream.js';
import { resolveSelection } from './select.js';
import { checkSetting } from './setting-checks.js';
import { AddBody, NodeOut, ReplaceBody, SelectBody, SelectionBody, SelectionOut, SelectQuery, SetBody, SetOut } from './schemas/nodes.js';

const AddedOut = z.object({ nodes: z.array(NodeOut) });

/** /api/v1/nodes: the node registry. */
export async function nodesRoutes(app: FastifyInstance, { deps }: PluginOpts): Promise<void> {
  const { db } = deps;

  app.get(
    '/nodes',
    { schema: { summary: 'Select nodes by names, ranges, globs, NodeIDs or groups', querystring: SelectQuery, response: { 200: SelectionOut } } },
    async (req, reply) => {
      const q = req.query as z.infer<typeof SelectQuery>;
      return sendJson(reply, SelectionOut, await resolveSelection(db, { patterns: q.n, nodeid: q.nodeid, groups: q.group }));
    },
  );

  app.post(
    '/nodes/select',
    {
      schema: {
        summary: 'Select nodes as GET /nodes does, the selection in the body (any number of names)',
        body: SelectionBody,
        response: { 200: SelectionOut },
      },
    },
    async (req, reply) => sendJson(reply, SelectionOut, await resolveSelection(db, req.body as z.infer<typeof SelectionBody>)),
  );

  app.post('/nodes', { schema: { summary: 'Add nodes (all or none)', body: AddBody, response: { 201: AddedOut } } }, async (req, reply) => {
    const body = req.body as z.infer<typeof AddBody>;
    const nodes = await addNodes(db, body.nodes, deps.config.defaults);
    return sendJson(reply.code(201), AddedOut, { nodes });
  });

  app.post('/nodes/set', { schema: { summary: 'Set one field on the selected nodes', body: SetBody, response: { 200: SetOut } } }, async (req, reply) => {
    const body = req.body as z.infer<typeof SetBody>;
    const key = resolveSetKey(body.key);
    const warnings = await checkSetting(deps, key, body.value);
    const sel = await resolveSelection(db, body.select);
    const nodes = await setNodes(
      db,
      sel.nodes.map((n) => n.mac),
      key,
      body.value,
    );
    return sendJson(reply, SetOut, { nodes, missing: sel.missing, warnings });
  });

  app.post('/nodes/delete', { schema: { summary: 'Delete the selected nodes', body: SelectBody, response: { 200: SelectionOut } } }, async (req, reply) => {
    const sel = await resolveSelection(db, req.body as z.infer<typeof SelectBody>);
    const nodes = await deleteNodes(
      db,
      sel.nodes.map((n) => n.mac),
    );
    return sendJson(reply, SelectionOut, { nodes, missing: sel.missing });
  });

  app.post(
    '/nodes/replace',
    { schema: { summary: 'New hardware takes over a node (Perceus node replace)', body: ReplaceBody, response: { 200: z.object({ node: NodeOut }) } } },
    async (req) => {
      const body = req.body as z.infer<typeof ReplaceBody>;
      const old = await selectNodes(db, [body.old], { byMac: body.nodeid });
      if (old.nodes.length !== 1) throw new MusterError('NODE_NOT_FOUND', `node '${body.old}' does not exist`);
      const newMac = body.nodeid ? parseMac(body.new) : tryParseMac(body.new);
      const node = await replaceNode(db, old.nodes[0]!.mac, newMac ? { mac: newMac } : { name: body.new });
      return { node };
    },
  );
}
