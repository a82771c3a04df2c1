/**
 * Full mode tells iPXE not to wait for ProxyDHCP offers (issue 9 #16): its OFFER and ACK carry
 * option 175 with sub-option 176 = 1, on the wire; a PXE ROM's reply and a proxy reply do not.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { DEFAULT_BOOT } from '../../../src/boot/dhcp/bootfile.js';
import { decode, encode, DHCPACK, DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, type DhcpPacket } from '../../../src/boot/dhcp/codec.js';
import { handleFull, handleProxy, type HandlerContext } from '../../../src/boot/dhcp/handler.js';
import { makeSubnet } from '../../../src/boot/dhcp/settings.js';
import { describeEachBackend, freshDb, type TestDb } from '../../helpers/db.js';
import { capturedPacket } from './packets.js';

const SERVER = '10.50.0.1';

/** The reply as a client receives it: encoded, then decoded from the bytes. */
function onTheWire(p: DhcpPacket | null): DhcpPacket {
  assert.ok(p);
  const r = decode(encode(p));
  assert.ok(r.ok);
  return r.packet;
}
const macOf = (p: DhcpPacket) => [...p.chaddr].map((b) => b.toString(16).padStart(2, '0')).join(':');

await describeEachBackend('dhcp no-pxedhcp for iPXE', (kind) => {
  let t: TestDb;
  const ctx = (): HandlerContext => ({
    db: t.db,
    server: SERVER,
    subnets: [makeSubnet({ cidr: '10.50.0.0/24', ranges: ['10.50.0.100-10.50.0.110'], leaseTime: 600 })],
    boot: DEFAULT_BOOT,
    offerHoldMs: 60_000,
    declineHoldMs: 600_000,
    cursors: new Map(),
    event: () => undefined,
    count: () => undefined,
    debug: () => undefined,
  });
  before(async () => {
    t = await freshDb(kind);
  });
  after(async () => t?.cleanup());
  beforeEach(async () => {
    await t.db.exec('DELETE FROM dhcp_leases;');
  });

  it("sends iPXE's OFFER and ACK no-pxedhcp = 1 (175.176), captured iPXE DISCOVER and REQUEST", async () => {
    const discover = capturedPacket('ipxe-discover');
    assert.equal(discover.options.messageType, DHCPDISCOVER);
    const offer = onTheWire(await handleFull(discover, macOf(discover), ctx()));
    assert.equal(offer.options.messageType, DHCPOFFER);
    assert.match(offer.file, /^http:\/\//, 'the reply is the one for iPXE');
    assert.deepEqual(offer.options.ipxe, new Map([[176, Buffer.from([1])]]));
    const request = capturedPacket('ipxe-request');
    const ack = onTheWire(
      await handleFull(
        { ...request, options: { ...request.options, messageType: DHCPREQUEST, serverId: SERVER, requestedIp: offer.yiaddr } },
        macOf(request),
        ctx(),
      ),
    );
    assert.equal(ack.options.messageType, DHCPACK, ack.options.message);
    assert.deepEqual(ack.options.ipxe, new Map([[176, Buffer.from([1])]]));
  });

  it("leaves option 175 out for a PXE ROM and out of proxy replies (another server's offer is iPXE's to wait for)", async () => {
    const bios = capturedPacket('bios-discover');
    const offer = onTheWire(await handleFull(bios, macOf(bios), ctx()));
    assert.equal(offer.file, 'undionly.kpxe');
    assert.equal(offer.options.ipxe, undefined);
    const ipxe = capturedPacket('ipxe-discover');
    const proxy = onTheWire(handleProxy(ipxe, macOf(ipxe), false, ctx()));
    assert.match(proxy.file, /^http:\/\//);
    assert.equal(proxy.options.ipxe, undefined);
  });
});
