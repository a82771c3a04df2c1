import type { Command } from 'commander';
import { verb } from '../select.js';
import { fetchModules } from './shared.js';

/** `module summary [GLOB…]`: Perceus's `<module>:` then a tab-indented line per active role. */
export function command(product: string): Command {
  return verb('summary', 'Show list of modules and activated provisionary states', product, async (cli, args) => {
    const mods = await fetchModules(cli, args);
    if (cli.g.json) return cli.json(mods);
    for (const m of mods) {
      cli.data(`${m.name}:`);
      for (const role of m.roles) cli.data(`\t${role}`);
    }
  }).argument('[globs...]', 'module name globs (* and ?)');
}
