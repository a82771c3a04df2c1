import type { Command } from 'commander';
import { verb } from '../select.js';
import { streamImport } from './shared.js';

/** `vnfs clone NAME NEW`: a copy of the image's rootfs and capsule files, built as NEW. */
export function command(product: string): Command {
  return verb('clone', 'Copy a VNFS under a new name', product, async (cli, args) => {
    const [name, to] = args as [string, string];
    await streamImport(cli, `/vnfs/${encodeURIComponent(name)}/clone`, { to }, `cloning ${name} to ${to}`);
  })
    .argument('<name>')
    .argument('<new>');
}
