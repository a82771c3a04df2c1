import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';

const MAC = '02:00:00:00:0c:01';

// Settings that used to be accepted and fail only at boot time, and the two settings that did nothing.
describe('node settings checked now, default bootenv and node timeout, against a real daemon', () => {
  let d: TestDaemon;
  // Our own statedir: the timeout case restarts the daemon on it.
  let statedir: string;
  before(async () => {
    statedir = await mkdtemp(join(tmpdir(), 'muster-settings-'));
    d = await spawnDaemon({ statedir, env: { MUSTER_DEFAULT_BOOTENV: 'local', MUSTER_NODE_TIMEOUT: '1' } });
    assert.equal((await cli(d, ['node', 'add', MAC])).exitCode, 0);
  });
  after(async () => {
    await d?.stop();
    if (statedir) await rm(statedir, { recursive: true, force: true });
  });
  const field = async (key: 'bootenv' | 'vnfs') => {
    const r = await cli(d, ['--json', 'node', 'summary', 'n0000']);
    assert.equal(r.exitCode, 0, r.stderr);
    return (JSON.parse(r.stdout) as { nodes: Array<Record<string, unknown>> }).nodes[0]![key];
  };

  it("gives a new node the 'default bootenv'", async () => {
    assert.equal(await field('bootenv'), 'local');
  });

  it('refuses an unknown bootenv with the list of known ones, for node set and group set', async () => {
    for (const args of [
      ['node', 'set', 'bootenv', 'nosuchenv', 'n0000'],
      ['group', 'set', 'bootenv', 'nosuchenv', 'cluster'],
    ]) {
      const r = await cli(d, ['-y', ...args]);
      assert.equal(r.exitCode, 2, r.stderr);
      assert.match(
        r.stderr,
        /bootenv 'nosuchenv' does not exist; known bootenvs: discovery, vnfs, local \(an admin bootenv is .*bootenvs\/<name>\.ipxe\) \(SET_VALUE_INVALID\)/,
      );
      assert.equal(await field('bootenv'), 'local', 'nothing set');
    }
  });

  it('accepts an admin bootenv once its template exists', async () => {
    await mkdir(join(d.statedir, 'bootenvs'), { recursive: true });
    await writeFile(join(d.statedir, 'bootenvs', 'rescue.ipxe'), '#!ipxe\nshell\n');
    const r = await cli(d, ['-y', 'node', 'set', 'bootenv', 'rescue', 'n0000']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(await field('bootenv'), 'rescue');
    const bad = await cli(d, ['-y', 'node', 'set', 'bootenv', 'nosuchenv', 'n0000']);
    assert.match(bad.stderr, /known bootenvs: discovery, vnfs, local, rescue /);
  });

  it('refuses a VNFS the library does not hold, naming the images and the nearest; an imported one sets quietly', async () => {
    const r = await cli(d, ['-y', 'node', 'set', 'vnfs', 'doesnotexist', 'n0000']);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /VNFS 'doesnotexist' does not exist \(the library is empty; muster vnfs import SRC doesnotexist adds it\)/);
    assert.equal(await field('vnfs'), '', 'nothing was set');
    const chroot = join(statedir, 'chroot');
    await mkdir(join(chroot, 'boot'), { recursive: true });
    await writeFile(join(chroot, 'boot', 'vmlinuz-6.1.0-1-amd64'), 'kernel');
    const imp = await cli(d, ['vnfs', 'import', chroot, 'rocky9']);
    assert.equal(imp.exitCode, 0, imp.stderr);
    const g = await cli(d, ['-y', 'group', 'set', 'vnfs', 'rocky8', 'cluster']);
    assert.notEqual(g.exitCode, 0);
    assert.match(g.stderr, /VNFS 'rocky8' does not exist; did you mean 'rocky9'\? \(images: rocky9;/);
    const ok = await cli(d, ['-y', 'node', 'set', 'vnfs', 'rocky9', 'n0000']);
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /VNFS/);
    assert.equal(await field('vnfs'), 'rocky9');
  });

  it("shows a node silent past 'node timeout' as timed out, with one event; its next contact clears it", async () => {
    const contact = async () => assert.equal((await fetch(`${d.info.http}/nodescripts/init?hwaddr=${MAC}`)).status, 200);
    await contact();
    const ev = await cli(d, ['monitor', '--kind', 'node.timeout', '--since', '1h', '--count', '1']);
    assert.equal(ev.exitCode, 0, ev.stderr);
    assert.match(ev.stdout, /node 'n0000' timed out: no contact for more than 1 s \(last: init\)/);
    assert.match((await cli(d, ['node', 'status', 'n0000'])).stdout, /^n0000 +timed out +/m);
    // Under a 1 s timeout the node times out again whenever the machine takes a second to ask for
    // its status after the contact: the contact that clears it is checked on the same statedir
    // under a timeout no test run outlasts. The mark is stored, so it survives the restart.
    await d.stop();
    d = await spawnDaemon({ statedir, env: { MUSTER_DEFAULT_BOOTENV: 'local', MUSTER_NODE_TIMEOUT: '600' } });
    assert.match((await cli(d, ['node', 'status', 'n0000'])).stdout, /^n0000 +timed out +/m);
    await contact();
    assert.match((await cli(d, ['node', 'status', 'n0000'])).stdout, /^n0000 +init +/m);
  });

  it("refuses to start with an unknown 'default bootenv', naming the setting and the known ones", async () => {
    await assert.rejects(
      spawnDaemon({ env: { MUSTER_DEFAULT_BOOTENV: 'nosuch' } }),
      /'default bootenv': bootenv 'nosuch' does not exist; known bootenvs: discovery, vnfs, local/,
    );
  });
});
