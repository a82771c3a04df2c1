/**
 * Issue 10 (image library), the artifact builder: a rootfs becomes vnfs.img, a gzip-compressed
 * newc cpio, and GNU cpio (the peer) unpacks it back to the same tree — device nodes, FIFOs, hard
 * links, symlinks, setuid/sticky bits, owners, mtimes, long and non-ASCII names. The same tree
 * gives the same sha256, wherever it sits and in whatever order the disk lists it; a failed build
 * leaves the previous artifact and no temporary file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { writeRootfsImage } from '../../src/images/index.js';
import { requireOrSkip } from '../helpers/require.js';
import { buildTree, describeTree, LONG } from '../helpers/rootfs-tree.js';

async function missing(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'needs root (device nodes and owners in the test tree)';
  const r = await execa('cpio', ['--version'], { reject: false });
  return r.exitCode === 0 ? null : 'needs GNU cpio (Debian package cpio)';
}

const skip = requireOrSkip(await missing());
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
