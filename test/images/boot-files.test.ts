/**
 * muster's own boot files: the VNFS overlay and the discovery initramfs, built from the Debian
 * .debs CI downloads (MUSTER_TEST_DEBS), read back with GNU cpio; and every bad input refused
 * with one clear error and nothing left in the statedir.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { bootFiles, buildDiscovery, buildOverlay, discoveryDir, overlayPath, resolveBusybox } from '../../src/images/index.js';
import { requireOrSkip } from '../helpers/require.js';
import { testDebs, unpackedDeb, type TestDebs } from '../helpers/test-image.js';

const run = promisify(execFile);
const debs = await testDebs();
const skip = requireOrSkip(typeof debs === 'string' ? debs : null);

/** `cpio -itv` of a gzip newc file: one `mode owner path` line per entry. */
async function listing(file: string): Promise<string[]> {
  const { stdout } = await run('sh', ['-c', `gzip -dc '${file}' | cpio -itv --quiet`], { maxBuffer: 64 << 20 });
  return stdout
    .trim()
    .split('\n')
    .map((l) => {
      const f = l.split(/\s+/);
      return `${f[0]} ${f[2]}:${f[3]} ${f.slice(8).join(' ')}`;
    });
}

async function extract(file: string, path: string): Promise<string> {
  const { stdout } = await run('sh', ['-c', `gzip -dc '${file}' | cpio -i --quiet --to-stdout '${path}'`], { maxBuffer: 64 << 20 });
  return stdout;
}

let statedir: string;
before(async () => {
  statedir = await mkdtemp(join(tmpdir(), 'muster-bootfiles-'));
});
after(async () => rm(statedir, { recursive: true, force: true }));

