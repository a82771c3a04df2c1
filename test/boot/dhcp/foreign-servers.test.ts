import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DHCPACK, DHCPOFFER } from '../../../src/boot/dhcp/codec.js';
import { ForeignServers, type SeenServer } from '../../../src/boot/dhcp/foreign-servers.js';
import { capturedPacket } from './packets.js';

const offer = capturedPacket('bios-offer'); // dnsmasq's OFFER, server id 10.77.9.1

describe('dhcp coexistence diagnostic', () => {
  it('warns once per server per interval and counts every OFFER', () => {
    const warned: SeenServer[] = [];
    const f = new ForeignServers('10.0.0.1', 60_000, (s) => void warned.push(s));
    f.observe(offer, '10.77.9.1', 0);
    f.observe(offer, '10.77.9.1', 30_000);
    f.observe(offer, '10.77.9.1', 61_000);
    assert.deepEqual(
      warned.map((w) => [w.server, w.offers]),
      [
        ['10.77.9.1', 1],
        ['10.77.9.1', 3],
      ],
    );
    const [s] = f.list();
    assert.deepEqual([s!.offers, s!.leasesAddresses, s!.bootfile], [3, true, 'undionly.kpxe']);
  });

  it('ignores its own replies, ACKs and client messages', () => {
    const warned: SeenServer[] = [];
    const f = new ForeignServers('10.77.9.1', 60_000, (s) => void warned.push(s));
    f.observe(offer, '10.77.9.1');
    f.observe({ ...offer, options: { ...offer.options, serverId: '10.0.0.9', messageType: DHCPACK } }, '10.0.0.9');
    f.observe({ ...capturedPacket('bios-discover') }, '0.0.0.0');
    assert.equal(warned.length, 0);
    assert.deepEqual(f.list(), []);
  });

  it('names a server without option 54 by its source address, and remembers at most 64', () => {
    const f = new ForeignServers('10.0.0.1', 60_000, () => undefined);
    f.observe({ ...offer, options: { messageType: DHCPOFFER } }, '10.5.5.5');
    assert.equal(f.list()[0]!.server, '10.5.5.5');
    for (let i = 0; i < 200; i++) f.observe({ ...offer, options: { ...offer.options, serverId: `10.9.${i}.1` } }, '10.9.0.1');
    assert.equal(f.list().length, 64);
  });
});
