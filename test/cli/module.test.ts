/**
 * `perceus module …` through the alias against a real daemon: a .pmod built here is imported,
 * activated for a group, rendered into a node's init script over real HTTP, deactivated (and
 * gone from the script), listed in Perceus's formats and deleted; bad input through the CLI
 * gets one clear line and the exit status of its class.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, PERCEUS_BIN, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { helloTree, tarOf } from '../modules/fixture.js';

const IN_GROUP = '00:00:00:00:07:01';
const OUTSIDE = '00:00:00:00:07:02';

describe('perceus module … against a real daemon', () => {
  let d: TestDaemon;
  let pmod: string;
  const perceus = (...args: string[]) => cli(d, args, { bin: PERCEUS_BIN });
  const script = async (mac: string): Promise<string> => {
    const res = await fetch(`${d.info.http}/nodescripts/init?hwaddr=${mac}`);
    assert.equal(res.status, 200);
    return res.text();
  };

  before(async () => {
    d = await spawnDaemon();
    pmod = join(d.statedir, 'hello.pmod');
    await writeFile(pmod, await tarOf(await helloTree({ defaultroles: 'init/all\n' }), ['.']));
    for (const [mac, name] of [
      [IN_GROUP, 'n0701'],
      [OUTSIDE, 'n0702'],
    ] as const) {
      const r = await cli(d, ['node', 'add', mac, name]);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    const g = await cli(d, ['-y', 'node', 'set', 'group', 'compute', 'n0701']);
    assert.equal(g.exitCode, 0, g.stderr);
  });
  after(async () => d?.stop());

  it('import prints Perceus lines; list shows it', async () => {
    const r = await perceus('module', 'import', pmod);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, "Importing 'hello'\nPerceus Module 'hello' has been successfully imported.\n");
    assert.equal((await perceus('module', 'list')).stdout, 'hello\n');
  });

  it('activate in a group role: the daemon renders it for a node of the group, not for another', async () => {
    assert.doesNotMatch(await script(IN_GROUP), /hello from/, 'not before activation');
    const r = await perceus('module', 'activate', 'hello', 'init/group/compute');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, "activate got: init/group/compute\nPerceus Module 'hello' has been enabled in 'init/group/compute'\n");
    assert.match(await script(IN_GROUP), /^echo hello from n0701 in init$/m);
    assert.doesNotMatch(await script(OUTSIDE), /hello from/);
  });

  it("summary and states in Perceus's formats; enable is activate's alias (defaultroles)", async () => {
    const e = await perceus('-q', 'module', 'enable', 'hello');
    assert.equal(e.exitCode, 0, e.stderr);
    assert.equal(e.stdout, '', '-q hides the info lines');
    assert.match(await script(OUTSIDE), /^echo hello from n0702 in init$/m);
    assert.equal((await perceus('module', 'summary')).stdout, 'hello:\n\tinit/all\n\tinit/group/compute\n');
    assert.equal((await perceus('module', 'states')).stdout, 'init/all:\n   hello\ninit/group/compute:\n   hello\n');
  });

  it('deactivate: no longer rendered', async () => {
    const r = await perceus('module', 'deactivate', 'hello');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, "Perceus Module 'hello' has been disabled in 'init/all'\nPerceus Module 'hello' has been disabled in 'init/group/compute'\n");
    assert.doesNotMatch(await script(IN_GROUP), /hello from/);
    assert.equal((await perceus('module', 'summary')).stdout, 'hello:\n');
    assert.equal((await perceus('module', 'states')).stdout, '');
  });

  it('bad input: one line, the exit status of its class, nothing changed', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['module', 'import', join(d.statedir, 'hello.tar')], 2, /hello\.tar is not a valid Perceus Module \(\*\.pmod\) \(MODULE_ARCHIVE_INVALID\)$/],
      [['module', 'import', join(d.statedir, 'missing.pmod')], 2, /cannot read .*missing\.pmod: ENOENT .*\(REQUEST_INVALID\)$/],
      [['module', 'import', pmod], 4, /Perceus Module 'hello' is already installed! .*\(MODULE_INSTALLED\)$/],
      [['module', 'activate', 'nosuch'], 3, /Perceus Module 'nosuch' is not installed! .*\(MODULE_NOT_INSTALLED\)$/],
      [['module', 'activate', 'hello', 'init/group/../x'], 2, /'init\/group\/\.\.\/x' is not a role: .*\(MODULE_ROLE_INVALID\)$/],
      [['module', 'deactivate', 'hello', 'ready/all'], 4, /not active in 'ready\/all'.*\(MODULE_ROLE_CONFLICT\)$/],
      [['module', 'delete', 'hello'], 2, /pass -y to confirm .*\(CONFIRMATION_REQUIRED\)$/],
    ];
    const bad = join(d.statedir, 'bad.pmod');
    await writeFile(bad, 'this is not a tar archive at all'.repeat(20));
    cases.push([['module', 'import', bad], 2, /'?not a tar archive.*\(MODULE_ARCHIVE_INVALID\)$/]);
    for (const [args, exit, message] of cases) {
      const r = await perceus(...args);
      assert.equal(r.exitCode, exit, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.trimEnd(), message, args.join(' '));
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
    const list = await perceus('module', 'list');
    assert.equal(list.stdout, 'hello\n', `exit ${list.exitCode}: ${list.stderr}`);
  });

  it('delete -y removes it', async () => {
    const r = await perceus('-y', 'module', 'delete', 'hello');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, "Perceus Module 'hello' has been deleted\n");
    assert.equal((await perceus('module', 'list')).stdout, '');
  });
});
