/**
 * The largest blksize that fits one unfragmented IPv4 packet on the interface a transfer's
 * packets leave by: its MTU less the IPv4 (20), UDP (8) and TFTP DATA (4) headers, so 1468 on
 * Ethernet (dnsmasq's cap too). A fragmented block is lost whole when any fragment is, and some
 * PXE ROMs cannot reassemble at all. Which interface: the server's bound address, or with a
 * wildcard bind the one the kernel routes replies to the client through (a connected probe
 * socket's local address), which on a boot LAN is the one the request came in on.
 */
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';

const HEADERS = 20 + 8 + 4;
/** When the interface cannot be found: Ethernet's. */
const FALLBACK_MTU = 1500;

export async function blksizeCeiling(bound: string, peer: string): Promise<number> {
  const local = bound === '0.0.0.0' || bound === '::' ? await localAddressTowards(peer) : bound;
  const mtu = (local !== null && (await interfaceMtu(local))) || FALLBACK_MTU;
  return mtu - HEADERS;
}

/** The source address the kernel picks for packets to `peer` (no packet is sent). */
function localAddressTowards(peer: string): Promise<string | null> {
  const probe = createSocket(peer.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve) => {
    probe.once('error', () => probe.close(() => resolve(null)));
    probe.connect(9, peer, () => {
      const { address } = probe.address();
      probe.close(() => resolve(address));
    });
  });
}

async function interfaceMtu(address: string): Promise<number | null> {
  const name = Object.entries(networkInterfaces()).find(([, addrs]) => addrs?.some((a) => a.address === address))?.[0];
  if (name === undefined) return null;
  try {
    // An alias label (eth0:1) shares its device's MTU.
    const mtu = Number((await readFile(`/sys/class/net/${name.split(':')[0]}/mtu`, 'utf8')).trim());
    return Number.isInteger(mtu) && mtu > HEADERS ? mtu : null;
  } catch {
    return null;
  }
}
