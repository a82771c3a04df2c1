import type { Command } from 'commander';
import { verb } from '../select.js';

interface Groups {
  groups: Array<{ group: string; nodes: number }>;
}

/** `group list`: the sorted group names. */
export function command(product: string): Command {
  return verb('list', 'List groups', product, async (cli) => {
    const { groups } = await (await cli.client()).get<Groups>('/groups');
    if (cli.g.json) return cli.json(groups);
    for (const g of groups) cli.data(g.group);
  });
}
