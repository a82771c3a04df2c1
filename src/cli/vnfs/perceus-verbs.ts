import type { Command } from 'commander';
import { MusterError } from '../../errors.js';
import { discover } from '../discover.js';
import { verb } from '../select.js';
import { streamImport } from './shared.js';

/**
 * Perceus's mount/umount/close. Perceus kept a VNFS "mounted" as a /mnt/<name> symlink to edit
 * the rootfs and rebuilt vnfs.img at umount. In muster the rootfs is always at
 * statedir/vnfs/<name>/rootfs, so mount only says where; umount rebuilds (its Perceus meaning);
 * close, which dropped the link without a rebuild, has nothing to do.
 */
export function commands(product: string): Command[] {
  const mount = verb('mount', 'Perceus: where to edit a VNFS (its rootfs is always there)', product, async (cli, args) => {
    const rootfs = `${(await discover(cli.g)).statedir}/vnfs/${args[0]!}/rootfs`;
    cli.data(rootfs);
    cli.info(`edit it there or with 'muster vnfs exec ${args[0]} -- CMD', then 'muster vnfs rebuild ${args[0]}' (or 'vnfs umount')`);
  }).argument('<name>');
  const umount = verb('umount', 'Perceus: rebuild the VNFS from its rootfs (muster vnfs rebuild)', product, async (cli, args) => {
    await streamImport(cli, `/vnfs/${encodeURIComponent(args[0]!)}/rebuild`, {}, `rebuilding ${args[0]}`);
  }).argument('<name>');
  const close = verb('close', 'Perceus: nothing to do (muster never mounts a VNFS)', product, async (_cli, args) => {
    throw new MusterError(
      'REQUEST_INVALID',
      `VNFS '${args[0]}' is never mounted in muster: edits go live with 'muster vnfs rebuild ${args[0]}', and unbuilt edits stay in its rootfs`,
    );
  }).argument('<name>');
  return [mount, umount, close];
}
