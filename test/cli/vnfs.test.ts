/**
 * Issue 10, `muster vnfs …` against a real daemon: import streams progress (JSON lines with
 * --json) and Ctrl-C cancels it with nothing left; list/show/clone/rename/delete; a node's iPXE
 * script names the current revision, the revision is not deleted while the node boots it, and
 * `node show` names what the node's overlay reported from inside the image.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { cli, MUSTER_BIN, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

const MAC = '52:54:00:aa:10:01';

async function chroot(dir: string, marker: string): Promise<string> {
  await mkdir(join(dir, 'boot'), { recursive: true });
  await mkdir(join(dir, 'etc'), { recursive: true });
  await writeFile(join(dir, 'boot', 'vmlinuz-6.1.0-18-amd64'), 'kernel');
  await writeFile(join(dir, 'etc', 'marker'), marker);
  return dir;
}

const oneLine = (s: string) => {
  const lines = s.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${s}`);
  return lines[0]!;
};

describe('muster vnfs, against a real daemon', () => {
  let d: TestDaemon;
  let src: string;
  before(async () => {
    d = await spawnDaemon();
    src = await chroot(join(d.statedir, '..', `${d.statedir.split('/').pop()}-chroot`), 'one');
  });
  after(() => d?.stop());

  it('imports a directory with JSON progress, then lists and shows it', async () => {
    const r = await cli(d, ['--json', 'vnfs', 'import', src, 'compute']);
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { done?: { revision: { revision: number; imageSha256: string } } });
    const done = lines.at(-1)!.done!;
    assert.equal(done.revision.revision, 1);
    assert.match(done.revision.imageSha256, /^[0-9a-f]{64}$/);
    const list = await cli(d, ['vnfs', 'list']);
    assert.match(list.stdout, /^compute +1 +0 +\//m);
    const show = await cli(d, ['vnfs', 'show', 'compute']);
    assert.match(show.stdout, /^\* revision 1: available import .* kernel=6\.1\.0-18-amd64 vnfs\.img=\d+ B sha256=[0-9a-f]{64}$/m);
  });

  it('says in one line what is wrong with a bad source or name', async () => {
    const missing = await cli(d, ['vnfs', 'import', '/nonexistent/chroot', 'x']);
    assert.notEqual(missing.exitCode, 0);
    assert.match(oneLine(missing.stderr), /\/nonexistent\/chroot does not exist/);
    const bad = await cli(d, ['vnfs', 'import', src, '../etc']);
    assert.match(oneLine(bad.stderr), /'\.\.\/etc' is not a VNFS name/);
    const none = await cli(d, ['vnfs', 'show', 'nosuch']);
    assert.match(oneLine(none.stderr), /VNFS 'nosuch' does not exist/);
  });

  it('Ctrl-C during an import cancels it: no image, no staging, the daemon serves on', async () => {
    const big = await chroot(join(src, '..', `${src.split('/').pop()}-big`), 'big');
    // Random data does not compress: gzip takes seconds over it.
    await writeFile(join(big, 'etc', 'noise'), randomBytes(192 * 1024 * 1024));
    const p = execa(MUSTER_BIN, ['--json', 'vnfs', 'import', big, 'big'], { env: d.env, extendEnv: true, reject: false });
    let out = '';
    p.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    await until('a progress line from the import', () => out.includes('"progress"'), Boolean, 60_000);
    p.kill('SIGINT');
    const r = await p;
    assert.notEqual(r.exitCode, 0);
    assert.match(String(r.stderr), /cancelled; the previous revision still serves/);
    await until(
      'the daemon to finish cancelling',
      async () => (await cli(d, ['vnfs', 'show', 'big'])).stderr,
      (s) => /does not exist/.test(s),
      30_000,
    );
    assert.deepEqual(await readdir(join(d.statedir, 'vnfs', '.staging')), []);
    assert.equal((await cli(d, ['vnfs', 'list'])).exitCode, 0);
  });

  it("a node's iPXE script names the current revision; the revision is kept while it boots; node show names what it runs", async () => {
    assert.equal((await cli(d, ['node', 'add', MAC])).exitCode, 0);
    assert.equal((await cli(d, ['-y', 'node', 'set', 'vnfs', 'compute', 'n0000'])).exitCode, 0);
    assert.equal((await cli(d, ['-y', 'node', 'set', 'bootenv', 'vnfs', 'n0000'])).exitCode, 0);
    const script = await (await fetch(`${d.info.http}/boot/${MAC.replace(/:/g, '-')}`)).text();
    assert.match(script, /kernel http:\/\/[^ ]+\/files\/vnfs\/compute\/revisions\/1\/vmlinuz initrd=vnfs\.img /);
    const kernel = await fetch(`${d.info.http}/files/vnfs/compute/revisions/1/vmlinuz`);
    assert.equal(await kernel.text(), 'kernel');
    const refused = await cli(d, ['-y', 'vnfs', 'delete', 'compute']);
    assert.match(oneLine(refused.stderr), /being booted by a node right now \(revision 1\)/);
    // The overlay's first request from inside the image.
    assert.equal((await fetch(`${d.info.http}/nodescripts/init?hwaddr=${MAC}&vnfs=compute@1`)).status, 200);
    assert.match((await cli(d, ['node', 'show', 'n0000'])).stdout, /^n0000: vnfsbooted=compute@1$/m);
  });

  it('clone builds the same sha256 under a new name; rename carries the nodes', async () => {
    const clone = await cli(d, ['--json', 'vnfs', 'clone', 'compute', 'compute-b']);
    assert.equal(clone.exitCode, 0, clone.stderr);
    const a = JSON.parse((await cli(d, ['--json', 'vnfs', 'show', 'compute'])).stdout) as { revisions: Array<{ imageSha256: string }> };
    const b = JSON.parse((await cli(d, ['--json', 'vnfs', 'show', 'compute-b'])).stdout) as { revisions: Array<{ imageSha256: string }> };
    assert.equal(b.revisions[0]!.imageSha256, a.revisions[0]!.imageSha256);
    const ren = await cli(d, ['vnfs', 'rename', 'compute', 'compute-a']);
    assert.match(ren.stdout, /VNFS 'compute' is now 'compute-a' \(1 node\(s\) follow it\)/);
    assert.match((await cli(d, ['node', 'show', 'n0000'])).stdout, /^n0000: vnfs=compute-a$/m);
  });

  it('delete refuses a VNFS nodes use without -y, deletes with it', async () => {
    const no = await cli(d, ['vnfs', 'delete', 'compute-a']);
    assert.notEqual(no.exitCode, 0);
    const yes = await cli(d, ['-y', 'vnfs', 'delete', 'compute-a']);
    assert.equal(yes.exitCode, 0, yes.stderr);
    assert.match((await cli(d, ['vnfs', 'list'])).stdout, /^compute-b /m);
    assert.doesNotMatch((await cli(d, ['vnfs', 'list'])).stdout, /compute-a/);
  });

  it("Perceus's mount/umount/close: mount names the rootfs, umount rebuilds, close points at rebuild", async () => {
    const m = await cli(d, ['vnfs', 'mount', 'compute-b']);
    assert.match(m.stdout, /vnfs\/compute-b\/rootfs\n/);
    await writeFile(join(d.statedir, 'vnfs', 'compute-b', 'rootfs', 'etc', 'marker'), 'edited');
    const u = await cli(d, ['vnfs', 'umount', 'compute-b']);
    assert.match(u.stdout, /VNFS 'compute-b' revision 2 is current/);
    const c = await cli(d, ['vnfs', 'close', 'compute-b']);
    assert.match(oneLine(c.stderr), /never mounted in muster: edits go live with 'muster vnfs rebuild compute-b'/);
  });
});
