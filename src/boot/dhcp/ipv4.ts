/** IPv4 addresses as unsigned 32-bit integers: pool arithmetic without string juggling. */

export function ipToInt(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i]);
    if (b > 255) return null;
    n = n * 256 + b;
  }
  return n;
}

export function intToIp(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export interface Cidr {
  network: number;
  prefix: number;
  /** The netmask as an unsigned integer. */
  mask: number;
  broadcast: number;
}

export function parseCidr(s: string): Cidr | null {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s);
  if (!m) return null;
  const ip = ipToInt(m[1]!);
  const prefix = Number(m[2]);
  if (ip === null || prefix > 32 || prefix < 8) return null;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (ip & mask) >>> 0;
  return { network, prefix, mask, broadcast: (network | (~mask >>> 0)) >>> 0 };
}

export function inCidr(c: Cidr, ip: number): boolean {
  return (ip & c.mask) >>> 0 === c.network;
}

export const ZERO_IP = '0.0.0.0';
