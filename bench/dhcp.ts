/**
 * DHCP benchmarks (root, network namespaces): `node --import tsx bench/dhcp.ts [seconds] [rate]`
 *  1. perfdhcp (Debian kea-admin) DORA exchanges per second against dnsmasq and against muster
 *     (full mode, PGlite), same LAN, same load, one after the other; prints both and the ratio.
 *     perfdhcp acts as a relay (giaddr = its address), so replies are unicast to it.
 *  2. 1,000,000 hostile packets through the pure server path (decode → plan → encode): rate and
 *     heap growth (the fuzz test runs 100,000 of them).
 */
import { rm } from 'node:fs/promises';
import { createLan } from '../test/helpers/netns.js';
import { freshPgliteStatedir } from '../test/helpers/db.js';
import { exercise, hostilePacket, rng } from '../test/boot/dhcp/fuzz.js';
import { startDnsmasq, startMuster } from '../test/boot/dhcp/peers.js';

const seconds = Number(process.argv[2] ?? 10);
const rate = Number(process.argv[3] ?? 2000);
const CLIENTS = 3000;

interface PerfResult {
  exchangesPerSec: number;
  sent: number;
  drops: number;
}

function parsePerfdhcp(out: string): PerfResult {
  // "sent packets: N" / "drops: N" for DISCOVER-OFFER then REQUEST-ACK; the rate line is "rate: X 4-way exchanges/second".
  const rateLine = /^rate:\s*([\d.]+)\s*4-way exchanges\/second/im.exec(out);
  const sent = [...out.matchAll(/sent packets:\s*(\d+)/g)].map((m) => Number(m[1]));
  const drops = [...out.matchAll(/drops:\s*(\d+)/g)].map((m) => Number(m[1]));
  if (!rateLine) throw new Error(`cannot read perfdhcp's output:\n${out}`);
  return { exchangesPerSec: Number(rateLine[1]), sent: sent[0] ?? 0, drops: drops.reduce((a, b) => a + b, 0) };
}

async function perfdhcpRun(lan: Awaited<ReturnType<typeof createLan>>): Promise<PerfResult> {
  const out = await lan
    .run('cli', ['perfdhcp', '-4', '-l', '10.78.0.2', '-r', String(rate), '-R', String(CLIENTS), '-p', String(seconds), '-W', '2000000', '10.78.0.1'], {
      timeoutMs: (seconds + 30) * 1000,
    })
    .catch((err: { stdout?: string }) => err.stdout ?? '');
  return parsePerfdhcp(out);
}

const lan = await createLan({ subnet: '10.78.0', hosts: { srv: 1, cli: 2 } });
const statedir = await freshPgliteStatedir();
try {
  // A /20 so 3,000 clients fit; the relay address 10.78.0.2 selects it.
  const dnsmasq = await startDnsmasq(lan, 'srv', '10.78.1.0,10.78.15.254,255.255.240.0,1h', ['--dhcp-lease-max=10000']);
  const peer = await perfdhcpRun(lan);
  dnsmasq.child.kill('SIGTERM');
  await dnsmasq.child;
  const muster = await startMuster(lan, 'srv', {
    statedir,
    mode: 'full',
    port: 67,
    serverAddress: '10.78.0.1',
    subnets: [{ cidr: '10.78.0.0/20', ranges: ['10.78.1.0-10.78.15.254'], leaseTime: 3600 }],
  });
  const ours = await perfdhcpRun(lan);
  await muster.stop();
  console.log(`perfdhcp DORA, ${CLIENTS} clients, offered ${rate}/s for ${seconds}s`);
  console.log(`  dnsmasq: ${peer.exchangesPerSec.toFixed(0)} exchanges/s (sent ${peer.sent}, drops ${peer.drops})`);
  console.log(`  muster:  ${ours.exchangesPerSec.toFixed(0)} exchanges/s (sent ${ours.sent}, drops ${ours.drops})`);
  console.log(`  muster/dnsmasq: ${(ours.exchangesPerSec / peer.exchangesPerSec).toFixed(2)}`);
} finally {
  await lan.destroy();
  await rm(statedir, { recursive: true, force: true });
}

const r = rng(42);
const heapBefore = process.memoryUsage().heapUsed;
const t0 = process.hrtime.bigint();
let decoded = 0;
for (let i = 0; i < 1_000_000; i++) if (exercise(hostilePacket(r))) decoded++;
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const grew = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
console.log(
  `fuzz: 1,000,000 hostile packets in ${(ms / 1000).toFixed(1)} s (${Math.round(1e9 / ms / 1000)}k/s), ${decoded} decoded, heap +${grew.toFixed(1)} MB, no throw`,
);
