/**
 * Acceptance of the nodescripts issue through a real daemon: Perceus's wire protocol with
 * netcat, the Perceus environment of modules, busybox wget | sh over HTTP, `muster monitor`
 * showing the requests as they happen and `muster stats` counting them.
 */
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import type { ApiStats } from '../../src/cli/stats.js';
import { cli, MUSTER_BIN, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { requireOrSkip } from '../helpers/require.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { until } from '../helpers/until.js';

const NODE = '00:00:00:00:00:01';
const VNFS_MASTER = '10.9.8.7:8987';
const ENV_MODULE = "#!/bin/sh\nenv | sort | sed 's/^/echo /'\n";

async function missing(): Promise<string | false> {
  for (const [tool, args, pkg] of [
    ['nc', ['-h'], 'netcat-openbsd'],
    ['busybox', ['true'], 'busybox'],
  ] as const) {
    const r = await execa(tool, args, { reject: false });
    if (r.failed && r.exitCode === undefined) return `needs ${tool} (Debian package ${pkg})`;
  }
  return false;
}

describe('nodescripts acceptance through the real daemon', { skip: requireOrSkip(await missing()) }, () => {
  let d: TestDaemon;
  let monitor: ResultPromise;
  const lines: string[] = [];
  /** Resolves when the monitor has printed `n` lines (or fails after a while). */
  const monitorLines = async (n: number): Promise<string[]> =>
    (
      await until(
        `the monitor to print ${n} lines`,
        () => lines,
        (l) => l.length >= n,
        10_000,
      )
    ).slice(0, n);
  const stats = async (...args: string[]): Promise<ApiStats> => {
    const r = await cli(d, ['stats', '--json', ...args]);
    assert.equal(r.exitCode, 0, r.stderr);
    return JSON.parse(r.stdout) as ApiStats;
  };

  before(async () => {
    d = await spawnDaemon({ env: { MUSTER_VNFS_TRANSFER_MASTER: VNFS_MASTER } });
    const module = join(d.statedir, 'nodescripts', 'init', 'all', '50-env');
    await writeFile(module, ENV_MODULE);
    await chmod(module, 0o755);
    const res = await fetch(`${d.info.api}/api/v1/events?after=now`, { headers: { authorization: `Bearer ${d.token}` } });
    const { cursor } = (await res.json()) as { cursor: string };
    monitor = execa(MUSTER_BIN, ['monitor', '--kind', 'nodescript', '--after', cursor], { env: d.env, reject: false });
    createInterface({ input: monitor.stdout! }).on('line', (l) => lines.push(l));
  });
  after(async () => {
    monitor?.kill('SIGTERM');
    await monitor;
    await d?.stop();
  });

  it('netcat on the provisiond port: banner, framing, the rendered modules; the node is added as n0000', async () => {
    const r = await execa('sh', ['-c', `printf 'init nodeid=${NODE}\\n' | nc 127.0.0.1 ${d.info.ports.provisiond}`]);
    const out = r.stdout + '\n';
    // Keep-alive '#' lines may come between the banner and the script while it renders (a slow machine).
    assert.match(out, /^# PERCEUSD START\n(#\n)*# NODESCRIPT START\n/, out);
    assert.ok(out.endsWith('# NODESCRIPT END\n# PROVISIOND END\n'), out);
    assert.match(out, /^NODENAME='n0000'$/m, 'the default 00-muster-init module ran');
    assert.match(out, /has no VNFS image/, 'the default 99-muster-last module ran last');
    assert.ok(out.indexOf('echo STATE=') < out.indexOf('has no VNFS image'), 'modules in byte order of their names');
    // The 50-env module: exactly the Perceus variables (and the PWD dash exports), right values.
    const env = Object.fromEntries([...out.matchAll(/^echo ([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    // ... plus the run marker by which the runner kills what a module leaves behind (src/proc).
    assert.match(env.MUSTER_RUN_ID ?? '', /^[0-9a-f-]{36}$/);
    delete env.MUSTER_RUN_ID;
    assert.deepEqual(env, {
      DEBUG: '',
      ENABLED: '1',
      GROUPNAME: 'cluster',
      IPADDR: '127.0.0.1',
      NODEID: NODE,
      NODENAME: 'n0000',
      PATH: '/bin:/usr/bin:/sbin:/usr/sbin',
      PERL5LIB: join(PACKAGE_ROOT, 'perceus-compat'),
      PERL5OPT: '-MMusterPerceusCompat',
      PWD: d.statedir,
      STATE: 'init',
      STATEDIR: `${d.statedir}/`,
      VNFS: '',
      VNFSMASTER: VNFS_MASTER,
      VNFSMETHOD: 'http',
      VNFSPREFIX: '',
    });
    const show = await cli(d, ['node', 'show', 'n0000']);
    assert.match(show.stdout, /^n0000: nodeid=00:00:00:00:00:01$/m);
    assert.match(show.stdout, /^n0000: status=init$/m);
    assert.match(show.stdout, /^n0000: ipaddr=$/m, 'a contact does not set the admin address');
    assert.match(show.stdout, /^n0000: observedipaddr=127\.0\.0\.1$/m);
    assert.match(show.stdout, /^n0000: observedat=\d+$/m);
    await monitorLines(2); // the monitor shows this request before the next one is made
  });

  it('busybox wget -qO- | sh runs the script end to end over HTTP', async () => {
    const r = await execa('sh', ['-c', `busybox wget -qO- '${d.info.http}/nodescripts/init?hwaddr=${NODE}' | busybox sh`], { reject: false });
    assert.equal(r.exitCode, 0, 'a node without a VNFS has nothing to boot yet: not a failure');
    assert.match(r.stdout, /^NODENAME=n0000$/m);
    assert.match(r.stdout, /^IPADDR=127\.0\.0\.1$/m);
    assert.match(r.stdout, /^STATE=init$/m);
    assert.match(r.stderr, /muster: nothing to boot yet: node n0000 has no VNFS image; assign one on the master: muster node set vnfs <name> n0000/);
  });

  it('muster monitor showed each request and its provision as they happened', async () => {
    const [req987, done987, reqHttp, doneHttp] = await monitorLines(4);
    assert.match(req987!, /info {2}nodescript\.request\s+n0000\s+n0000 asks for init over 987$/);
    assert.match(done987!, /info {2}nodescript\.done\s+n0000\s+n0000 provisioned init in \d+\.\d ms \(3 modules\)$/);
    assert.match(reqHttp!, /nodescript\.request\s+n0000\s+n0000 asks for init over http$/);
    assert.match(doneHttp!, /nodescript\.done\s+n0000\s+n0000 provisioned init in /);
  });

  it('muster stats counts them: totals, unique nodes, latency, rate; a failure and filters', async () => {
    const before = await stats('--interval', '60', '--count', '1');
    assert.deepEqual([before.requests, before.nodes, before.done, before.failed], [2, 1, 2, 0]);
    const l = before.latencyMs!;
    assert.ok(l.min > 0 && l.min <= l.avg && l.avg <= l.p99 && l.p99 <= l.max, JSON.stringify(l));
    assert.equal(before.rate, 2 / 60);

    const unknown = await execa('busybox', ['wget', '-qO-', `${d.info.http}/nodescripts/ready?hwaddr=00:00:00:00:00:99`], { reject: false });
    assert.match(unknown.stdout, /echo 'muster: node 00:00:00:00:00:99 is not registered/, 'an error script, not silence');
    const afterFail = await stats();
    assert.deepEqual([afterFail.requests, afterFail.done, afterFail.failed, afterFail.window], [2, 2, 1, 10]);
    assert.equal((await stats('--node', 'n0000')).failed, 0, 'the unknown node is not n0000');
    assert.equal((await stats('--node', '00:00:00:00:00:9?')).failed, 1, 'an unregistered node is found by its MAC');
    assert.equal((await stats('--state', 'ready')).requests, 0);
    assert.equal((await stats('--since', '1h')).requests, 2);

    const table = await cli(d, ['stats']);
    const [head, row] = table.stdout.trimEnd().split('\n');
    assert.match(head!, /^Requests\s+Nodes\s+Done\s+Failed\s+ModFail\s+Timeout \|\s+Min ms\s+Avg ms\s+P99 ms\s+Max ms \| Done\/s \(10s\)$/);
    assert.match(row!, /^\s+2\s+1\s+2\s+1\s+0\s+0 \|\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ \|\s+[\d.]+$/);

    const repeated = await cli(d, ['stats', '--interval', '1', '--count', '2']);
    assert.equal(repeated.stdout.trimEnd().split('\n').length, 3, 'one header, then a row per interval');
  });
});
