import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { DEFAULT_BOOT } from '../../../src/boot/dhcp/bootfile.js';
import { DHCPACK, DHCPDECLINE, DHCPDISCOVER, DHCPINFORM, DHCPNAK, DHCPOFFER, DHCPRELEASE, DHCPREQUEST, type DhcpPacket } from '../../../src/boot/dhcp/codec.js';
import { handleFull, type HandlerContext } from '../../../src/boot/dhcp/handler.js';
import { findFreeAddress, getLease, writeLease } from '../../../src/boot/dhcp/lease-store.js';
import { replyTarget } from '../../../src/boot/dhcp/reply.js';
import { makeSubnet } from '../../../src/boot/dhcp/settings.js';
import type { NewEvent } from '../../../src/events/index.js';
import { describeEachBackend, freshDb, type TestDb } from '../../helpers/db.js';
import { clientMessage } from './packets.js';

const SERVER = '10.50.0.1';
const A = '52:54:00:00:00:0a';
const B = '52:54:00:00:00:0b';
const C = '52:54:00:00:00:0c';

await describeEachBackend('dhcp leases', (kind) => {
  let t: TestDb;
  let events: NewEvent[];
  const ctx = (): HandlerContext => ({
    db: t.db,
    server: SERVER,
    subnets: [
      makeSubnet({ cidr: '10.50.0.0/24', ranges: ['10.50.0.100-10.50.0.102'], gateway: '10.50.0.1', dns: ['10.50.0.2'], domain: 'lab', leaseTime: 600 }),
      makeSubnet({ cidr: '10.60.0.0/24', ranges: ['10.60.0.10-10.60.0.20'] }),
    ],
    boot: DEFAULT_BOOT,
    offerHoldMs: 60_000,
    declineHoldMs: 600_000,
    cursors: new Map(),
    event: (e) => void events.push(e),
    count: () => undefined,
    debug: () => undefined,
  });
  const send = (p: DhcpPacket, c = ctx()) => handleFull(p, [...p.chaddr].map((b) => b.toString(16).padStart(2, '0')).join(':'), c);

  /** DISCOVER then REQUEST (SELECTING); returns the ACK. */
  async function dora(mac: string, c = ctx()): Promise<DhcpPacket> {
    const offer = await send(clientMessage(DHCPDISCOVER, mac), c);
    assert.equal(offer?.options.messageType, DHCPOFFER);
    const ack = await send(clientMessage(DHCPREQUEST, mac, { serverId: SERVER, requestedIp: offer!.yiaddr }), c);
    assert.equal(ack?.options.messageType, DHCPACK, ack?.options.message);
    return ack!;
  }

  before(async () => {
    t = await freshDb(kind);
  });
  after(async () => t?.cleanup());
  beforeEach(async () => {
    events = [];
    await t.db.exec('DELETE FROM dhcp_leases; DELETE FROM dhcp_declined; DELETE FROM nodes;');
  });

  it('offers a pool address with network settings and the BIOS boot file, then ACKs and binds it', async () => {
    const c = ctx();
    const offer = (await send(clientMessage(DHCPDISCOVER, A), c))!;
    assert.equal(offer.yiaddr, '10.50.0.100');
    assert.equal(offer.siaddr, SERVER);
    assert.equal(offer.file, 'undionly.kpxe');
    assert.equal(offer.options.bootfileName, 'undionly.kpxe', 'asked for option 67');
    assert.deepEqual(
      [offer.options.subnetMask, offer.options.routers, offer.options.dnsServers, offer.options.domainName],
      ['255.255.255.0', ['10.50.0.1'], ['10.50.0.2'], 'lab'],
    );
    assert.deepEqual([offer.options.leaseTime, offer.options.renewalTime, offer.options.rebindingTime], [600, 300, 525]);
    assert.equal((await getLease(t.db, A))?.state, 'offered');
    const ack = (await send(clientMessage(DHCPREQUEST, A, { serverId: SERVER, requestedIp: offer.yiaddr }), c))!;
    assert.equal(ack.options.messageType, DHCPACK);
    const lease = (await getLease(t.db, A))!;
    assert.equal(lease.state, 'bound');
    assert.ok(lease.expiresAt.getTime() > Date.now() + 590_000);
    assert.equal(events.filter((e) => e.kind === 'dhcp.lease').length, 1);
  });

  it('gives different clients different addresses', async () => {
    const ips = [(await dora(A)).yiaddr, (await dora(B)).yiaddr, (await dora(C)).yiaddr];
    assert.deepEqual(ips, ['10.50.0.100', '10.50.0.101', '10.50.0.102']);
  });

  it("NAKs a REQUEST for another client's lease (SELECTING and INIT-REBOOT)", async () => {
    const a = await dora(A);
    await dora(B);
    const sel = await send(clientMessage(DHCPREQUEST, B, { serverId: SERVER, requestedIp: a.yiaddr }));
    assert.equal(sel?.options.messageType, DHCPNAK);
    assert.match(sel!.options.message!, /10\.50\.0\.100 is leased to another client/);
    const reboot = await send(clientMessage(DHCPREQUEST, C, { requestedIp: a.yiaddr }));
    assert.equal(reboot?.options.messageType, DHCPNAK);
    assert.match(reboot!.options.message!, /leased to another client/);
    assert.equal(reboot!.yiaddr, '0.0.0.0');
    assert.equal(reboot!.file, '', 'no boot data in a NAK');
  });

  it('keeps leases across a restart: same address on renew and on a new DISCOVER', async () => {
    const first = await dora(A);
    const restarted = ctx();
    const renew = await send(clientMessage(DHCPREQUEST, A, {}, { ciaddr: first.yiaddr }), restarted);
    assert.equal(renew?.options.messageType, DHCPACK);
    assert.equal(renew?.yiaddr, first.yiaddr);
    assert.equal((await dora(A, restarted)).yiaddr, first.yiaddr);
    assert.equal((await dora(B, restarted)).yiaddr, '10.50.0.101');
  });

  it('stays silent on INIT-REBOOT from an unknown client and NAKs an address off its network', async () => {
    assert.equal(await send(clientMessage(DHCPREQUEST, A, { requestedIp: '10.50.0.101' })), null);
    const off = await send(clientMessage(DHCPREQUEST, A, { requestedIp: '192.168.1.5' }));
    assert.match(off!.options.message!, /not on network 10\.50\.0\.0\/24/);
  });

  it("gives a registered node its fixed address, ending another client's lease on it", async () => {
    await dora(A);
    await t.db.query(`INSERT INTO nodes (mac, name, ipaddr) VALUES ($1, 'n0001', '10.50.0.100')`, [B]);
    const ack = await dora(B);
    assert.equal(ack.yiaddr, '10.50.0.100');
    assert.equal(ack.options.hostname, 'n0001');
    assert.ok(events.some((e) => e.kind === 'dhcp.reservation-taken'));
    const renewA = await send(clientMessage(DHCPREQUEST, A, {}, { ciaddr: '10.50.0.100' }));
    assert.equal(renewA?.options.messageType, DHCPNAK);
    // a pool client never gets another node's reserved address
    await t.db.query(`INSERT INTO nodes (mac, name, ipaddr) VALUES ('52:54:00:00:00:99', 'n0002', '10.50.0.101')`);
    assert.equal((await dora(C)).yiaddr, '10.50.0.102');
  });

  it('holds back a DECLINEd address and offers the client another', async () => {
    const a = await dora(A);
    assert.equal(await send(clientMessage(DHCPDECLINE, A, { serverId: SERVER, requestedIp: a.yiaddr })), null);
    assert.ok(events.some((e) => e.kind === 'dhcp.declined' && e.level === 'warn'));
    assert.equal((await dora(A)).yiaddr, '10.50.0.101');
    assert.equal((await dora(B)).yiaddr, '10.50.0.102');
  });

  it('returns the same address after a RELEASE, and reclaims expired leases only when the pool is full', async () => {
    const a = await dora(A);
    await send(clientMessage(DHCPRELEASE, A, { serverId: SERVER }, { ciaddr: a.yiaddr }));
    assert.equal((await getLease(t.db, A))?.state, 'released');
    await dora(B);
    await dora(C);
    assert.equal((await dora(A)).yiaddr, a.yiaddr);
    // pool full: a fourth client gets nothing until a lease expires
    const D = '52:54:00:00:00:0d';
    assert.equal(await send(clientMessage(DHCPDISCOVER, D)), null);
    assert.ok(events.some((e) => e.kind === 'dhcp.pool-exhausted'));
    await t.db.query(`UPDATE dhcp_leases SET expires_at = now() - interval '1 hour' WHERE mac = $1`, [B]);
    assert.equal((await dora(D)).yiaddr, '10.50.0.101');
    assert.equal(await getLease(t.db, B), null);
  });

  it('keeps a lease renewed between the reclaim decision and the reclaim (no read-then-delete race)', async () => {
    const b = await dora(B);
    await dora(A);
    await dora(C);
    await t.db.query(`UPDATE dhcp_leases SET expires_at = now() - interval '1 hour' WHERE mac = $1`, [B]);
    const D = '52:54:00:00:00:0d';
    const pick = await findFreeAddress(t.db, ctx().subnets[0]!, { pos: 0 });
    assert.deepEqual(pick, { ip: b.yiaddr, takeover: pick?.takeover }, "the reclaim decision picks B's expired lease");
    assert.ok(pick?.takeover);
    // B renews (RENEWING: ciaddr, no server id) before the reclaim runs.
    const renewed = await send(clientMessage(DHCPREQUEST, B, {}, { ciaddr: b.yiaddr }));
    assert.equal(renewed?.options.messageType, DHCPACK);
    const ok = await writeLease(t.db, {
      mac: D,
      ip: pick.ip,
      state: 'offered',
      expiresAt: new Date(Date.now() + 60_000),
      hostname: null,
      takeover: pick.takeover,
    });
    assert.equal(ok, false, 'the reclaim must lose to the renewal');
    const lease = await getLease(t.db, B);
    assert.equal(lease?.ip, b.yiaddr, "B's renewed lease survives");
    assert.equal(lease?.state, 'bound');
    assert.equal(await getLease(t.db, D), null);
  });

  it('leases to a client whose hostname (option 12) holds NUL and control bytes, storing it sanitised', async () => {
    const hostname = 'node\u0000\u001b[2Jx'.padEnd(300, 'y');
    const c = ctx();
    const offer = await send(clientMessage(DHCPDISCOVER, A, { hostname }), c);
    assert.equal(offer?.options.messageType, DHCPOFFER);
    const ack = await send(clientMessage(DHCPREQUEST, A, { hostname, serverId: SERVER, requestedIp: offer!.yiaddr }), c);
    assert.equal(ack?.options.messageType, DHCPACK);
    const { rows } = await t.db.query<{ hostname: string }>(`SELECT hostname FROM dhcp_leases WHERE mac = $1::macaddr`, [A]);
    assert.equal(rows[0]?.hostname, 'node\ufffd\ufffd[2Jx'.padEnd(255, 'y'));
  });

  it('drops our OFFER when the client picks another server', async () => {
    await send(clientMessage(DHCPDISCOVER, A));
    assert.equal(await send(clientMessage(DHCPREQUEST, A, { serverId: '10.50.0.9', requestedIp: '10.50.0.100' })), null);
    assert.equal((await getLease(t.db, A))?.state, 'released');
  });

  it('answers INFORM with settings but no address, unicast to ciaddr', async () => {
    const req = clientMessage(DHCPINFORM, A, {}, { ciaddr: '10.50.0.77' });
    const ack = (await send(req))!;
    assert.equal(ack.options.messageType, DHCPACK);
    assert.equal(ack.yiaddr, '0.0.0.0');
    assert.equal(ack.options.leaseTime, undefined);
    assert.equal(ack.options.subnetMask, '255.255.255.0');
    assert.deepEqual(replyTarget(req, ack, { address: '10.50.0.77', port: 68 }, 68), { address: '10.50.0.77', port: 68 });
  });

  it('leases from the relay subnet, echoes option 82 and replies to the relay', async () => {
    const relayInfo = new Map([[1, Buffer.from('port7')]]);
    const req = clientMessage(DHCPDISCOVER, A, { relayAgentInfo: relayInfo }, { giaddr: '10.60.0.1' });
    const offer = (await send(req))!;
    assert.equal(offer.yiaddr, '10.60.0.10');
    assert.deepEqual(offer.options.relayAgentInfo, relayInfo);
    assert.deepEqual(replyTarget(req, offer, { address: '10.60.0.1', port: 67 }, 68), { address: '10.60.0.1', port: 67 });
    assert.equal(await send(clientMessage(DHCPDISCOVER, B, {}, { giaddr: '172.16.0.1' })), null, 'no subnet for that relay');
  });
});
