/**
 * What keeps an unpacked archive inside its directory. Member paths are already relative and free
 * of `..` (src/tar refuses those); what is left is the filesystem itself: a symlink or a file met on
 * the way to a member (the classic `x -> /etc` then `x/passwd`), and link targets. Directories
 * checked once are remembered, and forgotten when a later member replaces or deletes them.
 */
import type { Stats } from 'node:fs';
import { lstatSync, mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { invalid, unsafe } from './errors.js';

/**
 * The unpacker's per-member calls are synchronous: each is a few microseconds of system call,
 * while through libuv's thread pool every one costs a round trip, which made a 55,000-file tree
 * unpack 9× slower than GNU tar. File data, the long part, is still written asynchronously.
 */
export function lstatOrNull(path: string): Stats | null {
  return lstatSync(path, { throwIfNoEntry: false }) ?? null;
}

export class Guard {
  /** paths (relative to dest) known to be real directories */
  private readonly dirs = new Set<string>();
  constructor(readonly dest: string) {}

  abs(path: string): string {
    return path === '' ? this.dest : join(this.dest, path);
  }

  /**
   * Every parent of `path` is a real directory: a missing one is made (as tar does) when `create`,
   * else the answer is false; a symlink or a non-directory on the way is refused.
   * `made` hears of each directory made.
   */
  async parents(path: string, create: boolean, made?: (dir: string) => void): Promise<boolean> {
    const parts = path.split('/');
    let rel = '';
    for (const part of parts.slice(0, -1)) {
      rel = rel === '' ? part : `${rel}/${part}`;
      if (this.dirs.has(rel)) continue;
      const st = lstatOrNull(this.abs(rel));
      if (st === null) {
        if (!create) return false;
        mkdirSync(this.abs(rel), { mode: 0o755 });
        made?.(rel);
      } else if (st.isSymbolicLink()) throw unsafe(`member '${path}' would be written through the symlink '${rel}'`);
      else if (!st.isDirectory()) throw invalid(`member '${path}' lies beneath '${rel}', which is not a directory`);
      this.dirs.add(rel);
    }
    return true;
  }

  /** `path` (and what was below it) is no longer known to be a directory. */
  forget(path: string): void {
    this.dirs.delete(path);
    const below = `${path}/`;
    for (const d of this.dirs) if (d.startsWith(below)) this.dirs.delete(d);
  }
}

/**
 * A relative symlink target must not climb above `top` (the image root), read from the link's own
 * directory; an absolute target is normal in an image (it means the image's own path).
 */
export function checkSymlink(path: string, target: string, top: string): void {
  if (target === '') throw invalid(`symlink '${path}' has an empty target`);
  if (target.startsWith('/')) return;
  const where = posix
    .dirname(inside(path, top))
    .split('/')
    .filter((p) => p !== '.' && p !== '');
  for (const step of target.split('/')) {
    if (step === '' || step === '.') continue;
    if (step !== '..') where.push(step);
    else if (where.pop() === undefined) throw unsafe(`symlink '${path}' -> '${target}' climbs above the image root`);
  }
}

/** `path` relative to `top` ('' is the whole archive); a path outside `top` is refused. */
export function inside(path: string, top: string): string {
  if (top === '') return path;
  if (path === top) return '';
  if (!path.startsWith(`${top}/`)) throw unsafe(`'${path}' lies outside '${top}/'`);
  return path.slice(top.length + 1);
}
