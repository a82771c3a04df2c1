import type { Command } from 'commander';
import { verb } from '../select.js';
import type { ApiImage } from './shared.js';

/** `vnfs rename NAME NEW`: nodes set to NAME follow. */
export function command(product: string): Command {
  return verb('rename', 'Rename a VNFS (nodes set to it follow)', product, async (cli, args) => {
    const [name, to] = args as [string, string];
    const done = await (await cli.client()).post<{ image: ApiImage }>(`/vnfs/${encodeURIComponent(name)}/rename`, { to });
    if (cli.g.json) return cli.json(done);
    cli.info(`VNFS '${name}' is now '${to}' (${done.image.nodes} node(s) follow it)`);
  })
    .argument('<name>')
    .argument('<new>');
}
