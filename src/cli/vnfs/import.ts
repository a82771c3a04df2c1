import { basename } from 'node:path';
import type { Command } from 'commander';
import { verb } from '../select.js';
import { masterPath, streamImport } from './shared.js';

/** A name from the source's file name: rocky9.tar.zst → rocky9, /srv/chroots/compute/ → compute. */
function defaultName(source: string): string {
  return basename(source.replace(/\/+$/, '')).replace(/\.(vnfs|tar|tgz|tar\.(gz|zst|bz2|xz)|oci|docker)$/i, '');
}

/** `vnfs import SRC [NAME]`: the daemon reads SRC (a path on the master) and builds a new revision. */
export function command(product: string): Command {
  return verb('import', 'Import a chroot directory, tarball, OCI image archive or Perceus capsule as a VNFS', product, async (cli, args, cmd) => {
    const source = masterPath(args[0]!);
    const name = args[1] ?? defaultName(source);
    const { kernel } = cmd.opts<{ kernel?: string }>();
    await streamImport(cli, '/vnfs/import', { name, source, ...(kernel ? { kernel } : {}) }, `importing ${name}`);
  })
    .argument('<source>', 'directory, .tar/.tar.gz/.tar.zst, docker/podman save or OCI layout archive, or NAME.vnfs capsule')
    .argument('[name]', 'the VNFS name (default: from the source file name)')
    .option('--kernel <path>', 'the kernel inside the image (default: the newest /boot/vmlinuz-*)');
}
