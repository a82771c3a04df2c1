import type { Command } from 'commander';
import { verb } from '../select.js';
import type { ApiNode } from '../format.js';

/**
 * `node replace OLD NEW` (Perceus): the hardware NEW (a registered node, or an unregistered
 * NodeID) takes over OLD's name and every field; OLD's NodeID is removed.
 */
export function command(product: string): Command {
  return verb('replace', "Move a node's identity to new hardware", product, async (cli, args) => {
    const [oldNode, newNode] = args as [string, string];
    if (!(await cli.confirm(`Are you sure you wish to replace node '${oldNode}' with '${newNode}'?`))) return cli.info('Nothing replaced.');
    const client = await cli.client();
    const { node } = await client.post<{ node: ApiNode }>('/nodes/replace', { old: oldNode, new: newNode, nodeid: cli.g.nodeid ?? false });
    if (cli.g.json) return cli.json(node);
    cli.info(`Node '${node.name}' is now ${node.mac.toUpperCase()}`);
  })
    .argument('<old>', 'the node being replaced (name, or NodeID with -i)')
    .argument('<new>', 'the replacement: a registered node name or a NodeID');
}
