/**
 * A directory source (a chroot from debootstrap, mmdebstrap, dnf --installroot) copied into
 * staging with `cp -a --reflink=auto`: GNU cp already keeps everything an image holds — owners,
 * modes with setuid, times, hard links within the tree, symlinks as they are, device nodes, FIFOs,
 * xattrs — and shares extents on btrfs/xfs instead of copying; a walk of our own would redo that
 * with more system calls from JavaScript. A source holding the staging area (the statedir, /)
 * would copy into itself: refused.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { MusterError } from '../../errors.js';
import { invalid } from './errors.js';
import { runTool } from './tool.js';

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);

export async function copyDirectory(src: string, staging: string, rootfs: string, signal?: AbortSignal): Promise<void> {
  const [from, to] = await Promise.all([realpath(src), realpath(staging)]);
  if (within(to, from)) throw invalid(`${src} holds muster's own staging directory (is it the statedir?); import an image's root directory`);
  if (within(from, to)) throw invalid(`${src} lies inside muster's staging directory`);
  await mkdir(rootfs);
  await runTool(
    'cp',
    ['-a', '--reflink=auto', '--', `${from}/.`, `${rootfs}/`],
    (why) => new MusterError('IMAGE_IMPORT_FAILED', `copying ${src} failed (${why})`),
    {
      signal,
    },
  );
}
