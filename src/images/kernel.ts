/**
 * The kernel an image boots: the one named with `--kernel PATH` (a path inside the image), else
 * the newest `/boot/vmlinuz-<version>` by version order (6.1.0-18 after 6.1.0-9), as Warewulf
 * and Debian's own /vmlinuz link pick it.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MusterError } from '../errors.js';
import { naturalCompare } from '../hostlist/index.js';
import { resolveInImage } from './in-image.js';

export interface ImageKernel {
  /** The kernel file on the master (symlinks resolved inside the image). */
  file: string;
  /** From the file's name once symlinks are resolved (`vmlinuz-<version>`), or null when it has none. */
  version: string | null;
}

const PREFIX = 'vmlinuz-';

async function regularFile(root: string, path: string): Promise<string | null> {
  const file = await resolveInImage(root, path);
  if (file === null) return null;
  return (await stat(file)).isFile() ? file : null;
}

export async function findKernel(root: string, explicit?: string): Promise<ImageKernel> {
  if (explicit !== undefined) {
    const file = await regularFile(root, explicit);
    if (file === null) throw new MusterError('IMAGE_KERNEL_NOT_FOUND', `--kernel ${explicit}: no such file in the image`);
    const base = basename(file);
    return { file, version: base.startsWith(PREFIX) ? base.slice(PREFIX.length) : null };
  }
  const names = await readdir(join(root, 'boot')).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [] as string[];
    throw err;
  });
  const versions = names
    .filter((n) => n.startsWith(PREFIX) && n.length > PREFIX.length)
    .map((n) => n.slice(PREFIX.length))
    .sort(naturalCompare)
    .reverse();
  for (const version of versions) {
    const file = await regularFile(root, `boot/${PREFIX}${version}`);
    if (file !== null) return { file, version };
  }
  throw new MusterError(
    'IMAGE_KERNEL_NOT_FOUND',
    'the image has no kernel: no /boot/vmlinuz-<version> (install a kernel package in it, e.g. linux-image-amd64, or name one with --kernel PATH)',
  );
}
