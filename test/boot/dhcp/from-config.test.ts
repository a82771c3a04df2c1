import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dhcpOptionsFromConfig } from '../../../src/boot/dhcp/index.js';
import { loadConfig } from '../../../src/config/index.js';
import type { Db } from '../../../src/db/index.js';
import { MusterError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';

const db = {} as Db;
async function options(env: Record<string, string>) {
  const { config } = await loadConfig({ env: { MUSTER_STATEDIR: '/tmp/x', MUSTER_DHCP_SERVER_ADDRESS: '10.9.0.1', ...env } });
  return dhcpOptionsFromConfig(config, { db, log: silentLogger(), httpPort: 8987 });
}

describe('DHCP options from muster.conf', () => {
  it('puts each range in the subnet that holds it and applies the common options', async () => {
    const o = await options({
      MUSTER_DHCP_MODE: 'full',
      MUSTER_DHCP_SUBNET: '10.9.0.0/24, 10.10.0.0/16',
      MUSTER_DHCP_RANGE: '10.10.1.1-10.10.1.200, 10.9.0.100-10.9.0.199',
      MUSTER_DHCP_GATEWAY: '10.9.0.254',
      MUSTER_DHCP_DNS: '10.9.0.2',
    });
    assert.equal(o.serverAddress, '10.9.0.1');
    assert.deepEqual(
      o.subnets!.map((s) => [s.cidr, s.ranges, s.gateway, s.dns]),
      [
        ['10.9.0.0/24', ['10.9.0.100-10.9.0.199'], '10.9.0.254', ['10.9.0.2']],
        ['10.10.0.0/16', ['10.10.1.1-10.10.1.200'], '10.9.0.254', ['10.9.0.2']],
      ],
    );
    assert.equal(o.boot!.httpPort, 8987);
  });

  it('refuses full mode without a pool, and a range outside every subnet', async () => {
    const invalid = (re: RegExp) => (e: unknown) => e instanceof MusterError && e.code === 'CONFIG_INVALID' && re.test(e.message);
    await assert.rejects(options({ MUSTER_DHCP_MODE: 'full' }), invalid(/needs a 'dhcp subnet' and a 'dhcp range'/));
    await assert.rejects(
      options({ MUSTER_DHCP_MODE: 'full', MUSTER_DHCP_SUBNET: '10.9.0.0/24', MUSTER_DHCP_RANGE: '10.8.0.1-10.8.0.9' }),
      invalid(/10\.8\.0\.1-10\.8\.0\.9 lies in no 'dhcp subnet'/),
    );
  });

  it('needs no pool in proxy mode', async () => {
    const o = await options({ MUSTER_DHCP_MODE: 'proxy' });
    assert.equal(o.mode, 'proxy');
    assert.deepEqual(o.subnets, []);
  });
});
