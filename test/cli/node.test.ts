import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, PERCEUS_BIN, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';

const mac = (i: number) => `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

describe('muster node/group CLI against a real daemon (embedded DB)', () => {
  let d: TestDaemon;
  before(async () => {
    d = await spawnDaemon();
  });
  after(async () => d?.stop());

  it('adds a node by MAC and shows it in node status (the quick start)', async () => {
    const add = await cli(d, ['node', 'add', '00:11:22:33:44:55']);
    assert.equal(add.exitCode, 0, add.stderr);
    assert.match(add.stdout, /^Node 'n0000' has been added to muster \(00:11:22:33:44:55\)$/m);
    const st = await cli(d, ['node', 'status']);
    assert.equal(st.exitCode, 0, st.stderr);
    const lines = st.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'HostName             Status         IP Address             Last Contact');
    assert.equal(lines[1], '-'.repeat(79));
    assert.equal(lines[2], 'n0000                (undefined)    (undefined)            (undefined)');
  });

  it('sets a field on exactly the nodes of a range with -y --json, options anywhere', async () => {
    const file = join(d.statedir, 'macs.txt');
    await writeFile(file, Array.from({ length: 20 }, (_, i) => mac(1000 + i)).join('\n') + '\n# a comment\n');
    const bulk = await cli(d, ['-q', 'node', 'add', '--file', file]);
    assert.equal(bulk.exitCode, 0, bulk.stderr);
    const r = await cli(d, ['node', 'set', 'group', 'compute', 'n00[00-09]', '-y', '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { nodes: Array<{ name: string; group: string }> };
    assert.deepEqual(
      out.nodes.map((n) => n.name),
      Array.from({ length: 10 }, (_, i) => `n000${i}`),
    );
    const groups = JSON.parse((await cli(d, ['group', 'list', '--json'])).stdout) as Array<{ group: string; nodes: number }>;
    assert.deepEqual(groups, [
      { group: 'cluster', nodes: 11 },
      { group: 'compute', nodes: 10 },
    ]);
    const nl = await cli(d, ['group', 'nodelist', 'compute']);
    assert.equal(nl.stdout.split('\n')[0], 'compute:');
    assert.equal(nl.stdout.split('\n')[1], '   n0000');
  });

  it('refuses a --file with a multicast NodeID, naming the line and why, and adds none', async () => {
    const before = (await cli(d, ['node', 'list'])).stdout;
    const file = join(d.statedir, 'bad-macs.txt');
    await writeFile(file, `${mac(2000)}\n01:00:5e:00:00:01 mcast\n${mac(2001)}\n`);
    const r = await cli(d, ['-q', 'node', 'add', '--file', file]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /bad-macs\.txt:2: 01:00:5E:00:00:01 cannot be a NodeID: it is a multicast .*\(MAC_INVALID\)$/m);
    assert.equal((await cli(d, ['node', 'list'])).stdout, before);
  });

  it('asks before destroying: off a terminal it needs -y and changes nothing without it', async () => {
    const r = await cli(d, ['node', 'delete', 'n0001']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /pass -y to confirm .*\(CONFIRMATION_REQUIRED\)$/m);
    assert.equal((await cli(d, ['node', 'list', 'n0001'])).stdout, 'n0001\n');
    const no = await cli(d, ['node', 'delete', 'n0001', '-n']);
    assert.equal(no.exitCode, 0);
    assert.equal((await cli(d, ['node', 'list', 'n0001'])).stdout, 'n0001\n');
  });

  it('prints node show and summary in the Perceus formats', async () => {
    await cli(d, ['node', 'add', '0011.2233.4466', 'head-1']);
    const show = await cli(d, ['node', 'show', 'head-1']);
    assert.equal(
      show.stdout,
      [
        'head-1: nodeid=00:11:22:33:44:66',
        'head-1: bootenv=discovery',
        'head-1: debug=0',
        'head-1: desc=',
        'head-1: enabled=1',
        'head-1: group=cluster',
        'head-1: hostname=head-1',
        'head-1: ipaddr=',
        'head-1: lastcontact=',
        'head-1: lastexit=',
        'head-1: lastreport=',
        'head-1: observedat=',
        'head-1: observedipaddr=',
        'head-1: status=',
        'head-1: vnfs=',
        'head-1: vnfsbooted=',
        '',
      ].join('\n'),
    );
    const sum = await cli(d, ['node', 'summary', 'head-1']);
    assert.equal(sum.stdout, 'HostName             GroupName    Enabled   Vnfs\nhead-1               cluster          yes\n');
  });

  it('warns about unknown names and still acts on the others', async () => {
    const r = await cli(d, ['node', 'set', 'desc', 'rack 4', 'n0002', 'nosuch', '-y']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /^WARNING: node 'nosuch' not found$/m);
    const many = await cli(d, ['node', 'status', 'n00[00-02]', 'zz[1-40]']);
    assert.match(many.stderr, /^WARNING: 40 nodes not found: zz\[1-40\]$/m, 'unknown names folded into one line');
    assert.match(r.stdout, /^'1' nodes set desc='rack 4': n0002$/m);
  });

  it('accepts the old KEY=VALUE syntax with a warning, and the perceus alias', async () => {
    const r = await cli(d, ['node', 'set', 'debug=2', 'n0003', '-y']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /old KEY=VALUE syntax/);
    const p = await cli(d, ['node', 'add', '02:00:00:00:ff:01'], { bin: PERCEUS_BIN });
    assert.match(p.stdout, /has been added to Perceus/);
    const e = await cli(d, ['-e', 'node', 'delete', 'n0004'], { bin: PERCEUS_BIN });
    assert.equal(e.exitCode, 0, e.stderr);
    assert.equal(e.stdout, '', '-e is -y -q');
  });

  const bad: Array<[string, string[], number, RegExp]> = [
    ['an invalid MAC', ['node', 'add', 'zz:zz:zz:zz:zz:zz'], 2, /is not a MAC address.*\(MAC_INVALID\)/],
    ['a duplicate MAC', ['node', 'add', '00-11-22-33-44-55'], 4, /already exists as node 'n0000'.*\(NODE_EXISTS\)/],
    ['a duplicate name', ['node', 'add', '02:00:00:00:fe:01', 'head-1'], 4, /'head-1' is already used.*\(NAME_TAKEN\)/],
    ['an unknown set key', ['node', 'set', 'colour', 'red', 'n0000', '-y'], 2, /'colour' is not a node field.*\(SET_KEY_INVALID\)/],
    ['a reversed range', ['node', 'list', 'n[5-1]'], 2, /\(PATTERN_INVALID\)/],
    ['an unclosed range', ['node', 'list', 'n[0-'], 2, /\(PATTERN_INVALID\)/],
    ['a non-numeric range', ['node', 'list', 'n[a-z]'], 2, /\(PATTERN_INVALID\)/],
    ['a range over the cap', ['node', 'list', 'n[0-9999]x[0-9999]'], 2, /\(PATTERN_TOO_LARGE\)/],
    ['an unknown node only', ['node', 'status', 'nosuch'], 3, /No nodes found \(NODE_NOT_FOUND\)/],
  ];
  for (const [what, args, exit, msg] of bad) {
    it(`refuses ${what} with one clear line and exit ${exit}, changing nothing`, async () => {
      const before = (await cli(d, ['node', 'show', '--json'])).stdout;
      const r = await cli(d, args);
      assert.equal(r.exitCode, exit, r.stderr);
      const errLines = r.stderr.split('\n').filter((l) => l.startsWith('muster:'));
      assert.equal(errLines.length, 1, r.stderr);
      assert.match(errLines[0]!, msg);
      assert.equal((await cli(d, ['node', 'show', '--json'])).stdout, before);
    });
  }

  it('answers 401 to a wrong or missing token', async () => {
    const wrong = await cli(d, ['node', 'list', '--token', 'nope'], { env: { MUSTER_STATEDIR: '' } });
    assert.equal(wrong.exitCode, 2);
    assert.match(wrong.stderr, /wrong admin token \(token from --token\); the daemon's token is in \/\S+\/admin\.token, .*\(AUTH_REQUIRED\)$/m);
    const res = await fetch(`${d.info.api}/api/v1/nodes`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  it('says in one line that the daemon is not running, with the command to start it', async () => {
    const r = await cli(null, ['node', 'list', '--api', 'http://127.0.0.1:9']);
    assert.equal(r.exitCode, 1);
    assert.equal(
      r.stderr,
      'muster: the muster daemon is not running at http://127.0.0.1:9 (start it with: muster daemon, or pass --api URL) (DAEMON_UNREACHABLE)\n',
    );
  });
});
