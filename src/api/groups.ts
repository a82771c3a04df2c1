import type { FastifyInstance } from 'fastify';
import { listGroups } from '../nodes/index.js';
import type { PluginOpts } from './deps.js';
import { GroupsOut } from './schemas/nodes.js';

/** /api/v1/groups: groups are implicit (a node's group field); node verbs take `group=` selections. */
export async function groupsRoutes(app: FastifyInstance, { deps }: PluginOpts): Promise<void> {
  app.get('/groups', { schema: { summary: 'Groups and their node counts', response: { 200: GroupsOut } } }, async () => ({
    groups: await listGroups(deps.db),
  }));
}
