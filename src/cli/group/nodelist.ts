import type { Command } from 'commander';
import { byGroupThenName } from '../format.js';
import { noNodes, select, verb } from '../select.js';

/** `group nodelist [GROUP…]`: `<group>:` then the group's nodes indented. */
export function command(product: string): Command {
  return verb('nodelist', 'List the nodes of each group', product, async (cli, args) => {
    const sel = await select(cli, 'group', args);
    if (sel.nodes.length === 0) throw noNodes();
    const groups = new Map<string, string[]>();
    for (const n of byGroupThenName(sel.nodes)) (groups.get(n.group) ?? groups.set(n.group, []).get(n.group)!).push(n.name);
    if (cli.g.json) return cli.json(Object.fromEntries(groups));
    for (const [g, names] of groups) {
      cli.data(`${g}:`);
      for (const n of names) cli.data(`   ${n}`);
    }
  }).argument('[groups...]');
}
