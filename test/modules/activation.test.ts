/**
 * activate / deactivate / delete on a real statedir: links exactly where the nodescript tree
 * reads them, .installed as Perceus keeps it, the activate script run with STATEDIR/STATES, and
 * every refused command (bad role, unknown module, already active, a name clash, a failing
 * activate script) leaving the statedir as it was.
 */
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, readFile, readlink, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { listModules, modules } from '../../src/modules/index.js';
import { helloTree, put, tarOf, refused } from './fixture.js';

/** Every path under the statedir with its link target, for "nothing changed" checks. */
async function snapshot(statedir: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of (await readdir(statedir, { recursive: true })).sort()) {
    const target = await readlink(join(statedir, rel)).catch(() => '');
    const text = rel.endsWith('.installed') ? await readFile(join(statedir, rel), 'utf8') : '';
    out.push(`${rel} ${target} ${text}`);
  }
  return out;
}

describe('module activation', () => {
  let statedir: string;
  let script: string;
  beforeEach(async () => {
    statedir = await mkdtemp(join(tmpdir(), 'muster-act-'));
    await modules.import(statedir, 'hello', await tarOf(await helloTree(), ['.']));
    script = join(statedir, 'modules', 'hello', 'nodescripts', '50-hello');
  });
  const linkAt = (role: string): string => join(statedir, 'nodescripts', role, '50-hello');

  it('activate with no roles uses defaultroles: an absolute link, .installed, the activate script with STATEDIR and STATES', async () => {
    const done = await modules.activate(statedir, 'hello', []);
    assert.deepEqual(done, { roles: ['init/all'], output: 'activate got: init/all\n' });
    assert.equal(await readlink(linkAt('init/all')), script);
    assert.equal(await readFile(join(statedir, 'modules', 'hello', '.installed'), 'utf8'), 'init/all\n');
    assert.equal(await readFile(join(statedir, 'modules', 'hello', 'activate.log'), 'utf8'), `${statedir}/|init/all|init/all\n`);
    assert.deepEqual(await listModules(statedir), [{ name: 'hello', roles: ['init/all'] }]);
  });

  it('activate in named roles (group, node, vnfs): each gets its link; summary lists them sorted', async () => {
    const done = await modules.activate(statedir, 'hello', ['ready/node/n0001', 'init/group/compute-a', 'init/vnfs/rocky9.x']);
    assert.deepEqual(done.roles, ['ready/node/n0001', 'init/group/compute-a', 'init/vnfs/rocky9.x']);
    for (const role of done.roles) assert.equal(await readlink(linkAt(role)), script);
    assert.deepEqual(await listModules(statedir, ['hel*']), [{ name: 'hello', roles: ['init/group/compute-a', 'init/vnfs/rocky9.x', 'ready/node/n0001'] }]);
    assert.deepEqual(await listModules(statedir, ['other*']), []);
  });

  it('deactivate removes exactly its links: another file and another module in the same directory stay', async () => {
    await put(statedir, 'nodescripts/init/all/10-admin', '#!/bin/sh\n', true);
    await symlink('/elsewhere/nodescripts/20-other', join(statedir, 'nodescripts/init/all/20-other'));
    await modules.activate(statedir, 'hello', ['init/all', 'ready/all']);
    assert.deepEqual(await modules.deactivate(statedir, 'hello', ['init/all']), ['init/all']);
    assert.deepEqual((await readdir(join(statedir, 'nodescripts/init/all'))).sort(), ['10-admin', '20-other']);
    assert.equal(await readlink(linkAt('ready/all')), script, 'the other role stays active');
    assert.deepEqual(await listModules(statedir), [{ name: 'hello', roles: ['ready/all'] }]);
    assert.deepEqual(await modules.deactivate(statedir, 'hello', []), ['ready/all'], 'no roles: every active role');
    assert.equal(await lstat(linkAt('ready/all')).catch(() => null), null);
  });

  it('delete deactivates first, then removes the module (Perceus deletes active modules too)', async () => {
    await modules.activate(statedir, 'hello', ['init/all']);
    assert.deepEqual(await modules.delete(statedir, 'hello'), ['init/all']);
    assert.equal(await lstat(linkAt('init/all')).catch(() => null), null);
    assert.deepEqual(await listModules(statedir), []);
  });

  describe('refused, and nothing changes', () => {
    const unchanged = async (p: () => Promise<unknown>, code: string, message: RegExp): Promise<void> => {
      const was = await snapshot(statedir);
      await refused(p(), code, message);
      assert.deepEqual(await snapshot(statedir), was);
    };

    it('bad roles', async () => {
      for (const role of ['init', 'init/some', 'init/group', 'init/group/../../x', 'init/node/.hidden', 'in-it/all', '/init/all', 'init/all/x']) {
        await unchanged(() => modules.activate(statedir, 'hello', ['ready/all', role]), 'MODULE_ROLE_INVALID', /is not a role: a role is <state>\/all/);
        await unchanged(() => modules.deactivate(statedir, 'hello', [role]), 'MODULE_ROLE_INVALID', /is not a role/);
      }
    });

    it('a bad line in defaultroles names the file', async () => {
      const d = await helloTree({ defaultroles: 'init/all\ninit/group/a b\n' });
      await modules.import(statedir, 'badroles', await tarOf(d, ['.']));
      await unchanged(() => modules.activate(statedir, 'badroles', []), 'MODULE_ROLE_INVALID', /badroles\/defaultroles: 'init\/group\/a b' is not a role/);
    });

    it('an unknown module', async () => {
      for (const op of [
        () => modules.activate(statedir, 'nosuch', []),
        () => modules.deactivate(statedir, 'nosuch', []),
        () => modules.delete(statedir, 'nosuch'),
      ]) {
        await unchanged(op, 'MODULE_NOT_INSTALLED', /Perceus Module 'nosuch' is not installed!/);
      }
      await unchanged(() => modules.activate(statedir, '../modules/hello', []), 'MODULE_NAME_INVALID', /not a module name/);
    });

    it('already active in a role, or not active in it', async () => {
      await modules.activate(statedir, 'hello', ['init/all']);
      await unchanged(() => modules.activate(statedir, 'hello', ['ready/all', 'init/all']), 'MODULE_ROLE_CONFLICT', /already active in 'init\/all'/);
      await unchanged(
        () => modules.deactivate(statedir, 'hello', ['ready/all']),
        'MODULE_ROLE_CONFLICT',
        /not active in 'ready\/all': it is active in 'init\/all'/,
      );
    });

    it("another file has one of its nodescripts' names in the role", async () => {
      await put(statedir, 'nodescripts/ready/group/compute/50-hello', '#!/bin/sh\necho mine\n', true);
      await unchanged(
        () => modules.activate(statedir, 'hello', ['init/all', 'ready/group/compute']),
        'MODULE_ROLE_CONFLICT',
        /ready\/group\/compute\/50-hello/,
      );
    });

    it('a failing activate script: its links and .installed are undone', async () => {
      const d = await helloTree({ activate: '#!/bin/sh\necho "no slurm.conf here" >&2\nexit 3\n' });
      await modules.import(statedir, 'fails', await tarOf(d, ['.']));
      await unchanged(() => modules.activate(statedir, 'fails', ['init/all']), 'MODULE_HOOK_FAILED', /activate exited 3: no slurm.conf here/);
    });
  });
});
