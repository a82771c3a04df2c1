import type { Command } from 'commander';
import { verb } from '../select.js';
import type { ApiImage } from './shared.js';

/**
 * `vnfs delete NAME`: refused while nodes are set to it unless -y (then after a confirmation
 * only off -y), and always while a node is booting it.
 */
export function command(product: string): Command {
  return verb('delete', 'Delete a VNFS and its files', product, async (cli, args) => {
    const name = args[0]!;
    const client = await cli.client();
    const { image } = await client.get<{ image: ApiImage }>(`/vnfs/${encodeURIComponent(name)}`);
    const used = image.nodes > 0 ? ` (the vnfs of ${image.nodes} node(s))` : '';
    if (!(await cli.confirm(`   ${name}${used}\n\nAre you sure you wish to delete the given VNFS?`))) return cli.info('Nothing deleted.');
    const done = await client.post<{ image: ApiImage }>(`/vnfs/${encodeURIComponent(name)}/delete`, { yes: cli.g.yes === true });
    if (cli.g.json) return cli.json(done);
    cli.info(`VNFS '${name}' has been deleted`);
  }).argument('<name>');
}
