/**
 * Which daemon the CLI talks to (src/cli/discover.ts), with two real daemons in two statedirs:
 * the CLI's statedir picks its daemon even when the runtime dir names the other one, a chosen
 * statedir without a daemon is an error, the default statedir falls back visibly, `muster info`
 * names the daemon, and `muster simulate` finds it the same way.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('finding the daemon: statedir first, fallbacks said', () => {
  let a: TestDaemon;
  let b: TestDaemon;
  let scratch: string;
  /** The env of a CLI whose runtime dir names `last` (the last daemon "this user" started), and no statedir. */
  const lastIs = (last: TestDaemon) => ({ env: { MUSTER_RUNTIME_DIR: last.runtimeDir, MUSTER_STATEDIR: '' } });
  const daemonLine = (d: TestDaemon, via: string) => `Daemon: ${d.info.api}, statedir ${d.statedir}, pid ${d.info.pid} (${via})`;

  before(async () => {
    [a, b] = await Promise.all([spawnDaemon(), spawnDaemon()]);
    scratch = await mkdtemp(join(tmpdir(), 'muster-discover-'));
    assert.equal((await cli(a, ['node', 'add', '02:00:00:0a:00:01', 'only-in-a'])).exitCode, 0);
    assert.equal((await cli(b, ['node', 'add', '02:00:00:0b:00:01', 'only-in-b'])).exitCode, 0);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("talks to the --statedir's daemon even when the runtime dir names the other", async () => {
    for (const [mine, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const r = await cli(null, ['node', 'list', '--statedir', mine.statedir], lastIs(other));
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, mine === a ? 'only-in-a\n' : 'only-in-b\n');
      assert.equal(r.stderr, '', 'no fallback warning: this is the statedir the CLI was given');
      const info = await cli(null, ['info', '--statedir', mine.statedir], lastIs(other));
      assert.equal(info.stdout.split('\n')[1], daemonLine(mine, `found through ${join(mine.statedir, 'daemon.json')}`));
    }
  });

  it('resolves the statedir as the daemon does: MUSTER_STATEDIR, then the config file', async () => {
    const env = await cli(null, ['node', 'list'], { env: { MUSTER_RUNTIME_DIR: b.runtimeDir, MUSTER_STATEDIR: a.statedir } });
    assert.equal(env.stdout, 'only-in-a\n', env.stderr);
    const conf = join(scratch, 'muster.conf');
    await writeFile(conf, `statedir = ${a.statedir}\n`);
    // (an empty MUSTER_STATEDIR would unset the file's value, for the daemon as for the CLI)
    const file = await cli(null, ['node', 'list'], { env: { MUSTER_RUNTIME_DIR: b.runtimeDir, MUSTER_CONFIG: conf } });
    assert.equal(file.stdout, 'only-in-a\n', file.stderr);
  });

  it('refuses a chosen statedir without a daemon, in one line, instead of driving another daemon', async () => {
    const empty = join(scratch, 'no-daemon-here');
    for (const args of [
      ['node', 'list', '--statedir', empty],
      ['simulate', '--nodes', '3', '--statedir', empty],
    ]) {
      const r = await cli(null, args, lastIs(b));
      assert.equal(r.exitCode, 1, r.stdout);
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        `muster: no muster daemon runs for statedir ${empty} (no live ${join(empty, 'daemon.json')}); start one with: muster daemon --statedir ${empty} (DAEMON_UNREACHABLE)\n`,
      );
    }
  });

  it('with the default statedir and no daemon in it, falls back to the last daemon started, saying so', async (t) => {
    // The default is ./var/muster (root: /var/lib/muster); run where it has no daemon.
    const defaultStatedir = process.getuid?.() === 0 ? '/var/lib/muster' : join(scratch, 'var/muster');
    if (existsSync(join(defaultStatedir, 'daemon.json'))) return t.skip(`a daemon.json exists in the default statedir ${defaultStatedir}`);
    const o = { ...lastIs(b), cwd: scratch };
    const r = await cli(null, ['node', 'list'], o);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'only-in-b\n');
    const via = `the last daemon this user started, from ${join(b.runtimeDir, 'daemon.json')}`;
    assert.equal(
      r.stderr,
      `WARNING: no daemon runs for statedir ${defaultStatedir}; using the last one this user started: ${b.info.api}, statedir ${b.statedir}, pid ${b.info.pid} (from ${join(b.runtimeDir, 'daemon.json')}; pass --statedir to choose)\n`,
    );
    const info = await cli(null, ['info'], o);
    assert.equal(info.stdout.split('\n')[1], daemonLine(b, via));
    assert.equal((await cli(null, ['-q', 'info'], o)).stderr, '', '-q hides the warning, not the Daemon line');
  });

  it('info system reports what the daemon says of itself, with the URL it was reached at', async () => {
    const r = await cli(null, ['info', 'system', '--statedir', b.statedir], lastIs(a));
    assert.equal(r.exitCode, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.startsWith('Daemon '));
    assert.match(line ?? '', new RegExp(`^Daemon {8}${b.info.api}, statedir ${b.statedir}, pid ${b.info.pid} on \\S+ \\(found through `));
  });

  it('simulate asks the daemon the CLI finds, over HTTP and 987, and says in one line when nothing listens', async () => {
    for (const proto of ['http', '987']) {
      const r = await cli(null, ['simulate', '--nodes', '4', '--concurrency', '2', '--proto', proto, '--statedir', a.statedir], lastIs(b));
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^nodes 4 {2}requests 4 {2}ok 4 {2}failed 0 /);
    }
    const seen = await cli(a, ['monitor', '--json', '--count', '1', '--since', '1h', '--kind', 'nodescript.*']);
    assert.match((JSON.parse(seen.stdout) as { mac: string }).mac, /^02:4d:00:/, 'daemon a served the simulated nodes');
    // a port nothing listens on (one this test's daemon b just gave up)
    const closed = new URL(b.info.http).port;
    await b.stop();
    const r = await cli(null, ['simulate', '--nodes', '50', '--port', closed]);
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `muster: nothing answers at 127.0.0.1:${closed}: ECONNREFUSED (start the daemon, or pass --host/--port) (DAEMON_UNREACHABLE)\n`);
  });
});
