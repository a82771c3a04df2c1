/**
 * Issue 10 item 2, directory imports (a chroot built with debootstrap, mmdebstrap, dnf
 * --installroot): copied into staging keeping everything, xattrs too; a source that holds the
 * staging area (the statedir) or does not exist is refused.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { unpackSource } from '../../../src/images/index.js';
import { requireOrSkip } from '../../helpers/require.js';
import { buildTree, describeTree } from '../../helpers/rootfs-tree.js';

let dir: string;

// Node has no xattr calls; Python's os.setxattr/getxattr stand in.
const xattr = (file: string, value?: string) =>
  execa('python3', [
    '-c',
    `import os,sys\nif len(sys.argv) > 2: os.setxattr(sys.argv[1], 'user.muster', sys.argv[2].encode())\nprint(os.getxattr(sys.argv[1], 'user.muster').decode())`,
    file,
    ...(value ? [value] : []),
  ]);
const noXattr = async () =>
  (await execa('python3', ['-c', 'import os; os.getxattr'], { reject: false })).exitCode === 0 ? null : 'needs python3 (to set an xattr)';

const xattrSkip = requireOrSkip(await noXattr());

describe('unpackSource: directories', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-src-dir-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a chroot is copied whole: types, modes, owners, times, links, devices', async () => {
    const tree = join(dir, 'chroot');
    await mkdir(tree);
    await buildTree(tree);
    const staging = join(dir, 'staging');
    assert.deepEqual(await unpackSource(tree, staging), { kind: 'dir', nodescriptStates: [] });
    assert.deepEqual(await describeTree(join(staging, 'rootfs')), await describeTree(tree));
  });

  it('xattrs are kept', { skip: xattrSkip }, async () => {
    const tree = join(dir, 'xattrs');
    await mkdir(tree);
    await writeFile(join(tree, 'capable'), 'x');
    await xattr(join(tree, 'capable'), 'kept');
    const staging = join(dir, 'staging-x');
    await unpackSource(tree, staging);
    assert.equal((await xattr(join(staging, 'rootfs/capable'))).stdout, 'kept');
  });

  it('a source holding the staging area (the statedir) is refused', async () => {
    const statedir = join(dir, 'state');
    await mkdir(join(statedir, 'vnfs/.staging'), { recursive: true });
    await assert.rejects(unpackSource(statedir, join(statedir, 'vnfs/.staging/1')), {
      code: 'IMAGE_SOURCE_INVALID',
      message: /holds muster's own staging directory \(is it the statedir\?\)/,
    });
  });

  it('a source that does not exist, or is neither a directory nor a file', async () => {
    await assert.rejects(unpackSource(join(dir, 'nowhere'), join(dir, 's1')), { code: 'IMAGE_SOURCE_NOT_FOUND', message: /nowhere does not exist$/ });
    await assert.rejects(unpackSource('/dev/null', join(dir, 's2')), { code: 'IMAGE_SOURCE_INVALID', message: /neither a directory nor an archive file/ });
  });
});
