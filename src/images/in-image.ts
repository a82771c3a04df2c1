/**
 * Paths inside an image's root filesystem, resolved as the image's own kernel would see them:
 * symlinks are followed against the image root (an absolute target such as Debian's
 * `/vmlinuz -> boot/vmlinuz-6.1.0-18-amd64`, or `/boot/x -> /usr/lib/x`, means the image's path,
 * never the master's), and `..` never climbs above the root.
 */
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MusterError } from '../errors.js';

/** Linux's own limit on symlinks followed in one lookup. */
const MAX_SYMLINKS = 40;

/** The host path of `path` (inside the image) after every symlink on the way; null if it does not exist. */
export async function resolveInImage(root: string, path: string): Promise<string | null> {
  const todo = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let followed = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    const st = await lstat(host).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
      throw err;
    });
    if (st === null) return null;
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++followed > MAX_SYMLINKS) throw new MusterError('IMAGE_INVALID', `${path}: more than ${MAX_SYMLINKS} symlinks inside the image (a loop?)`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    todo.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
  }
  return join(root, ...done);
}
