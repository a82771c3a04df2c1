import type { Command } from 'commander';
import { inBatches } from '../batches.js';
import { confirmList, type ApiSelection } from '../format.js';
import { exactly, foldNames, noNodes, patternHelp, select, verb, type Noun } from '../select.js';

/** `node delete PATTERN…` / `group delete GROUP…`: confirm, then remove (in batches, with progress). */
export function command(noun: Noun, product: string): Command {
  return verb('delete', 'Delete nodes', product, async (cli, args) => {
    const sel = await select(cli, noun, args);
    if (sel.nodes.length === 0) throw noNodes();
    if (!(await cli.confirm(`${confirmList(sel.nodes)}\n\nAre you sure you wish to delete ${sel.nodes.length} nodes from ${product}?`))) {
      return cli.info('Nothing deleted.');
    }
    const client = await cli.client();
    const missing: string[] = [];
    const nodes = await inBatches(cli, 'deleting nodes', 'deleted', sel.nodes, async (batch) => {
      const done = await client.post<ApiSelection>('/nodes/delete', exactly(batch));
      missing.push(...done.missing);
      return done.nodes;
    });
    if (cli.g.json) return cli.json({ nodes, missing });
    cli.info(`'${nodes.length}' nodes have been deleted: ${foldNames(nodes.map((n) => n.name))}`);
  })
    .argument(noun === 'group' ? '<groups...>' : '<nodes...>')
    .addHelpText('after', patternHelp(noun));
}
