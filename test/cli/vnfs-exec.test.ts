/**
 * Issue 10, `muster vnfs exec NAME -- CMD`: the command runs chrooted in the image's rootfs (with
 * proc mounted only for it), the served revision does not change until `vnfs rebuild`, and a
 * failing command says so in one line. The image is the test VNFS (Debian's busybox-static).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { requireOrSkip } from '../helpers/require.js';
import { buildTestImage, testDebs, type TestDebs } from '../helpers/test-image.js';

const debs = await testDebs();
const skip = requireOrSkip(process.getuid?.() !== 0 ? 'needs root (chroot, a private mount namespace)' : typeof debs === 'string' ? debs : null);

describe('muster vnfs exec', { skip }, () => {
  let d: TestDaemon;
  let work: string;
  before(async () => {
    d = await spawnDaemon();
    work = await mkdtemp(join(tmpdir(), 'muster-exec-'));
    await buildTestImage(join(work, 'root'), debs as TestDebs);
    const r = await cli(d, ['vnfs', 'import', join(work, 'root'), 'img']);
    assert.equal(r.exitCode, 0, r.stderr);
  });
  after(async () => {
    await d?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs a command inside the rootfs; the change boots only after rebuild', async () => {
    const r = await cli(d, ['vnfs', 'exec', 'img', '--', '/bin/sh', '-c', 'test -r /proc/self/status && echo inside > /etc/edited && echo ran']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^ran\ndone; 'muster vnfs rebuild img' makes the change bootable\n$/);
    assert.equal(await readFile(join(d.statedir, 'vnfs', 'img', 'rootfs', 'etc', 'edited'), 'utf8'), 'inside\n');
    assert.match((await cli(d, ['vnfs', 'show', 'img'])).stdout, /^img: current=1$/m, 'the served revision is unchanged');
    const rb = await cli(d, ['vnfs', 'rebuild', 'img']);
    assert.match(rb.stdout, /VNFS 'img' revision 2 is current/);
  });

  it('says in one line when the command fails, and when there is none', async () => {
    const bad = await cli(d, ['vnfs', 'exec', 'img', '--', '/bin/sh', '-c', 'exit 3']);
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr.trim(), /^muster: \/bin\/sh -c exit 3 in VNFS 'img' exited 3 \(REQUEST_INVALID\)$/);
    const none = await cli(d, ['vnfs', 'exec', 'nosuch', '--', 'true']);
    assert.match(none.stderr.trim(), /VNFS 'nosuch' does not exist/);
  });
});
