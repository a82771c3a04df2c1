import type { Command } from 'commander';
import { verb } from '../select.js';
import { label, type ApiModule } from './shared.js';

/** `module delete MODULE`: confirm, then deactivate it everywhere and remove it (as Perceus does). */
export function command(product: string): Command {
  return verb('delete', 'Delete a module from ' + product, product, async (cli, args) => {
    const name = args[0]!;
    if (!(await cli.confirm(`   ${name}\n\nAre you sure you wish to delete the given ${label(cli)}(s)?`))) return cli.info('Nothing deleted.');
    const done = await (await cli.client()).post<{ module: ApiModule; roles: string[] }>(`/modules/${encodeURIComponent(name)}/delete`, {});
    if (cli.g.json) return cli.json(done);
    cli.data(`${label(cli)} '${name}' has been deleted`);
  }).argument('<module>');
}
