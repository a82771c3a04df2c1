import type { Command } from 'commander';
import { verb } from '../select.js';
import { fetchModules } from './shared.js';

/** `module states [GLOB…]`: Perceus's `<role>:` then `   <module>` for each module active in it. */
export function command(product: string): Command {
  return verb('states', 'Show list of modules by their activated provisionary state', product, async (cli, args) => {
    // Modules come sorted, so each role's list is too; roles are ASCII, where sort() is Perl's byte order.
    const byRole = new Map<string, string[]>();
    for (const m of await fetchModules(cli, args)) for (const role of m.roles) byRole.set(role, [...(byRole.get(role) ?? []), m.name]);
    const roles = [...byRole.keys()].sort();
    if (cli.g.json) return cli.json(Object.fromEntries(roles.map((r) => [r, byRole.get(r)])));
    for (const role of roles) {
      cli.data(`${role}:`);
      for (const name of byRole.get(role)!) cli.data(`   ${name}`);
    }
  }).argument('[globs...]', 'module name globs (* and ?)');
}
