import type { Command } from 'commander';
import { ROLE_HELP } from '../../modules/index.js';
import { verb } from '../select.js';
import { label, type ApiModule } from './shared.js';

/** `module deactivate MODULE [ROLE…]` (or `disable`): remove exactly its links, default from every role it is active in. */
export function command(product: string): Command {
  return verb('deactivate', 'Deactivate a module in a particular provisionary state', product, async (cli, args) => {
    const [name, ...roles] = args as [string, ...string[]];
    const done = await (await cli.client()).post<{ module: ApiModule; roles: string[] }>(`/modules/${encodeURIComponent(name)}/deactivate`, { roles });
    if (cli.g.json) return cli.json(done);
    for (const role of done.roles) cli.info(`${label(cli)} '${name}' has been disabled in '${role}'`);
  })
    .alias('disable')
    .argument('<module>')
    .argument('[roles...]', 'default: every role it is active in')
    .addHelpText('after', `\nROLE: ${ROLE_HELP}.\n`);
}
