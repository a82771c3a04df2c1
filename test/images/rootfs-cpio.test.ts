/**
 * Issue 10 (image library), the artifact builder: a rootfs becomes vnfs.img, a gzip-compressed
 * newc cpio, and GNU cpio (the peer) unpacks it back to the same tree — device nodes, FIFOs, hard
 * links, symlinks, setuid/sticky bits, owners, mtimes, long and non-ASCII names. The same tree
 * gives the same sha256, wherever it sits and in whatever order the disk lists it; a failed build
 * leaves the previous artifact and no temporary file.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, chown, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { writeRootfsImage } from '../../src/images/index.js';
import { requireOrSkip } from '../helpers/require.js';

async function missing(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'needs root (device nodes and owners in the test tree)';
  const r = await execa('cpio', ['--version'], { reject: false });
  return r.exitCode === 0 ? null : 'needs GNU cpio (Debian package cpio)';
}

const skip = requireOrSkip(await missing());
const LONG = ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)].join('/');

/** A small root filesystem with every kind of entry an image holds. */
async function buildTree(root: string): Promise<void> {
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
  await execa('mknod', [join(root, 'dev/null'), 'c', '1', '3']);
  await execa('mknod', [join(root, 'dev/loop9'), 'b', '7', '9']);
  await execa('mkfifo', [join(root, 'dev/initctl')]);
  await file(`${LONG}/deep`, 'deep\n');
  await file('srv/héllo wörld/ünïcode', 'ü\n');
  await chown(join(root, 'etc/hostname'), 1234, 5678);
  await utimes(join(root, 'etc/hostname'), 1_600_000_000, 1_600_000_000);
}

interface Seen {
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

/** Everything newc carries about each path of a tree. */
async function describeTree(root: string): Promise<Record<string, Seen>> {
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

async function unpack(image: string, into: string): Promise<void> {
  await mkdir(into);
  const cpio = execa('cpio', ['-idm', '--no-absolute-filenames', '--quiet'], { cwd: into, stdin: 'pipe' });
  await pipeline(createReadStream(image), createGunzip(), cpio.stdin!);
  await cpio;
}

describe('vnfs.img: a rootfs as reproducible gzip-compressed newc cpio', { skip }, () => {
  let dir: string;
  let root: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-img-'));
    root = join(dir, 'rootfs');
    await mkdir(root);
    await buildTree(root);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('GNU cpio unpacks it to the same tree: types, modes, owners, mtimes, devices, links, long and non-ASCII names', async () => {
    const image = join(dir, 'vnfs.img');
    const art = await writeRootfsImage(root, image);
    assert.equal(art.size, (await lstat(image)).size);
    assert.equal(
      art.sha256,
      createHash('sha256')
        .update(await readFile(image))
        .digest('hex'),
    );
    await unpack(image, join(dir, 'out'));
    const want = await describeTree(root);
    assert.ok(want[`${LONG}/deep`] && want['sbin/tool-b']?.links?.length === 2, 'the fixture has what the test is about');
    assert.deepEqual(await describeTree(join(dir, 'out')), want);
  });

  it('the same tree gives the same sha256: built twice, and copied elsewhere with cp -a', async () => {
    const a = await writeRootfsImage(root, join(dir, 'a.img'));
    const b = await writeRootfsImage(root, join(dir, 'b.img'));
    await execa('cp', ['-a', root, join(dir, 'copy')]);
    const c = await writeRootfsImage(join(dir, 'copy'), join(dir, 'c.img'));
    assert.equal(b.sha256, a.sha256);
    assert.equal(c.sha256, a.sha256);
    await writeFile(join(dir, 'copy', 'etc/hostname'), 'other\n');
    await utimes(join(dir, 'copy', 'etc/hostname'), 1_600_000_000, 1_600_000_000);
    assert.notEqual((await writeRootfsImage(join(dir, 'copy'), join(dir, 'd.img'))).sha256, a.sha256, 'a changed file changes the image');
  });

  it('a failed build leaves the previous artifact as it was and no temporary file', async () => {
    const image = join(dir, 'keep.img');
    const first = await writeRootfsImage(root, image);
    await assert.rejects(writeRootfsImage(join(dir, 'no-such-rootfs'), image), /ENOENT/);
    assert.equal(
      createHash('sha256')
        .update(await readFile(image))
        .digest('hex'),
      first.sha256,
    );
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });
});
