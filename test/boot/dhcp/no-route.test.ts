/**
 * A boot LAN without a default route (issue 8 #17): muster's replies to address-less clients go
 * to 255.255.255.255, which a wildcard socket cannot send without a route (ENETUNREACH). Real
 * udhcpc must still get its lease, with only the connected /24 and with no route at all.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { createLan, netnsUnavailable, type Lan, type LanRoutes } from '../../helpers/netns.js';
import { freshPgliteStatedir } from '../../helpers/db.js';
import { missingTools, startMuster, udhcpc } from './peers.js';
import { decode, DHCPACK, DHCPREQUEST, encode } from '../../../src/boot/dhcp/codec.js';
import { clientMessage } from './packets.js';
import { requireOrSkip } from '../../helpers/require.js';

const skip = requireOrSkip((await netnsUnavailable()) ?? (await missingTools('busybox')));

const CASES: [LanRoutes, string][] = [
  ['connected', '10.77.5'],
  ['none', '10.77.6'],
];

for (const [routes, net] of CASES) {
  describe(`dhcp on a LAN whose server has routes: ${routes}`, { skip }, () => {
    let lan: Lan;
    let statedir: string;
    let muster: Awaited<ReturnType<typeof startMuster>>;
    let leased = '';
    before(async () => {
      lan = await createLan({ subnet: net, hosts: { srv: 1, cli: null }, routes });
      statedir = await freshPgliteStatedir();
      muster = await startMuster(lan, 'srv', {
        statedir,
        mode: 'full',
        port: 67,
        serverAddress: `${net}.1`,
        subnets: [{ cidr: `${net}.0/24`, ranges: [`${net}.100-${net}.199`], leaseTime: 600 }],
        boot: { httpPort: 8080 },
      });
    });
    after(async () => {
      await muster?.stop();
      await lan?.destroy();
      if (statedir) await rm(statedir, { recursive: true, force: true });
    });

    it('has no route to 255.255.255.255 (the premise)', async () => {
      const r = await execa('ip', ['-n', lan.hosts.srv!.ns, 'route', 'get', '255.255.255.255'], { reject: false });
      assert.notEqual(r.exitCode, 0, `expected no route, got: ${r.stdout}`);
    });

    it('gives busybox udhcpc a lease', async () => {
      await execa('ip', ['-n', lan.hosts.cli!.ns, 'link', 'set', 'eth0', 'address', '52:54:00:77:05:01']);
      const got = await udhcpc(lan, 'cli', 'bios');
      assert.match(got.ip ?? '', new RegExp(`^${net.replace(/\./g, '\\.')}\\.1\\d\\d$`));
      assert.equal(got.serverId, `${net}.1`);
      const { stats } = await muster.report();
      assert.equal(stats['send-errors'] ?? 0, 0);
      assert.ok((stats['sent.ACK'] ?? 0) >= 1, JSON.stringify(stats));
      leased = got.ip!;
    });

    it('answers a renewing client (unicast REQUEST from its address) even when there is no route back to it', async () => {
      await lan.run('cli', ['ip', 'addr', 'add', `${leased}/24`, 'dev', 'eth0']);
      const req = encode(clientMessage(DHCPREQUEST, '52:54:00:77:05:01', {}, { ciaddr: leased }));
      const src = `const s=require('dgram').createSocket('udp4');s.on('message',m=>{console.log(m.toString('hex'));process.exit(0)});
s.bind(68,()=>s.send(Buffer.from('${req.toString('hex')}','hex'),67,'${net}.1'));setTimeout(()=>process.exit(3),5000)`;
      const ack = decode(Buffer.from(await lan.run('cli', [process.execPath, '-e', src]), 'hex'));
      assert.ok(ack.ok);
      assert.equal(ack.packet.options.messageType, DHCPACK);
      assert.equal(ack.packet.yiaddr, leased);
    });
  });
}

describe('dhcp start-up on a LAN without routes, server address not on this host', { skip }, () => {
  it('warns once, at start, that replies to address-less clients cannot be sent and what to do', async () => {
    const lan = await createLan({ subnet: '10.77.7', hosts: { srv: 1 }, routes: 'none' });
    const statedir = await freshPgliteStatedir();
    try {
      const muster = await startMuster(lan, 'srv', {
        statedir,
        mode: 'full',
        port: 67,
        serverAddress: '10.77.7.250',
        subnets: [{ cidr: '10.77.7.0/24', ranges: ['10.77.7.100-10.77.7.199'] }],
        boot: { httpPort: 8080 },
      });
      const out = await muster.stop();
      const warnings = out.split('\n').filter((l) => l.includes('cannot be sent'));
      assert.equal(warnings.length, 1, out);
      assert.match(warnings[0]!, /binding 10\.77\.7\.250:67 failed with EADDRNOTAVAIL/);
      assert.match(warnings[0]!, /set 'dhcp server address' to this host's address on the boot LAN/);
      assert.match(warnings[0]!, /ip route add 255\.255\.255\.255 dev <boot NIC>/);
    } finally {
      await lan.destroy();
      await rm(statedir, { recursive: true, force: true });
    }
  });
});
