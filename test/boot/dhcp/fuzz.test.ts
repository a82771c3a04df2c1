/**
 * Fuzz: 100,000 hostile packets through the pure path (the bench runs 1,000,000), and a few
 * thousand through a live server on loopback with PGlite; nothing throws, memory stays flat,
 * the server keeps answering.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { DHCPDISCOVER, DHCPOFFER, decode, encode } from '../../../src/boot/dhcp/codec.js';
import { startDhcpServer, type DhcpServer } from '../../../src/boot/dhcp/server.js';
import { freshDb, type TestDb } from '../../helpers/db.js';
import { exercise, hostilePacket, rng } from './fuzz.js';
import { clientMessage } from './packets.js';

describe('dhcp fuzz', () => {
  it('survives 100,000 random and mutated packets through decode, planning and encoding', () => {
    const r = rng(0x6d757374);
    let decoded = 0;
    let heapAt10k = 0;
    for (let i = 0; i < 100_000; i++) {
      if (exercise(hostilePacket(r))) decoded++;
      if (i === 10_000) heapAt10k = process.memoryUsage().heapUsed;
    }
    const growth = process.memoryUsage().heapUsed - heapAt10k;
    assert.ok(decoded > 5_000, `mutations should often still decode (got ${decoded})`);
    assert.ok(decoded < 95_000, `most hostile packets should be refused (decoded ${decoded})`);
    assert.ok(growth < 64 * 1024 * 1024, `heap grew ${Math.round(growth / 1e6)} MB`);
  });

  describe('a live server on loopback', () => {
    let t: TestDb;
    let server: DhcpServer;
    // Ephemeral ports: the client socket first, so the server's replies can be aimed at it.
    let sock: Socket;
    before(async () => {
      sock = createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      t = await freshDb('pglite');
      server = await startDhcpServer({
        db: t.db,
        mode: 'full',
        host: '127.0.0.1',
        port: 0,
        clientPort: sock.address().port,
        watchForeign: false,
        serverAddress: '127.0.0.1',
        subnets: [{ cidr: '127.0.0.0/24', ranges: ['127.0.0.10-127.0.0.250'] }],
        log: pino({ level: 'silent' }),
      });
    });
    after(async () => {
      sock?.close();
      await server?.close();
      await t?.cleanup();
    });

    const untilReceived = async (n: number): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while ((server.stats().received ?? 0) < n) {
        if (Date.now() > deadline) assert.fail(`the server received ${server.stats().received ?? 0} of ${n} packets in 60 s`);
        await new Promise((res) => setTimeout(res, 2));
      }
    };

    it('drops 3,000 hostile packets with counters, without throwing, and still answers a DISCOVER', async () => {
      const r = rng(7);
      for (let i = 0; i < 3_000; i++) {
        sock.send(hostilePacket(r), server.port, '127.0.0.1');
        // paced by the server's own count so the kernel's socket buffer never overflows, however
        // slow the machine: every packet must reach the handler
        if (i % 20 === 19) await untilReceived(i + 1);
      }
      await untilReceived(3_000);
      const got = new Promise<Buffer>((resolve) =>
        sock.on('message', (m) => {
          const d = decode(m);
          if (d.ok && d.packet.chaddr.equals(Buffer.from([0x52, 0x54, 0, 0xfe, 0xed, 1]))) resolve(m);
        }),
      );
      // A broadcast reply would leave by whatever interface owns the server address, not
      // necessarily to this socket, so the test asks as a relay would (giaddr set): unicast to giaddr.
      const discover = clientMessage(DHCPDISCOVER, '52:54:00:fe:ed:01', {}, { giaddr: '127.0.0.1' });
      sock.send(encode(discover), server.port, '127.0.0.1');
      const offer = decode(await got);
      assert.ok(offer.ok);
      assert.equal(offer.packet.options.messageType, DHCPOFFER);
      const stats = server.stats();
      assert.ok(stats.received! >= 3_001, JSON.stringify(stats));
      assert.ok(stats['drop.malformed']! > 1_000, JSON.stringify(stats));
      assert.equal(stats.errors, undefined, 'no handler threw');
    });
  });
});
