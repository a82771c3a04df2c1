import type { Command } from 'commander';
import { verb } from '../select.js';
import { streamImport } from './shared.js';

/** `vnfs rebuild NAME`: after editing statedir/vnfs/NAME/rootfs (or vnfs exec), a new revision from it. */
export function command(product: string): Command {
  return verb('rebuild', "Build a new revision from the VNFS's rootfs (after editing it)", product, async (cli, args, cmd) => {
    const name = args[0]!;
    const { kernel } = cmd.opts<{ kernel?: string }>();
    await streamImport(cli, `/vnfs/${encodeURIComponent(name)}/rebuild`, kernel ? { kernel } : {}, `rebuilding ${name}`);
  })
    .argument('<name>')
    .option('--kernel <path>', 'the kernel inside the image (default: the newest /boot/vmlinuz-*)');
}
