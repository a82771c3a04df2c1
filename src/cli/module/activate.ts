import type { Command } from 'commander';
import { ROLE_HELP } from '../../modules/index.js';
import { verb } from '../select.js';
import { label, showOutput, type ApiModule } from './shared.js';

/** `module activate MODULE [ROLE…]` (or `enable`): link it into the roles, default its defaultroles. */
export function command(product: string): Command {
  return verb('activate', 'Activate a module to run in a particular provisionary state', product, async (cli, args) => {
    const [name, ...roles] = args as [string, ...string[]];
    const done = await (await cli.client()).post<{ module: ApiModule; roles: string[]; output: string }>(`/modules/${encodeURIComponent(name)}/activate`, {
      roles,
    });
    if (cli.g.json) return cli.json(done);
    showOutput(cli, done.output);
    for (const role of done.roles) cli.info(`${label(cli)} '${name}' has been enabled in '${role}'`);
  })
    .alias('enable')
    .argument('<module>')
    .argument('[roles...]', 'default: the roles in its defaultroles file')
    .addHelpText('after', `\nROLE: ${ROLE_HELP}.\n`);
}
