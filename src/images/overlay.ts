/**
 * The overlay initramfs that iPXE loads after a VNFS's vnfs.img (the kernel unpacks both into one
 * root): busybox at /.muster/bin/busybox and the /.muster/init wrapper, which the kernel runs with
 * `rdinit=/.muster/init`. It brings up the network, runs provisiond init against the master and
 * execs the image's own init; the image is never modified. Served from
 * statedir/bootenvs/vnfs/overlay.img.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Artifact } from './image-file.js';
import { buildInitramfs } from './node-files.js';

/** Where the overlay lives in the statedir (served as /files/bootenvs/vnfs/overlay.img). */
export const overlayPath = (statedir: string): string => join(statedir, 'bootenvs', 'vnfs', 'overlay.img');

/** The kernel argument that runs the overlay's init instead of the image's /init. */
export const OVERLAY_RDINIT = 'rdinit=/.muster/init';

export async function buildOverlay(dest: string, opts: { busybox: string }): Promise<Artifact> {
  await mkdir(dirname(dest), { recursive: true });
  return buildInitramfs(dest, opts.busybox, [['overlay-init.sh', '.muster/init', 0o755]]);
}
