import type { Command } from 'commander';
import { formatBytes } from '../progress.js';
import { verb } from '../select.js';
import { masterPath } from './shared.js';

/** `vnfs export NAME FILE`: a Perceus capsule (bzip2 tar of config, rootfs/, nodescripts/, hooks) on the master. */
export function command(product: string): Command {
  return verb('export', 'Write a VNFS as a Perceus capsule file', product, async (cli, args) => {
    const [name, file] = args as [string, string];
    const done = await (await cli.client()).post<{ file: string; size: number }>(`/vnfs/${encodeURIComponent(name)}/export`, { file: masterPath(file) });
    if (cli.g.json) return cli.json(done);
    cli.info(`VNFS '${name}' exported to ${done.file} (${formatBytes(done.size)})`);
  })
    .argument('<name>')
    .argument('<file>', 'the capsule to write, e.g. NAME.vnfs');
}
