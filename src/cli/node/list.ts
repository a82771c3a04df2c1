import type { Command } from 'commander';
import { naturalSort } from '../../hostlist/index.js';
import { noNodes, patternHelp, select, verb, type Noun } from '../select.js';

/** `node list [PATTERN…]`: one name per line, naturally sorted (Perceus printed hash order). */
export function command(noun: Noun, product: string): Command {
  return verb('list', 'List node names', product, async (cli, args) => {
    const sel = await select(cli, noun, args);
    if (sel.nodes.length === 0) throw noNodes();
    if (cli.g.json) return cli.json(sel.nodes.map((n) => n.name));
    for (const name of naturalSort(sel.nodes.map((n) => n.name))) cli.data(name);
  })
    .argument(noun === 'group' ? '[groups...]' : '[nodes...]')
    .addHelpText('after', patternHelp(noun));
}
