import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMac, tryParseMac, macHexhyp } from '../../src/nodes/mac.js';
import { MusterError } from '../../src/errors.js';

describe('parseMac', () => {
  const good: Array<[string, string]> = [
    ['aa:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ff'],
    ['AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'],
    ['AA-BB-CC-DD-EE-0F', 'aa:bb:cc:dd:ee:0f'],
    ['aabb.ccdd.eeff', 'aa:bb:cc:dd:ee:ff'],
    ['AABBCCDDEEFF', 'aa:bb:cc:dd:ee:ff'],
    ['01-aa-bb-cc-dd-ee-ff', 'aa:bb:cc:dd:ee:ff'],
    ['01:AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'],
    ['52%3A54%3A00%3A12%3A34%3A56', '52:54:00:12:34:56'],
    ['0:1:2:3:4:5', '00:01:02:03:04:05'],
    ['  00:11:22:33:44:55 ', '00:11:22:33:44:55'],
  ];
  for (const [input, want] of good) it(`accepts ${JSON.stringify(input)}`, () => assert.equal(parseMac(input), want));

  const bad = [
    'zz:zz:zz:zz:zz:zz',
    'aa:bb:cc:dd:ee',
    'aa:bb:cc:dd:ee:ff:00',
    'aa:bb-cc:dd:ee:ff',
    'aabbccddeef',
    '',
    'x'.repeat(1000),
    'aa:bb:cc:dd:ee:ff\0',
    '001:aa:bb:cc:dd:ee',
  ];
  for (const input of bad) {
    it(`refuses ${JSON.stringify(input.slice(0, 30))} with MAC_INVALID`, () => {
      assert.equal(tryParseMac(input), null);
      assert.throws(
        () => parseMac(input),
        (e) => e instanceof MusterError && e.code === 'MAC_INVALID' && /is not a MAC address/.test(e.message),
      );
    });
  }

  const notNics: Array<[string, RegExp]> = [
    ['ff:ff:ff:ff:ff:ff', /FF:FF:FF:FF:FF:FF cannot be a NodeID: it is the broadcast address/],
    ['FFFF.FFFF.FFFF', /broadcast/],
    ['00:00:00:00:00:00', /00:00:00:00:00:00 cannot be a NodeID: it is all zeros/],
    ['000000000000', /all zeros/],
    ['01:00:5e:00:00:fb', /01:00:5E:00:00:FB cannot be a NodeID: it is a multicast \(group\) address/],
    ['33-33-00-00-00-01', /multicast/],
    ['03:00:00:00:00:01', /multicast/],
  ];
  for (const [input, why] of notNics) {
    it(`refuses ${input} as a NodeID, saying why`, () => {
      assert.equal(tryParseMac(input), null);
      assert.throws(
        () => parseMac(input),
        (e) => e instanceof MusterError && e.code === 'MAC_INVALID' && why.test(e.message),
      );
    });
  }
  it('accepts unicast MACs, locally administered included', () => {
    for (const m of ['02:00:00:00:00:01', 'fe:ff:ff:ff:ff:ff', '00:00:00:00:00:01']) assert.equal(parseMac(m), m);
  });

  it('spells hexhyp for iPXE', () => assert.equal(macHexhyp('aa:bb:cc:dd:ee:ff'), 'aa-bb-cc-dd-ee-ff'));
});
