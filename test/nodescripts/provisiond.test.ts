import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import { getNodeByMac } from '../../src/nodes/index.js';
import { startProvisiondServer, type ProvisiondServer } from '../../src/nodescripts/provisiond-server.js';
import { listEvents } from '../../src/events/index.js';
import { describeEachBackend } from '../helpers/db.js';
import { fixture, talk, writeModule, type Fixture } from './fixture.js';
import { silentLogger } from '../../src/log.js';
import { PERCEUS_COMPAT_DIR } from '../../src/nodescripts/perceus-compat.js';

const run = promisify(execFile);
const FRAME = (body: string): string => `# PERCEUSD START\n# NODESCRIPT START\n${body}# NODESCRIPT END\n# PROVISIOND END\n`;
/** Keep-alive `#` lines appear whenever a render takes longer than keepaliveMs (cold start). */
const quiet = (t: string): string => t.replace(/^#\n/gm, '');
const ENV_NAMES = [
  'DEBUG',
  'ENABLED',
  'GROUPNAME',
  'IPADDR',
  'NODEID',
  'NODENAME',
  'PATH',
  'PERL5LIB',
  'PERL5OPT',
  'STATE',
  'STATEDIR',
  'VNFS',
  'VNFSMASTER',
  'VNFSMETHOD',
  'VNFSPREFIX',
];

await describeEachBackend('provisiond 987 protocol', (kind) => {
  let f: Fixture;
  let srv: ProvisiondServer;
  before(async () => {
    // The module deadline is 5 times the slow module's 1.2 s (which must outlast a few keepalives):
    // a loaded machine slows the shell down, and a slow render must not reach the deadline.
    f = await fixture(kind, {}, { limits: { timeoutMs: 6000, outputLimit: 1 << 20 } });
    await writeModule(f.statedir, 'init/all/10-hello', '#!/bin/sh\necho "echo hello $NODENAME"\n');
    await writeModule(f.statedir, 'env/all/10-env', "#!/bin/sh\nenv | sort | sed 's/^/echo /'\n");
    await writeModule(f.statedir, 'slow/all/10-slow', '#!/bin/sh\nsleep 1.2\necho done\n');
    await writeModule(f.statedir, 'hang/all/10-hang', '#!/bin/sh\n(sleep 347; echo late) &\nsleep 347\n');
    await writeModule(f.statedir, 'huge/all/10-huge', '#!/bin/sh\nhead -c 104857600 /dev/zero | tr "\\0" x\n');
    srv = await startProvisiondServer({
      service: f.service,
      log: silentLogger(),
      port: 0,
      host: '127.0.0.1',
      readTimeoutMs: 700,
      keepaliveMs: 300,
      lineLimit: 256,
      arpTable: '/dev/null',
    });
  });
  after(async () => {
    await srv.close();
    await f.cleanup();
  });

  it('acceptance: printf init nodeid=… | nc returns the framed script and adds n0000', async () => {
    const { stdout } = await run('sh', ['-c', `printf 'init nodeid=00:00:00:00:00:01\\n' | nc -N 127.0.0.1 ${srv.port}`]);
    assert.equal(quiet(stdout), FRAME('echo hello n0000\n'));
    const node = await getNodeByMac(f.db, '00:00:00:00:00:01');
    assert.equal(node?.name, 'n0000');
    assert.equal(node?.status, 'init');
    assert.equal(node?.ipaddr, null, 'a contact does not set the admin address');
    assert.equal(node?.observedIpaddr, '127.0.0.1');
    assert.ok(node?.observedAt);
    assert.ok(node?.lastcontact);
    const ev = await listEvents(f.db, {});
    assert.ok(ev.some((e) => e.kind === 'node.added' && e.node === 'n0000'));
    assert.ok(ev.some((e) => e.kind === 'nodescript.done' && e.node === 'n0000'));
  });

  it('the next unknown node gets the next free name; nodename= is honoured when valid', async () => {
    assert.equal(quiet((await talk(srv.port, 'init nodeid=00:00:00:00:00:02\n')).text), FRAME('echo hello n0001\n'));
    assert.equal(quiet((await talk(srv.port, 'init nodeid=00-00-00-00-00-03 nodename=login1\n')).text), FRAME('echo hello login1\n'));
  });

  it('env module sees exactly the Perceus variables (plus the run marker and the Perl library), IPADDR the real peer', async () => {
    const r = await talk(srv.port, 'env nodeid=00:00:00:00:00:01\n');
    const lines = r.text
      .split('\n')
      .filter((l) => l.startsWith('echo '))
      .map((l) => l.slice(5));
    const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    // dash exports PWD itself (Perceus: "PWD inherited"); it must be the statedir.
    assert.equal(env.PWD, f.statedir);
    delete env.PWD;
    // src/proc marks each run so that what it leaves running can be found and killed.
    assert.match(env.MUSTER_RUN_ID ?? '', /^[0-9a-f-]{36}$/);
    delete env.MUSTER_RUN_ID;
    assert.deepEqual(env, {
      DEBUG: '',
      ENABLED: '1',
      GROUPNAME: 'cluster',
      IPADDR: '127.0.0.1',
      NODEID: '00:00:00:00:00:01',
      NODENAME: 'n0000',
      PATH: '/bin:/usr/bin:/sbin:/usr/sbin',
      PERL5LIB: PERCEUS_COMPAT_DIR,
      PERL5OPT: '-MMusterPerceusCompat',
      STATE: 'env',
      STATEDIR: f.statedir + '/',
      VNFS: '',
      VNFSMASTER: '127.0.0.1:3000',
      VNFSMETHOD: 'http',
      VNFSPREFIX: '',
    });
    assert.deepEqual(Object.keys(env).sort(), ENV_NAMES);
  });

  it('ping echoes its words; log is recorded and closed without a reply', async () => {
    assert.equal((await talk(srv.port, 'ping\n')).text, '# PERCEUSD START\nping\n# PROVISIOND END\n');
    assert.equal((await talk(srv.port, 'ping hello  world\n')).text, '# PERCEUSD START\nhello world\n# PROVISIOND END\n');
    const r = await talk(srv.port, 'log nodeid=00:00:00:00:00:01 disk sda failed\n');
    assert.equal(r.text, '# PERCEUSD START\n');
    assert.ok(r.closed);
    const ev = await listEvents(f.db, { kindPrefix: 'node.log' });
    assert.match(ev.at(-1)!.message, /message from n0000: nodeid=00:00:00:00:00:01 disk sda failed/);
  });

  it('unknown node in a non-init state gets an error script, not silence', async () => {
    const r = await talk(srv.port, 'ready nodeid=00:00:00:00:00:99\n');
    assert.ok(r.closed);
    assert.match(r.text, /# NODESCRIPT START\necho 'muster: node 00:00:00:00:00:99 is not registered.*' >&2\nexit 1\n# NODESCRIPT END\n# PROVISIOND END\n$/);
    assert.equal(await getNodeByMac(f.db, '00:00:00:00:00:99'), null);
  });

  for (const [name, payload, reason] of [
    ['bad MAC', 'init nodeid=zz:zz:zz:zz:zz:zz\n', /is not a MAC address/],
    ['nodename=../../x', 'init nodeid=00:00:00:00:00:10 nodename=../../x\n', /not a valid hostname/],
    ['state with odd characters', 'single-user nodeid=00:00:00:00:00:01\n', /is not a state/],
    ['state with a slash', '../init nodeid=00:00:00:00:00:01\n', /is not a state/],
    ['empty line', '\n', /empty request/],
    ['binary garbage', Buffer.from([0xff, 0x00, 0x1b, 0x5b, 0x41, 0x0a]), /is not a state/],
    ['no nodeid and no ARP entry', 'init\n', /no NodeID for 127.0.0.1 \(not in the ARP table\)/],
    ['a line over the limit', 'init ' + 'x'.repeat(400) + '\n', /longer than 256 bytes/],
  ] as const) {
    it(`refuses ${name} with an error script and closes`, async () => {
      const r = await talk(srv.port, payload);
      assert.ok(r.closed, 'closed');
      assert.match(r.text, reason);
      assert.match(r.text, /exit 1\n# NODESCRIPT END\n# PROVISIOND END\n$/);
    });
  }
  it('auto-adds on init only, never for a refused nodename', async () => {
    assert.equal(await getNodeByMac(f.db, '00:00:00:00:00:10'), null);
  });

  it('a client that sends nothing, or half a line, is answered and closed at the read deadline', async () => {
    const silent = await talk(srv.port, null);
    assert.ok(silent.closed);
    assert.match(silent.text, /no request within 700 ms/);
    const half = await talk(srv.port, 'init nodeid=00:00');
    assert.ok(half.closed);
    assert.match(half.text, /no end of line within 700 ms/);
    assert.ok(half.ms < 3000);
  });

  it('a request ended by the client closing its side is still answered (nc -N without newline)', async () => {
    const r = await talk(srv.port, 'ping x', { half: true });
    assert.equal(r.text, '# PERCEUSD START\nx\n# PROVISIOND END\n');
  });

  it('keeps a slow render alive with # lines', async () => {
    const r = await talk(srv.port, 'slow nodeid=00:00:00:00:00:01\n');
    const [head, rest] = r.text.split('# NODESCRIPT START\n');
    assert.match(head!, /^# PERCEUSD START\n(#\n){2,}$/);
    assert.equal(rest, 'done\n# NODESCRIPT END\n# PROVISIOND END\n');
  });

  it('a hung module is killed at its deadline with its process group; others are served meanwhile', async () => {
    // The answer comes at the 6 s deadline: the client waits well past it.
    const hung = talk(srv.port, 'hang nodeid=00:00:00:00:00:01\n', { timeoutMs: 30_000 });
    const other = await talk(srv.port, 'init nodeid=00:00:00:00:00:02\n');
    assert.equal(quiet(other.text), FRAME('echo hello n0001\n'));
    const r = await hung;
    assert.ok(r.closed);
    assert.match(r.text, /10-hang ran past its 6000 ms deadline and was killed/);
    assert.match(r.text, /exit 1\n# NODESCRIPT END\n# PROVISIOND END\n$/);
    // 347 s: a duration no other test's processes use (the count is machine-wide).
    const { stdout } = await run('sh', ['-c', `ps -eo args | grep -c '[s]leep 347' || true`]);
    assert.equal(stdout.trim(), '0', 'no sleep 347 left behind');
    const ev = await listEvents(f.db, { kindPrefix: 'module.timeout' });
    assert.equal(ev.length, 1);
  });

  it('a module printing 100 MiB is an error past the cap, not a half script', async () => {
    const r = await talk(srv.port, 'huge nodeid=00:00:00:00:00:01\n');
    assert.match(r.text, /printed more than 1048576 bytes/);
    assert.ok(r.text.length < 4096);
  });
});
