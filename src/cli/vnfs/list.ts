import type { Command } from 'commander';
import { verb } from '../select.js';
import type { ApiImage } from './shared.js';

/** `vnfs list`: one image per line — name, current revision, nodes set to it. */
export function command(product: string): Command {
  return verb('list', 'List the VNFS images', product, async (cli) => {
    const { images } = await (await cli.client()).get<{ images: ApiImage[] }>('/vnfs');
    if (cli.g.json) return cli.json({ images });
    if (images.length === 0) return cli.info('no VNFS images (muster vnfs import SRC NAME adds one)');
    const w = Math.max(4, ...images.map((i) => i.name.length));
    cli.data(`${'NAME'.padEnd(w)}  REVISION  NODES  SOURCE`);
    for (const i of images) cli.data(`${i.name.padEnd(w)}  ${String(i.current ?? '-').padEnd(8)}  ${String(i.nodes).padEnd(5)}  ${i.source}`);
  });
}