describe('the overlay and discovery from the Debian packages', { skip }, () => {
  const d = debs as TestDebs;
  it('the overlay holds busybox and the /.muster/init wrapper, all root-owned, and is reproducible', async () => {
    const bb = await resolveBusybox(d.busyboxDeb);
    try {
      const a = await buildOverlay(overlayPath(statedir), { busybox: bb.file });
      const b = await buildOverlay(overlayPath(statedir), { busybox: bb.file });
      assert.equal(a.sha256, b.sha256, 'the same inputs give the same bytes');
      assert.deepEqual(await listing(overlayPath(statedir)), [
        'drwxr-xr-x root:root .muster',
        'drwxr-xr-x root:root .muster/bin',
        '-rwxr-xr-x root:root .muster/bin/busybox',
        '-rwxr-xr-x root:root .muster/init',
        '-rw-r--r-- root:root .muster/lib.sh',
        '-rwxr-xr-x root:root .muster/udhcpc.sh',
      ]);
      assert.match(await extract(overlayPath(statedir), '.muster/init'), /^#!\/\.muster\/bin\/busybox sh\n/);
      assert.equal((await bootFiles(statedir)).overlay, true);
    } finally {
      await bb.cleanup();
    }
  });

  it('discovery from a linux-image .deb: the kernel as shipped, NIC modules with their dependencies, /init', async () => {
    const bb = await resolveBusybox(d.busyboxDeb);
    try {
      const built = await buildDiscovery(statedir, { kernelDeb: d.kernelDeb }, bb.file);
      const dir = discoveryDir(statedir);
      assert.deepEqual(
        (await readdir(dir)).sort(),
        ['initrd.img', 'initrd.img.sha256', 'vmlinuz', 'vmlinuz.sha256'],
        'the files and their sums, no temporary or staging files',
      );
      const kernelRoot = await unpackedDeb(d.kernelDeb);
      assert.deepEqual(await readFile(join(dir, 'vmlinuz')), await readFile(join(kernelRoot, 'boot', `vmlinuz-${built.kernelVersion}`)));
      const names = (await listing(join(dir, 'initrd.img'))).map((l) => l.split(' ').at(-1));
      assert.ok(names.includes('init') && names.includes('.muster/bin/busybox'));
      const mods = `lib/modules/${built.kernelVersion}`;
      for (const m of ['drivers/net/virtio_net.ko', 'drivers/virtio/virtio_pci.ko', 'drivers/net/ethernet/intel/e1000/e1000.ko']) {
        assert.ok(names.includes(`${mods}/kernel/${m}`), m);
      }
      const dep = await extract(join(dir, 'initrd.img'), `${mods}/modules.dep`);
      // modprobe loads right to left: virtio_net's dependencies are listed, the most basic last.
      const line = dep.split('\n').find((l) => l.startsWith('kernel/drivers/net/virtio_net.ko:'))!;
      const deps = line.split(' ').slice(1);
      assert.ok(deps.includes('kernel/drivers/net/net_failover.ko') && deps.includes('kernel/net/core/failover.ko'), line);
      assert.ok(deps.indexOf('kernel/drivers/net/net_failover.ko') < deps.indexOf('kernel/net/core/failover.ko'), `net_failover needs failover: ${line}`);
      for (const d2 of deps) assert.ok(names.includes(`${mods}/${d2}`), `dependency ${d2} is in the initrd`);
      assert.match(await extract(join(dir, 'initrd.img'), `${mods}/modules.alias`), /^alias virtio:d00000001v\* virtio_net$/m);
      assert.equal((await bootFiles(statedir)).discoveryMissing, null);
    } finally {
      await bb.cleanup();
    }
  });
});

describe('bad inputs: one clear error, nothing written', () => {
  let empty: string;
  before(async () => {
    empty = await mkdtemp(join(tmpdir(), 'muster-bootfiles-bad-'));
  });
  after(async () => rm(empty, { recursive: true, force: true }));
  const nothingWritten = async () => assert.deepEqual(await readdir(empty), [], 'the statedir is untouched');
  const any = '/bin/true';

  it('a busybox that is not static, or not an executable at all', async () => {
    await assert.rejects(resolveBusybox(process.execPath), { code: 'IMAGE_BUSYBOX_NOT_FOUND', message: /not a statically linked 64-bit busybox/ });
    const text = join(empty, '..', `bb-${process.pid}.txt`);
    await writeFile(text, '#!/bin/sh\n');
    await assert.rejects(resolveBusybox(text), { code: 'IMAGE_BUSYBOX_NOT_FOUND' });
    await rm(text);
    await assert.rejects(resolveBusybox(join(empty, 'no.deb')), { code: 'IMAGE_INVALID', message: /no\.deb: cannot unpack/ });
  });

  it('kernel sources: two at once, a missing or unversioned file, a bad or kernel-less VNFS, a broken .deb', async () => {
    await assert.rejects(buildDiscovery(empty, { kernel: '/x', fromVnfs: 'a' }, any), { code: 'REQUEST_INVALID', message: /give one of --kernel/ });
    await assert.rejects(buildDiscovery(empty, { kernel: join(empty, 'vmlinuz-1') }, any), { code: 'IMAGE_KERNEL_NOT_FOUND', message: /no such file/ });
    await assert.rejects(buildDiscovery(empty, { kernel: process.execPath }, any), { code: 'IMAGE_KERNEL_NOT_FOUND', message: /name it vmlinuz-<version>/ });
    await assert.rejects(buildDiscovery(empty, { fromVnfs: '../etc' }, any), { code: 'NAME_INVALID' });
    await assert.rejects(buildDiscovery(empty, { fromVnfs: 'nosuch' }, any), {
      code: 'IMAGE_KERNEL_NOT_FOUND',
      message: /^VNFS nosuch: no \/boot\/vmlinuz-<version>/,
    });
    await assert.rejects(buildDiscovery(empty, { kernelDeb: process.execPath }, any), { code: 'IMAGE_INVALID', message: /cannot unpack/ });
    await nothingWritten();
  });

  it('a VNFS kernel without its modules leaves no discovery files and no staging tree', async () => {
    const sd = await mkdtemp(join(tmpdir(), 'muster-bootfiles-nomods-'));
    try {
      await mkdir(join(sd, 'vnfs/img/rootfs/boot'), { recursive: true });
      await writeFile(join(sd, 'vnfs/img/rootfs/boot/vmlinuz-6.1.0-9-amd64'), 'kernel');
      await assert.rejects(buildDiscovery(sd, { fromVnfs: 'img' }, any), {
        code: 'IMAGE_KERNEL_NOT_FOUND',
        message: /VNFS img: kernel 6\.1\.0-9-amd64 has no modules at .*lib\/modules\/6\.1\.0-9-amd64/,
      });
      assert.deepEqual(await readdir(discoveryDir(sd)), []);
    } finally {
      await rm(sd, { recursive: true, force: true });
    }
  });
});
