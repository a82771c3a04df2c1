import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';

describe('muster export against a real daemon', () => {
  let d: TestDaemon;
  before(async () => {
    d = await spawnDaemon({ env: { MUSTER_EXPORT_FILES: 'ethers,hosts', MUSTER_DHCP_DOMAIN: 'lan' } });
    await cli(d, ['-q', 'node', 'add', '02:00:00:00:00:01']);
    await cli(d, ['-q', 'node', 'add', '02:00:00:00:00:02', 'head']);
    await cli(d, ['-q', 'node', 'set', 'ipaddr', '10.0.0.1', 'head', '-y']);
  });
  after(async () => d?.stop());

  it('prints dnsmasq, ethers and hosts text for a selection', async () => {
    const dns = await cli(d, ['export', 'dnsmasq']);
    assert.equal(dns.exitCode, 0, dns.stderr);
    assert.deepEqual(
      dns.stdout.split('\n').filter((l) => !l.startsWith('#')),
      ['02:00:00:00:00:02,head,10.0.0.1', '02:00:00:00:00:01,n0000', ''],
    );
    const ethers = await cli(d, ['export', 'ethers', 'n0000']);
    assert.deepEqual(
      ethers.stdout.split('\n').filter((l) => !l.startsWith('#')),
      ['02:00:00:00:00:01 n0000', ''],
    );
    const hosts = await cli(d, ['export', 'hosts']);
    assert.match(hosts.stdout, /^10\.0\.0\.1 +head head\.lan$/m);
    const bad = await cli(d, ['export', 'ethers', 'n[']);
    assert.equal(bad.exitCode, 2);
  });

  it('keeps the configured export files up to date', async () => {
    await cli(d, ['-q', 'node', 'add', '02:00:00:00:00:03', 'late']);
    const path = join(d.statedir, 'exports', 'ethers');
    const text = await until(
      'the new node in the ethers file',
      () => readFile(path, 'utf8').catch(() => ''),
      (t) => t.includes('late'),
      10_000,
    );
    assert.match(text, /^02:00:00:00:00:03 late$/m);
    assert.match(await readFile(join(d.statedir, 'exports', 'hosts'), 'utf8'), /head head\.lan/);
  });
});
