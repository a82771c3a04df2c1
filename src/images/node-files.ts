/**
 * muster's node-side boot files (src/images/node/: shell scripts read from the package, like the
 * provisiond client, so dist/ needs no copy) laid out in a staging tree under /.muster with the
 * static busybox they run on. The overlay and the discovery initramfs both start from this.
 */
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { writeRootfsImage, type Artifact } from './image-file.js';

export const NODE_FILES_DIR = join(PACKAGE_ROOT, 'src', 'images', 'node');

/** Where a file of the package goes in the initramfs, and its mode. */
type Placement = [from: string, to: string, mode: number];

const COMMON: Placement[] = [
  ['lib.sh', '.muster/lib.sh', 0o644],
  ['udhcpc.sh', '.muster/udhcpc.sh', 0o755],
];

/**
 * Builds the initramfs `dest` (gzip newc, atomically, every entry root's) from the common files,
 * `busybox`, the package files `extra` and whatever `fill` adds to the staging tree.
 */
export async function buildInitramfs(dest: string, busybox: string, extra: Placement[], fill?: (staging: string) => Promise<void>): Promise<Artifact> {
  // Staged beside dest: the same filesystem, and nothing of it is visible under a served name.
  const staging = await mkdtemp(join(dirname(dest), '.staging-'));
  try {
    const place = async (from: string, to: string, mode: number) => {
      await mkdir(dirname(join(staging, to)), { recursive: true, mode: 0o755 });
      await copyFile(from, join(staging, to));
      await chmod(join(staging, to), mode);
    };
    await place(busybox, '.muster/bin/busybox', 0o755);
    for (const [from, to, mode] of [...COMMON, ...extra]) await place(join(NODE_FILES_DIR, from), to, mode);
    await chmod(staging, 0o755);
    if (fill) await fill(staging);
    return await writeRootfsImage(staging, dest, { asRoot: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
