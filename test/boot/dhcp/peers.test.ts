/**
 * Real DHCP clients against muster's DHCP server on a LAN of network namespaces: busybox udhcpc
 * posing as BIOS PXE, UEFI PXE and iPXE, and dhclient; a restart; proxyDHCP beside dnsmasq.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { createLan, netnsUnavailable, type Lan } from '../../helpers/netns.js';
import { freshPgliteStatedir } from '../../helpers/db.js';
import { dhclient, missingTools, startDnsmasq, startMuster, startRecorder, udhcpc, type Pose } from './peers.js';
import { decode, DHCPACK, DHCPREQUEST, encode } from '../../../src/boot/dhcp/codec.js';
import { clientMessage } from './packets.js';
import { requireOrSkip } from '../../helpers/require.js';
import { until } from '../../helpers/until.js';

const skip = requireOrSkip((await netnsUnavailable()) ?? (await missingTools('busybox', 'dhclient', 'dnsmasq')));

const setMac = (lan: Lan, host: string, mac: string) => execa('ip', ['-n', lan.hosts[host]!.ns, 'link', 'set', 'eth0', 'address', mac]);

describe('dhcp with real clients, full mode', { skip }, () => {
  let lan: Lan;
  let statedir: string;
  let muster: Awaited<ReturnType<typeof startMuster>>;
  const opts = () => ({
    statedir,
    mode: 'full',
    port: 67,
    serverAddress: '10.77.1.1',
    subnets: [{ cidr: '10.77.1.0/24', ranges: ['10.77.1.100-10.77.1.199'], gateway: '10.77.1.1', leaseTime: 600 }],
    boot: { httpPort: 8080 },
  });
  before(async () => {
    lan = await createLan({ subnet: '10.77.1', hosts: { srv: 1, cli: null } });
    statedir = await freshPgliteStatedir();
    muster = await startMuster(lan, 'srv', opts());
  });
  after(async () => {
    await muster?.stop();
    await lan?.destroy();
    if (statedir) await rm(statedir, { recursive: true, force: true });
  });

  const leased: Record<string, string> = {};
  const CASES: [Pose, string, string][] = [
    ['bios', '52:54:00:77:00:01', 'undionly.kpxe'],
    ['uefi', '52:54:00:77:00:02', 'ipxe.efi'],
    ['ipxe', '52:54:00:77:00:03', 'http://10.77.1.1:8080/boot/52-54-00-77-00-03'],
  ];
  for (const [pose, mac, bootfile] of CASES) {
    it(`gives udhcpc posing as ${pose} an address, next-server and ${bootfile}`, async () => {
      await setMac(lan, 'cli', mac);
      const got = await udhcpc(lan, 'cli', pose);
      assert.match(got.ip ?? '', /^10\.77\.1\.1\d\d$/);
      assert.equal(got.siaddr, '10.77.1.1');
      assert.equal(got.bootfile, bootfile);
      assert.equal(got.serverId, '10.77.1.1');
      leased[mac] = got.ip!;
    });
  }

  it('gives udhcpc sending a hostname with a NUL in it (option 12) an address', async () => {
    await setMac(lan, 'cli', '52:54:00:77:00:05');
    // "n0\0x" and a vendor class with an escape byte: Postgres text cannot hold the NUL.
    const got = await udhcpc(lan, 'cli', 'plain', ['-x', '0x0c:6e30007802', '-V', 'PXE\x1bClient']);
    assert.match(got.ip ?? '', /^10\.77\.1\.1\d\d$/);
    leased['52:54:00:77:00:05'] = got.ip!;
  });

  it('gives dhclient (vendor class PXEClient in its dhclient.conf) an address and undionly.kpxe', async () => {
    await setMac(lan, 'cli', '52:54:00:77:00:04');
    const got = await dhclient(lan, 'cli', ['send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";']);
    assert.match(got.ip ?? '', /^10\.77\.1\.1\d\d$/);
    assert.equal(got.bootfile, 'undionly.kpxe');
    assert.equal(got.serverId, '10.77.1.1');
    assert.ok(!Object.values(leased).includes(got.ip!), 'a fresh address');
  });

  it('keeps every lease across a server restart', async () => {
    await muster.stop();
    muster = await startMuster(lan, 'srv', opts());
    for (const [pose, mac] of CASES) {
      await setMac(lan, 'cli', mac);
      assert.equal((await udhcpc(lan, 'cli', pose)).ip, leased[mac], `${pose} after restart`);
    }
    const { stats } = await muster.report();
    assert.equal(stats['sent.ACK'], 3);
  });
});

describe('dhcp proxy mode beside dnsmasq', { skip }, () => {
  let lan: Lan;
  let statedir: string;
  let muster: Awaited<ReturnType<typeof startMuster>>;
  before(async () => {
    lan = await createLan({ subnet: '10.77.2', hosts: { srv: 1, dns: 2, cli: null } });
    statedir = await freshPgliteStatedir();
    // The site's own DHCP server is another machine on the segment.
    await startDnsmasq(lan, 'dns', '10.77.2.100,10.77.2.150,1h');
    muster = await startMuster(lan, 'srv', { statedir, mode: 'proxy', port: 67, proxyPort: 4011, serverAddress: '10.77.2.1', boot: { httpPort: 8080 } });
  });
  after(async () => {
    await muster?.stop();
    await lan?.destroy();
    if (statedir) await rm(statedir, { recursive: true, force: true });
  });

  it('lets udhcpc posing as PXE take its address from dnsmasq while muster offers only boot data', async () => {
    const mac = '52:54:00:77:00:11';
    await setMac(lan, 'cli', mac);
    const seen = startRecorder(lan, 'cli', 68);
    await seen.ready;
    const got = await udhcpc(lan, 'cli', 'bios', ['-B']);
    // The proxy offer waits 250 ms (proxyOfferDelayMs), so it may come after udhcpc took dnsmasq's.
    const proxyOffer = () =>
      seen
        .packets()
        .map((h) => decode(Buffer.from(h, 'hex')))
        .flatMap((r) => (r.ok ? [r.packet] : []))
        .find((p) => p.options.messageType === 2 && p.yiaddr === '0.0.0.0');
    const proxy = (await until('a proxy offer from muster', proxyOffer, Boolean, 10_000).finally(seen.stop))!;
    assert.match(got.ip ?? '', /^10\.77\.2\.1[0-5]\d$/);
    assert.equal(got.serverId, '10.77.2.2');
    assert.equal(proxy.siaddr, '10.77.2.1');
    assert.equal(proxy.file, 'undionly.kpxe');
    assert.equal(proxy.options.vendorClass, 'PXEClient');
    assert.deepEqual([...proxy.options.vendorSpecific!], [[6, Buffer.from([8])]]);

    // The ROM's next step: configure the address dnsmasq gave, then ask muster's PXE port.
    await lan.run('cli', ['ip', 'addr', 'add', `${got.ip}/24`, 'dev', 'eth0']);
    const req = encode(clientMessage(DHCPREQUEST, mac, {}, { ciaddr: got.ip! }));
    const src = `const s=require('dgram').createSocket('udp4');s.on('message',m=>{console.log(m.toString('hex'));process.exit(0)});
s.send(Buffer.from('${req.toString('hex')}','hex'),4011,'10.77.2.1');setTimeout(()=>process.exit(3),3000)`;
    const ack = decode(Buffer.from(await lan.run('cli', [process.execPath, '-e', src]), 'hex'));
    assert.ok(ack.ok);
    assert.equal(ack.packet.options.messageType, DHCPACK);
    assert.equal(ack.packet.yiaddr, '0.0.0.0');
    assert.equal(ack.packet.file, 'undionly.kpxe');
  });

  it('names dnsmasq as another DHCP server on the segment', async () => {
    const { seenServers, stats } = await muster.report();
    assert.deepEqual(
      seenServers.map((x) => [x.server, x.leasesAddresses]),
      [['10.77.2.2', true]],
    );
    assert.ok(seenServers[0]!.offers >= 1);
    assert.equal(stats['foreign-server-warnings'], 1);
  });
});
