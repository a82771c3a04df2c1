/**
 * Issue 10 item 2, Perceus capsules: a `.vnfs` bzip2 tarball laid into staging as Perceus lays it
 * into statedir/vnfs/<name>/ (config honoured: KERNEL, KERNEL_ARGS; nodescripts/<state>/, or the
 * legacy top-level init/; hooks kept; built vnfs.img not taken), and refused without nodescripts
 * or with links that leave rootfs/. exportCapsule writes a capsule that imports again to a
 * byte-identical rootfs (the same vnfs.img sha256).
 */
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { exportCapsule, unpackSource, writeRootfsImage } from '../../../src/images/index.js';
import { buildCapsule } from '../../helpers/image-sources.js';
import { buildTree, describeTree } from '../../helpers/rootfs-tree.js';
import { tarBytes } from '../../helpers/tar-bytes.js';

let dir: string;
let tree: string;
let n = 0;
const fresh = () => join(dir, `staging-${++n}`);

describe('unpackSource: Perceus capsules, and exportCapsule', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-src-vnfs-'));
    tree = join(dir, 'tree');
    await mkdir(tree);
    await buildTree(tree);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const config = '# Perceus VNFS config\nKERNEL=/boot/vmlinuz-6.1.0-57-amd64\nKERNEL_ARGS="quiet console=ttyS0"\nCOMPRESSION=gzip\n';
  const scripts = { init: { '10-vnfsinit.sh': '#!/bin/sh\necho init\n', '89-vnfsinit.sh': '#!/bin/sh\n' }, ready: { '10-ready.sh': '#!/bin/sh\n' } };

  it('a capsule: rootfs, config, nodescripts and hooks in staging; KERNEL and KERNEL_ARGS read; vnfs.img not taken', async () => {
    const file = join(dir, 'good.vnfs');
    await buildCapsule(
      dir,
      { rootfs: tree, config, nodescripts: scripts, files: { mount: '#!/bin/sh\n', hybridize: '/usr/share/doc\n', 'vnfs.img': 'stale' } },
      file,
    );
    const staging = fresh();
    const got = await unpackSource(file, staging);
    assert.deepEqual(got, { kind: 'capsule', kernel: '/boot/vmlinuz-6.1.0-57-amd64', kernelArgs: 'quiet console=ttyS0', nodescriptStates: ['init', 'ready'] });
    assert.deepEqual((await readdir(staging)).sort(), ['config', 'hybridize', 'mount', 'nodescripts', 'rootfs']);
    assert.equal((await stat(join(staging, 'nodescripts/init/10-vnfsinit.sh'))).mode & 0o777, 0o755);
    assert.equal(await readFile(join(staging, 'config'), 'utf8'), config);
    assert.deepEqual(await describeTree(join(staging, 'rootfs')), await describeTree(tree));
  });

  it('a legacy capsule with a top-level init/ gets it as nodescripts/init/', async () => {
    const file = join(dir, 'legacy.vnfs');
    await buildCapsule(dir, { rootfs: tree, config: 'KERNEL=/boot/vmlinuz\n', nodescripts: { init: scripts.init }, legacyInit: true }, file);
    const staging = fresh();
    const got = await unpackSource(file, staging);
    assert.deepEqual(got.nodescriptStates, ['init']);
    assert.equal(got.kernelArgs, undefined);
    assert.deepEqual((await readdir(join(staging, 'nodescripts/init'))).sort(), ['10-vnfsinit.sh', '89-vnfsinit.sh']);
    await assert.rejects(access(join(staging, 'init')));
  });

  it('a capsule with neither nodescripts/<state>/ nor init/ is refused, as Perceus does', async () => {
    const file = join(dir, 'bare.vnfs');
    await buildCapsule(dir, { rootfs: tree, config }, file);
    await assert.rejects(unpackSource(file, fresh()), {
      code: 'IMAGE_SOURCE_INVALID',
      message: /bare\.vnfs has neither nodescripts\/<state>\/ nor init\/ \(Perceus refuses it too\)$/,
    });
  });

  it('a capsule without rootfs/, or whose rootfs links leave rootfs/, is refused', async () => {
    const raw = async (name: string, members: Parameters<typeof tarBytes>[0]) => {
      const file = join(dir, name);
      await writeFile(`${file}.tar`, tarBytes(members));
      await execa('bzip2', ['-c', `${file}.tar`], { stdout: { file } });
      return file;
    };
    const ns = [{ name: 'nodescripts/init/10-a', data: '#!/bin/sh\n', mode: 0o755 }];
    await assert.rejects(unpackSource(await raw('norootfs.vnfs', [{ name: 'config', data: '' }, ...ns]), fresh()), {
      code: 'IMAGE_SOURCE_INVALID',
      message: /has no rootfs\/ directory/,
    });
    const climbing = [{ name: 'rootfs/', type: '5' }, { name: 'rootfs/etc/cfg', type: '2', linkname: '../../config' }, ...ns];
    await assert.rejects(unpackSource(await raw('climb.vnfs', climbing), fresh()), { code: 'IMAGE_SOURCE_UNSAFE', message: /climbs above the image root/ });
    const linked = [{ name: 'config', data: 'x' }, { name: 'rootfs/', type: '5' }, { name: 'rootfs/h', type: '1', linkname: 'config' }, ...ns];
    await assert.rejects(unpackSource(await raw('hard.vnfs', linked), fresh()), {
      code: 'IMAGE_SOURCE_UNSAFE',
      message: /hard link 'rootfs\/h' points at 'config', outside the image/,
    });
  });

  it('exportCapsule then unpackSource gives a byte-identical rootfs (same vnfs.img sha256); built artifacts are left out', async () => {
    const file = join(dir, 'src.vnfs');
    await buildCapsule(dir, { rootfs: tree, config, nodescripts: scripts, files: { umount: '#!/bin/sh\n' } }, file);
    const vnfs = fresh();
    await unpackSource(file, vnfs);
    await mkdir(join(vnfs, 'revisions/1'), { recursive: true });
    await writeFile(join(vnfs, 'revisions/1/vnfs.img'), 'img');
    await symlink('revisions/1/vnfs.img', join(vnfs, 'vnfs.img'));
    await symlink('revisions/1/vmlinuz', join(vnfs, 'vmlinuz'));
    const out = join(dir, 'exported.vnfs');
    await exportCapsule(vnfs, out);
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.part')),
      [],
    );
    const members = (await execa('tar', ['-tjf', out])).stdout.split('\n');
    assert.ok(members.includes('./config') && members.includes('./nodescripts/init/10-vnfsinit.sh') && members.includes('./umount'));
    assert.deepEqual(
      members.filter((m) => /^\.\/(vnfs\.img|vmlinuz|revisions)/.test(m)),
      [],
    );
    const again = fresh();
    assert.deepEqual((await unpackSource(out, again)).nodescriptStates, ['init', 'ready']);
    assert.deepEqual(await describeTree(join(again, 'rootfs')), await describeTree(join(vnfs, 'rootfs')));
    const [a, b] = [await writeRootfsImage(join(vnfs, 'rootfs'), join(dir, 'a.img')), await writeRootfsImage(join(again, 'rootfs'), join(dir, 'b.img'))];
    assert.equal(b.sha256, a.sha256);
  });

  it('a failed export leaves no file and no .part, with IMAGE_EXPORT_FAILED', async () => {
    const vnfs = fresh();
    await mkdir(join(vnfs, 'rootfs'), { recursive: true });
    await assert.rejects(exportCapsule(vnfs, join(dir, 'no-such-dir', 'x.vnfs')), {
      code: 'IMAGE_EXPORT_FAILED',
      message: /^exporting staging-\d+ to .* failed \(tar: /,
    });
    await assert.rejects(exportCapsule(join(dir, 'nothing'), join(dir, 'y.vnfs')), { code: 'IMAGE_EXPORT_FAILED', message: /has no rootfs\/ directory/ });
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.startsWith('x.vnfs') || f.startsWith('y.vnfs')),
      [],
    );
  });
});
