import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeSubnet, poolCandidates } from '../../../src/boot/dhcp/settings.js';

const bad = (input: Parameters<typeof makeSubnet>[0], pattern: RegExp) =>
  assert.throws(
    () => makeSubnet(input),
    (e: Error & { code?: string }) => e.code === 'CONFIG_INVALID' && pattern.test(e.message),
  );

describe('dhcp subnet settings', () => {
  it('parses a subnet with ranges and walks its pool across ranges, wrapping', () => {
    const s = makeSubnet({ cidr: '10.1.2.3/24', ranges: ['10.1.2.200-10.1.2.201', '10.1.2.10 - 10.1.2.11'] });
    assert.equal(s.cidr, '10.1.2.0/24');
    assert.equal(s.poolSize, 4);
    assert.deepEqual(poolCandidates(s, 3, 3), { ips: ['10.1.2.201', '10.1.2.10', '10.1.2.11'], next: 2 });
    assert.ok(s.inPool('10.1.2.11') && !s.inPool('10.1.2.12') && s.contains('10.1.2.12') && !s.contains('10.1.3.1'));
  });

  it('refuses bad subnets and ranges, naming the value', () => {
    bad({ cidr: '10.1.2.0' }, /cidr must be a network like/);
    bad({ cidr: '10.1.2.0/24', ranges: ['10.1.3.5-10.1.3.9'] }, /range '10\.1\.3\.5-10\.1\.3\.9' is not inside subnet/);
    bad({ cidr: '10.1.2.0/24', ranges: ['10.1.2.9-10.1.2.5'] }, /ends before it starts/);
    bad({ cidr: '10.1.2.0/24', ranges: ['10.1.2.0-10.1.2.5'] }, /network or broadcast/);
    bad({ cidr: '10.1.2.0/24', ranges: ['10.1.2.5'] }, /must be first-last/);
    bad({ cidr: '10.1.2.0/24', ranges: ['10.1.2.5-10.1.2.9', '10.1.2.8-10.1.2.20'] }, /overlap at 10\.1\.2\.8/);
    bad({ cidr: '10.1.2.0/24', gateway: '10.1.2.300' }, /gateway must be a dotted IPv4/);
    bad({ cidr: '10.1.2.0/24', leaseTime: 5 }, /leaseTime/);
  });
});
