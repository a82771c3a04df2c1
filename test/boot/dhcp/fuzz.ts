/**
 * Hostile DHCP packets for fuzzing: random bytes, and real captures with mutations aimed at the
 * parser's weak spots (lengths, hlen, overload, truncation). Seeded, so a failure reproduces.
 */
import { DHCPREQUEST, decode, encode } from '../../../src/boot/dhcp/codec.js';
import { DEFAULT_BOOT } from '../../../src/boot/dhcp/bootfile.js';
import { handleProxy } from '../../../src/boot/dhcp/handler.js';
import { planLease, type ClientView } from '../../../src/boot/dhcp/lease-plan.js';
import { buildReply, clientMac } from '../../../src/boot/dhcp/reply.js';
import { makeSubnet } from '../../../src/boot/dhcp/settings.js';
import { CAPTURED_BYTES } from './packets.js';

/** xorshift32: fast, seeded, good enough to pick bytes. */
export function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

export function hostilePacket(r: (n: number) => number): Buffer {
  if (r(4) === 0) {
    const b = Buffer.alloc(r(1600));
    for (let i = 0; i < b.length; i++) b[i] = r(256);
    return b;
  }
  let b = Buffer.from(CAPTURED_BYTES[r(CAPTURED_BYTES.length)]!);
  for (let m = 1 + r(6); m > 0; m--) {
    const at = 240 + r(Math.max(1, b.length - 240));
    switch (r(7)) {
      case 0: // any byte anywhere
        b[r(b.length)] = r(256);
        break;
      case 1: // an option length byte
        if (at < b.length) b[at] = r(256);
        break;
      case 2: // truncate
        b = b.subarray(0, r(b.length + 1));
        break;
      case 3: // random tail
        b = Buffer.concat([b, Buffer.from(Array.from({ length: r(300) }, () => r(256)))]);
        break;
      case 4: // overload into file/sname, which then hold random bytes
        b = Buffer.concat([b.subarray(0, 240), Buffer.from([52, 1, 1 + r(3)]), b.subarray(240)]);
        for (let i = 44; i < 236; i += 1 + r(8)) b[i] = r(256);
        break;
      case 5: // hlen
        b[2] = r(2) ? r(20) : 6;
        break;
      default: // a random option, possibly one we type
        b = Buffer.concat([b.subarray(0, 240), Buffer.from([[53, 50, 54, 61, 77, 82, 93, 94, 97, 43, 175][r(11)]!, r(20)]), b.subarray(240)]);
    }
  }
  return b;
}

const subnet = makeSubnet({ cidr: '10.0.0.0/24', ranges: ['10.0.0.10-10.0.0.200'] });
const ctx = { server: '10.0.0.1', boot: DEFAULT_BOOT, count: () => undefined };

/**
 * Runs one hostile packet through every pure stage a server applies (decode, proxy handling,
 * lease planning against a lease and a conflicting holder, reply building and encoding).
 * Returns whether it decoded. Throws only if a stage throws, which is the bug being hunted.
 */
export function exercise(b: Buffer): boolean {
  const d = decode(b);
  if (!d.ok) return false;
  const p = d.packet;
  const mac = clientMac(p);
  if (mac === null) return true;
  const reply = handleProxy(p, mac, p.options.messageType === DHCPREQUEST, ctx);
  if (reply) encode(reply);
  const view: ClientView = {
    mac,
    lease: { mac, ip: '10.0.0.10', state: 'bound', expiresAt: new Date() },
    reservation: null,
    holders: new Map([[p.options.requestedIp ?? '10.0.0.11', { mac: '00:00:00:00:00:01', active: true }]]),
  };
  const plan = planLease(p, view, subnet, ctx.server);
  encode(buildReply(p, { type: plan.do === 'nak' ? 6 : 5, server: ctx.server, yiaddr: '10.0.0.10', leaseTime: 60, subnet, boot: null }));
  return true;
}
