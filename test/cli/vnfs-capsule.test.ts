/**
 * Issue 10 acceptance, Perceus capsules: a capsule the test builds imports; its nodescripts are
 * linked under nodescripts/init/vnfs/<name>/ as Perceus links them and run for a node with that
 * VNFS; its config's KERNEL and KERNEL_ARGS are what the node boots; `vnfs export` writes a
 * capsule that imports again with a byte-identical rootfs (the same vnfs.img sha256). A capsule
 * without nodescripts is refused and leaves nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { buildCapsule } from '../helpers/image-sources.js';

const MAC = '52:54:00:aa:20:01';
const VNFSINIT = '#!/bin/sh\n. "$STATEDIR/vnfs/$VNFS/config"\necho "echo vnfsinit for $NODENAME: vnfs=$VNFS kernel=$KERNEL"\n';

interface Shown {
  revisions: Array<{ imageSha256: string; kernelArgs: string; kernelVersion: string | null }>;
}

describe('Perceus capsules: import, nodescripts, export round trip', () => {
  let d: TestDaemon;
  let work: string;
  before(async () => {
    d = await spawnDaemon();
    work = await mkdtemp(join(tmpdir(), 'muster-capsule-'));
    const root = join(work, 'tree');
    await mkdir(join(root, 'boot'), { recursive: true });
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'boot', 'vmlinuz-2.6.32-custom'), 'the capsule kernel');
    await writeFile(join(root, 'boot', 'vmlinuz-6.1.0-99-amd64'), 'a newer kernel the config does not name');
    await writeFile(join(root, 'etc', 'hostname'), 'stateless\n');
    await buildCapsule(
      work,
      {
        rootfs: root,
        config: 'KERNEL=/boot/vmlinuz-2.6.32-custom\nKERNEL_ARGS="quiet selinux=0"\n',
        nodescripts: { init: { '10-vnfsinit.sh': VNFSINIT } },
        files: { configure: '#!/bin/sh\nexit 0\n' },
      },
      join(work, 'centos6.vnfs'),
    );
    await buildCapsule(work, { rootfs: root, config: 'KERNEL=/boot/vmlinuz-2.6.32-custom\n' }, join(work, 'bare.vnfs'));
  });
  after(async () => {
    await d?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('imports a capsule, links its nodescripts as Perceus does, and honours KERNEL and KERNEL_ARGS', async () => {
    const r = await cli(d, ['vnfs', 'import', join(work, 'centos6.vnfs')]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /VNFS 'centos6' revision 1 is current: .* kernel 2\.6\.32-custom/);
    const link = join(d.statedir, 'nodescripts', 'init', 'vnfs', 'centos6', '10-vnfsinit.sh');
    assert.equal(await readlink(link), join(d.statedir, 'vnfs', 'centos6', 'nodescripts', 'init', '10-vnfsinit.sh'));
    assert.equal((await cli(d, ['node', 'add', MAC])).exitCode, 0);
    assert.equal((await cli(d, ['-y', 'node', 'set', 'vnfs', 'centos6', 'n0000'])).exitCode, 0);
    const script = await (await fetch(`${d.info.http}/nodescripts/init?hwaddr=${MAC}`)).text();
    assert.match(script, /echo vnfsinit for n0000: vnfs=centos6 kernel=\/boot\/vmlinuz-2\.6\.32-custom/);
    assert.equal((await cli(d, ['-y', 'node', 'set', 'bootenv', 'vnfs', 'n0000'])).exitCode, 0);
    const ipxe = await (await fetch(`${d.info.http}/boot/${MAC.replace(/:/g, '-')}`)).text();
    assert.match(ipxe, /\/files\/vnfs\/centos6\/revisions\/1\/vmlinuz .* quiet selinux=0 \|\| goto failed/);
    assert.equal(await (await fetch(`${d.info.http}/files/vnfs/centos6/revisions/1/vmlinuz`)).text(), 'the capsule kernel');
  });

  it('exports a capsule that imports again with a byte-identical rootfs', async () => {
    const file = join(work, 'exported.vnfs');
    const e = await cli(d, ['vnfs', 'export', 'centos6', file]);
    assert.equal(e.exitCode, 0, e.stderr);
    const i = await cli(d, ['vnfs', 'import', file, 'centos6-again']);
    assert.equal(i.exitCode, 0, i.stderr);
    const show = async (n: string) => JSON.parse((await cli(d, ['--json', 'vnfs', 'show', n])).stdout) as Shown;
    const [a, b] = [(await show('centos6')).revisions[0]!, (await show('centos6-again')).revisions[0]!];
    assert.equal(b.imageSha256, a.imageSha256, 'the same rootfs gives the same vnfs.img');
    assert.equal(b.kernelArgs, 'quiet selinux=0');
    assert.equal(b.kernelVersion, '2.6.32-custom');
  });

  it('refuses a capsule without nodescripts in one line, leaving no image and no links', async () => {
    const r = await cli(d, ['vnfs', 'import', join(work, 'bare.vnfs')]);
    assert.notEqual(r.exitCode, 0);
    assert.match(
      r.stderr.trim(),
      /^muster: capsule .*bare\.vnfs has neither nodescripts\/<state>\/ nor init\/ \(Perceus refuses it too\) \(IMAGE_SOURCE_INVALID\)$/,
    );
    assert.match((await cli(d, ['vnfs', 'show', 'bare'])).stderr, /VNFS 'bare' does not exist/);
  });

  it('delete unlinks the capsule nodescripts', async () => {
    assert.equal((await cli(d, ['-y', 'node', 'set', 'vnfs', 'centos6-again', 'n0000'])).exitCode, 0);
    assert.equal((await fetch(`${d.info.http}/nodescripts/init?hwaddr=${MAC}&vnfs=centos6@1`)).status, 200);
    const del = await cli(d, ['-y', 'vnfs', 'delete', 'centos6']);
    assert.equal(del.exitCode, 0, del.stderr);
    await assert.rejects(readlink(join(d.statedir, 'nodescripts', 'init', 'vnfs', 'centos6', '10-vnfsinit.sh')), /ENOENT/);
  });
});
