/**
 * A fixture root filesystem with every kind of entry an image holds, and a description of a tree
 * to compare two trees by (types, modes, owners, mtimes, contents, link targets, devices, hard-link
 * groups). Shared by the vnfs.img builder's tests and the import sources' tests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, link, lstat, mkdir, readdir, readFile, readlink, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** A path of 302 characters (components of 100): past ustar's 100-byte name and its 255-byte name+prefix. */
export const LONG = ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)].join('/');

/**
 * A small root filesystem with every kind of entry an image holds. Device nodes and foreign owners
 * need root: without it they are left out (a test that needs them skips with requireOrSkip).
 */
export async function buildTree(root: string): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const file = async (path: string, data: string | Buffer, mode = 0o644) => {
    await writeFile(join(root, path), data);
    await chmod(join(root, path), mode);
  };
  for (const d of ['etc', 'usr/bin', 'sbin', 'dev', 'tmp', LONG, 'srv/héllo wörld']) await mkdir(join(root, d), { recursive: true });
  await file('etc/hostname', 'node\n');
  await file('etc/empty', '');
  await file('usr/bin/big', randomBytes(3 * 1024 * 1024 + 3));
  await file('usr/bin/tool', '#!/bin/sh\necho tool\n', 0o4755);
  await link(join(root, 'usr/bin/tool'), join(root, 'sbin/tool-a'));
  await link(join(root, 'usr/bin/tool'), join(root, 'sbin/tool-b'));
  await chmod(join(root, 'tmp'), 0o1777);
  await symlink('usr/bin', join(root, 'bin'));
  await symlink('/nowhere/at/all', join(root, 'etc/dangling'));
  if (asRoot) {
    await execa('mknod', [join(root, 'dev/null'), 'c', '1', '3']);
    await execa('mknod', [join(root, 'dev/loop9'), 'b', '7', '9']);
  }
  await execa('mkfifo', [join(root, 'dev/initctl')]);
  await file(`${LONG}/deep`, 'deep\n');
  await file('srv/héllo wörld/ünïcode', 'ü\n');
  if (asRoot) await chown(join(root, 'etc/hostname'), 1234, 5678);
  await utimes(join(root, 'etc/hostname'), 1_600_000_000, 1_600_000_000);
}

export interface Seen {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  content?: string;
  target?: string;
  rdev?: number;
  /** The other paths of its hard-link group, sorted. */
  links?: string[];
}

/** Everything newc carries about each path of a tree (not directory or symlink times: unpacking touches those). */
export async function describeTree(root: string): Promise<Record<string, Seen>> {
  const out: Record<string, Seen> = {};
  const inodes = new Map<number, string[]>();
  const visit = async (below: string): Promise<void> => {
    for (const name of await readdir(join(root, below))) {
      const path = below ? `${below}/${name}` : name;
      const st = await lstat(join(root, path));
      const type = st.isDirectory()
        ? 'dir'
        : st.isSymbolicLink()
          ? 'symlink'
          : st.isFile()
            ? 'file'
            : st.isCharacterDevice()
              ? 'chr'
              : st.isBlockDevice()
                ? 'blk'
                : st.isFIFO()
                  ? 'fifo'
                  : 'other';
      const seen: Seen = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
      if (type === 'file')
        seen.content = createHash('sha256')
          .update(await readFile(join(root, path)))
          .digest('hex');
      if (type === 'symlink') {
        seen.target = await readlink(join(root, path));
        delete (seen as Partial<Seen>).mtime; // cpio cannot set a symlink's own time
      }
      if (type === 'chr' || type === 'blk') seen.rdev = st.rdev;
      if (type === 'file' && st.nlink > 1) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), path]);
      if (type === 'dir') delete (seen as Partial<Seen>).mtime; // unpacking a directory's contents touches it
      out[path] = seen;
      if (type === 'dir') await visit(path);
    }
  };
  await visit('');
  for (const group of inodes.values()) for (const p of group) out[p]!.links = group.filter((q) => q !== p).sort();
  return out;
}
