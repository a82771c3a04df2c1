import type { Command } from 'commander';
import { verb } from '../select.js';
import { fetchModules } from './shared.js';

/** `module list [GLOB…]`: the installed module names, sorted (installed, not necessarily active). */
export function command(product: string): Command {
  return verb('list', "List the installed modules (doesn't mean active!)", product, async (cli, args) => {
    const mods = await fetchModules(cli, args);
    if (cli.g.json) return cli.json(mods);
    for (const m of mods) cli.data(m.name);
  }).argument('[globs...]', 'module name globs (* and ?)');
}
