/**
 * How the CLI fails, run as real processes against a real daemon: one line (or one JSON object)
 * on stderr with the exit status of its class, usage errors included; a closed pipe ends it
 * silently; a refused token says where the right one is; a busy port names its setting.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { cli, MUSTER_BIN, PERCEUS_BIN, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';

const NODES = 500;
const mac = (i: number) => `02:00:00:07:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

/** stderr must be exactly one line; returns it. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('WARNING: '));
  assert.equal(lines.length, 1, `want one error line, got:\n${stderr}`);
  return lines[0]!;
}

describe('CLI errors, exit statuses and output ends', () => {
  let d: TestDaemon;
  before(async () => {
    d = await spawnDaemon();
    const file = join(d.statedir, 'macs.txt');
    await writeFile(file, Array.from({ length: NODES }, (_, i) => mac(i)).join('\n') + '\n');
    assert.equal((await cli(d, ['-q', 'node', 'add', '--file', file])).exitCode, 0);
  });
  after(async () => d?.stop());

  it('ends silently, killed by SIGPIPE like coreutils, when `head -1` closes the pipe', async () => {
    // ~200 KB of `node show`: far past a pipe's 64 KB, so the CLI is still writing when head leaves.
    const r = await execa('bash', ['-c', '"$MUSTER" node show | head -1; echo "status ${PIPESTATUS[0]}" >&2'], {
      env: { ...d.env, MUSTER: MUSTER_BIN },
      reject: false,
    });
    assert.equal(r.stdout, 'n0000: nodeid=02:00:00:07:00:00');
    assert.equal(r.stderr, 'status 141', 'no EPIPE stack trace, and the SIGPIPE status a shell knows');
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['a verb typo', ['node', 'lsit'], /^muster: node: unknown command 'lsit'; did you mean list\? \(see 'muster node --help'\) \(REQUEST_INVALID\)$/],
    ['a noun typo', ['nod', 'list'], /^muster: unknown command 'nod'; did you mean node\? \(see 'muster --help'\) \(REQUEST_INVALID\)$/],
    ['a missing argument', ['node', 'set'], /^muster: node set: missing required argument 'key' \(see 'muster node set --help'\) \(REQUEST_INVALID\)$/],
    ['an unknown option', ['node', 'list', '--bogus'], /^muster: node list: unknown option '--bogus' \(see 'muster node list --help'\) \(REQUEST_INVALID\)$/],
    [
      'a missing verb',
      ['node'],
      /^muster: node: missing command, one of: add, delete, list, replace, set, show, status, summary \(see 'muster node --help'\) \(REQUEST_INVALID\)$/,
    ],
    [
      'a bad option value',
      ['simulate', '--nodes', 'x'],
      /^muster: simulate: option '--nodes <n>' argument 'x' is invalid\. --nodes must be a positive whole number, got 'x' .*\(REQUEST_INVALID\)$/,
    ],
    ['too many arguments', ['info', 'about', 'extra'], /^muster: info about: too many arguments for 'about'\. .*\(REQUEST_INVALID\)$/],
  ];
  for (const [what, args, line] of usage) {
    it(`refuses ${what} with one line and exit 2`, async () => {
      const r = await cli(d, args);
      assert.equal(r.exitCode, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(oneLine(r.stderr), line);
    });
  }

  it('still prints help and the version on stdout with exit 0', async () => {
    for (const args of [['--help'], ['node', 'list', '--help'], ['help', 'node']]) {
      const r = await cli(d, args);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /^Usage: muster /);
      assert.equal(r.stderr, '');
    }
    assert.match((await cli(d, ['--version'])).stdout, /^Version=\d/);
  });

  it('says a Perceus command muster lacks is not supported, suggesting nothing misleading', async () => {
    for (const [noun, why] of [
      ['configure', /configure muster in muster\.conf/],
      ['config', /configure muster in muster\.conf/],
      ['init', /at its first start/],
    ] as const) {
      const r = await cli(d, [noun, 'list'], { bin: PERCEUS_BIN });
      assert.equal(r.exitCode, 2, r.stderr);
      const line = oneLine(r.stderr);
      assert.match(line, new RegExp(`^perceus: '${noun === 'config' ? 'configure' : noun}' is a Perceus command muster does not support: `));
      assert.match(line, why);
      assert.doesNotMatch(line, /did you mean/i);
    }
    assert.doesNotMatch((await cli(d, ['--help'], { bin: PERCEUS_BIN })).stdout, /^ +configure/m, 'not offered in help');
  });

  it('exits 3 with one line for a selection that matches no node, in every verb, with --json too', async () => {
    for (const args of [
      ['node', 'list', 'nosuch'],
      ['node', 'show', 'nosuch'],
      ['node', 'status', 'zz[1-3]'],
      ['node', 'summary', 'nosuch'],
      ['group', 'nodelist', 'nosuch'],
    ]) {
      const r = await cli(d, args);
      assert.equal(r.exitCode, 3, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(oneLine(r.stderr), 'muster: No nodes found (NODE_NOT_FOUND)');
    }
    for (const args of [
      ['node', 'show', 'nosuch'],
      ['node', 'list', 'nosuch'],
      ['node', 'status', 'nosuch'],
    ]) {
      const r = await cli(d, ['--json', ...args]);
      assert.equal(r.exitCode, 3, `--json ${args.join(' ')}: ${r.stdout}`);
      assert.equal(r.stdout, '');
      assert.deepEqual(JSON.parse(oneLine(r.stderr)), { error: { code: 'NODE_NOT_FOUND', message: 'No nodes found', exit: 3 } });
    }
  });

  it('prints errors as one JSON object on stderr with --json, usage errors included', async () => {
    const typo = await cli(d, ['node', 'lsit', '--json']);
    assert.equal(typo.exitCode, 2);
    const e = JSON.parse(oneLine(typo.stderr)) as { error: { code: string; message: string; exit: number } };
    assert.equal(e.error.code, 'REQUEST_INVALID');
    assert.equal(e.error.exit, 2);
    assert.match(e.error.message, /^node: unknown command 'lsit'/);
    const bad = await cli(d, ['--json', 'node', 'add', 'zz:zz:zz:zz:zz:zz']);
    assert.equal(bad.exitCode, 2);
    assert.equal((JSON.parse(oneLine(bad.stderr)) as typeof e).error.code, 'MAC_INVALID');
  });

  it("says which token was refused and where the daemon's is", async () => {
    const tokenFile = join(d.statedir, 'admin.token');
    const flag = await cli(d, ['node', 'list', 'n0000', '--token', 'nope']);
    assert.equal(flag.exitCode, 2);
    assert.equal(
      oneLine(flag.stderr),
      `muster: wrong admin token (token from --token); the daemon's token is in ${tokenFile}, which the CLI reads unless --token or MUSTER_TOKEN is given (AUTH_REQUIRED)`,
    );
    const env = await cli(d, ['node', 'list', 'n0000'], { env: { MUSTER_TOKEN: 'nope' } });
    assert.match(oneLine(env.stderr), /^muster: wrong admin token \(token from MUSTER_TOKEN\); the daemon's token is in /);
    // --api to the right daemon with a statedir that has no token (nor daemon.json): no token sent.
    const empty = await mkdtemp(join(tmpdir(), 'muster-notoken-'));
    try {
      const none = await cli(d, ['node', 'list', '--api', d.info.api, '--statedir', empty]);
      assert.equal(none.exitCode, 2);
      assert.equal(
        oneLine(none.stderr),
        `muster: missing admin token (cannot read ${join(empty, 'admin.token')} (ENOENT)); the daemon at ${d.info.api} keeps its token in admin.token in its statedir (pass that --statedir), which the CLI reads unless --token or MUSTER_TOKEN is given (AUTH_REQUIRED)`,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  // TFTP (the same listenFailed) is asserted in test/boot/tftp/protocol.test.ts.
  it('names the server and its setting when a port is taken (one mechanism for every listener)', async () => {
    const statedir = await mkdtemp(join(tmpdir(), 'muster-busy-'));
    const runtime = await mkdtemp(join(tmpdir(), 'muster-run-'));
    const port = (url: string) => new URL(url).port;
    const base = { '--http-port': '0', '--api-port': '0', '--provisiond-port': '0', '--tftp-port': '0', '--dhcp-port': '0' };
    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        { '--provisiond-port': String(d.info.ports.provisiond) },
        new RegExp(
          `^muster: provisiond: 0\\.0\\.0\\.0:${d.info.ports.provisiond} is in use \\(set 'provisiond port' in muster\\.conf, or stop the server that holds it\\) \\(LISTEN_FAILED\\)$`,
        ),
      ],
      [
        { '--http-port': port(d.info.http) },
        new RegExp(`^muster: node HTTP: 0\\.0\\.0\\.0:${port(d.info.http)} is in use \\(set 'http port' in muster\\.conf, .*\\(LISTEN_FAILED\\)$`),
      ],
      [
        { '--api-port': port(d.info.api) },
        new RegExp(`^muster: admin API: 127\\.0\\.0\\.1:${port(d.info.api)} is in use \\(set 'api port' in muster\\.conf, .*\\(LISTEN_FAILED\\)$`),
      ],
      // TEST-NET-1 (RFC 5737): never an address of this host
      [
        { '--api-address': '192.0.2.1' },
        /^muster: admin API: 192\.0\.2\.1 is not an address of this host \(set 'api address' in muster\.conf\) \(LISTEN_FAILED\)$/,
      ],
    ];
    try {
      for (const [flags, line] of cases) {
        const args = Object.entries({ ...base, ...flags }).flat();
        const r = await execa(MUSTER_BIN, ['daemon', '--statedir', statedir, ...args], {
          env: { MUSTER_RUNTIME_DIR: runtime, MUSTER_LOG_LEVEL: 'fatal' },
          reject: false,
          timeout: 120_000,
        });
        assert.equal(r.exitCode, 1, String(r.stderr));
        assert.match(oneLine(String(r.stderr)), line);
      }
    } finally {
      await rm(statedir, { recursive: true, force: true });
      await rm(runtime, { recursive: true, force: true });
    }
  });
});
