/**
 * Issue 10 item 2, tarball imports: a rootfs tarball, plain or compressed with gzip, zstd or
 * bzip2 (told by magic bytes, whatever the name says), unpacks to the same tree — owners, modes
 * with setuid, mtimes, symlinks, hard links, device nodes, FIFOs, long and non-ASCII names — with
 * progress in bytes of the file read.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { type UnpackProgress, unpackSource } from '../../../src/images/index.js';
import { buildTarball, type Compress } from '../../helpers/image-sources.js';
import { requireOrSkip } from '../../helpers/require.js';
import { buildTree, describeTree, LONG } from '../../helpers/rootfs-tree.js';

async function missing(): Promise<string | null> {
  for (const tool of ['zstd', 'bzip2']) if ((await execa(tool, ['--help'], { reject: false })).exitCode === undefined) return `needs ${tool}`;
  return null;
}
const skip = requireOrSkip(await missing());

describe('unpackSource: tarballs', { skip }, () => {
  let dir: string;
  let tree: string;
  let want: Awaited<ReturnType<typeof describeTree>>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-src-tar-'));
    tree = join(dir, 'tree');
    await mkdir(tree);
    await buildTree(tree);
    want = await describeTree(tree);
    assert.ok(
      want[`${LONG}/deep`] && want['sbin/tool-b']?.links?.length === 2 && want['usr/bin/tool']?.mode === 0o4755,
      'the fixture has what the test is about',
    );
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Each file named for some other compression: only the magic bytes can tell.
  const cases: [Compress | undefined, string][] = [
    [undefined, 'plain.tar.gz'],
    ['gzip', 'gzip.tar.zst'],
    ['zstd', 'zstd.tgz'],
    ['bzip2', 'bzip2.tar'],
  ];
  for (const [compress, name] of cases) {
    it(`${compress ?? 'uncompressed'} (named ${name}): the same tree, kind 'tar', progress up to the file's size`, async () => {
      const file = join(dir, name);
      await buildTarball(tree, file, compress);
      const staging = join(dir, `staging-${name}`);
      const seen: UnpackProgress[] = [];
      const got = await unpackSource(file, staging, { onProgress: (p) => seen.push(p) });
      assert.deepEqual(got, { kind: 'tar', nodescriptStates: [] });
      assert.deepEqual(await describeTree(join(staging, 'rootfs')), want);
      const size = (await stat(file)).size;
      assert.deepEqual(seen.at(-1), { phase: 'unpack', done: size, total: size });
      assert.ok(seen.every((p) => p.done <= size));
    });
  }

  it('the archive root member gives the rootfs its mode; directory times are restored', async () => {
    const file = join(dir, 'times.tar');
    await buildTarball(tree, file);
    const staging = join(dir, 'staging-times');
    await unpackSource(file, staging);
    const [a, b] = await Promise.all([stat(join(tree, 'etc')), stat(join(staging, 'rootfs', 'etc'))]);
    assert.equal(Math.floor(b.mtimeMs / 1000), Math.floor(a.mtimeMs / 1000));
    assert.equal((await stat(join(staging, 'rootfs'))).mode & 0o7777, (await stat(tree)).mode & 0o7777);
  });

  it('a 1 GiB file streams through bounded memory (zstd through the process runner)', async () => {
    const big = join(dir, 'big');
    await mkdir(big);
    await execa('truncate', ['-s', '1G', join(big, 'zeros')]);
    const file = join(dir, 'big.tar.zst');
    await buildTarball(big, file, 'zstd');
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      await unpackSource(file, join(dir, 'staging-big'));
    } finally {
      clearInterval(sample);
    }
    assert.equal((await stat(join(dir, 'staging-big/rootfs/zeros'))).size, 1024 ** 3);
    assert.ok(peak - before < 150 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MiB`);
    await rm(join(dir, 'staging-big'), { recursive: true });
  });
});
