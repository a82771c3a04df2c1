/**
 * DHCP server settings: validated once at start (zod), turned into subnets with integer ranges.
 * Bad values raise CONFIG_INVALID naming the value and the expected form.
 */
import { z } from 'zod';
import { MusterError } from '../../errors.js';
import { DEFAULT_BOOT, type BootConfig } from './bootfile.js';
import { inCidr, intToIp, ipToInt, parseCidr, type Cidr } from './ipv4.js';

const IpSchema = z.string().refine((s) => ipToInt(s) !== null, { message: 'must be a dotted IPv4 address like 10.0.0.1' });

export const SubnetInputSchema = z.object({
  cidr: z.string().refine((s) => parseCidr(s) !== null, { message: 'must be a network like 10.0.0.0/24 (prefix 8-32)' }),
  /** Pool ranges, each `first-last`, e.g. `10.0.0.100-10.0.0.199`. */
  ranges: z.array(z.string()).default([]),
  gateway: IpSchema.optional(),
  dns: z.array(IpSchema).default([]),
  domain: z.string().optional(),
  leaseTime: z.number().int().min(60).max(0x7fffffff).default(3600),
});
export type SubnetInput = z.input<typeof SubnetInputSchema>;

export const BootInputSchema = z.object({
  bios: z.string().min(1).default(DEFAULT_BOOT.bios),
  uefi: z.string().min(1).default(DEFAULT_BOOT.uefi),
  uefiHttp: z.string().min(1).default(DEFAULT_BOOT.uefiHttp),
  httpPort: z.number().int().min(1).max(65535).default(DEFAULT_BOOT.httpPort),
  byArch: z.record(z.string().regex(/^\d+$/), z.string().min(1)).optional(),
});

export interface Subnet {
  cidr: string;
  net: Cidr;
  /** Inclusive [first, last] pool ranges as integers. */
  ranges: [number, number][];
  poolSize: number;
  gateway: string | null;
  dns: string[];
  domain: string | null;
  leaseTime: number;
  contains(ip: string): boolean;
  inPool(ip: string): boolean;
}

function bad(message: string): never {
  throw new MusterError('CONFIG_INVALID', `dhcp: ${message}`);
}

function parseRange(s: string, net: Cidr, cidr: string): [number, number] {
  const [a, b, ...rest] = s.split('-').map((x) => x.trim());
  const first = ipToInt(a ?? '');
  const last = ipToInt(b ?? '');
  if (first === null || last === null || rest.length > 0) bad(`range '${s}' must be first-last, e.g. 10.0.0.100-10.0.0.199`);
  if (first > last) bad(`range '${s}' ends before it starts`);
  if (!inCidr(net, first) || !inCidr(net, last)) bad(`range '${s}' is not inside subnet ${cidr}`);
  if (first === net.network || last === net.broadcast) bad(`range '${s}' includes the network or broadcast address of ${cidr}`);
  return [first, last];
}

export function makeSubnet(input: SubnetInput): Subnet {
  const parsed = SubnetInputSchema.safeParse(input);
  if (!parsed.success) bad(`subnet ${JSON.stringify(input)}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const s = parsed.data;
  const net = parseCidr(s.cidr)!;
  const ranges = s.ranges.map((r) => parseRange(r, net, s.cidr)).sort((x, y) => x[0] - y[0]);
  ranges.forEach((r, i) => {
    if (i > 0 && r[0] <= ranges[i - 1]![1]) bad(`ranges of ${s.cidr} overlap at ${intToIp(r[0])}`);
  });
  const inPool = (ip: string): boolean => {
    const n = ipToInt(ip);
    return n !== null && ranges.some(([a, b]) => n >= a && n <= b);
  };
  return {
    cidr: `${intToIp(net.network)}/${net.prefix}`,
    net,
    ranges,
    poolSize: ranges.reduce((sum, [a, b]) => sum + (b - a + 1), 0),
    gateway: s.gateway ?? null,
    dns: s.dns,
    domain: s.domain ?? null,
    leaseTime: s.leaseTime,
    contains: (ip) => {
      const n = ipToInt(ip);
      return n !== null && inCidr(net, n);
    },
    inPool,
  };
}

export function makeBootConfig(input: z.input<typeof BootInputSchema> | undefined): BootConfig {
  const parsed = BootInputSchema.safeParse(input ?? {});
  if (!parsed.success) bad(`boot: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const { byArch, ...rest } = parsed.data;
  return byArch ? { ...rest, byArch: Object.fromEntries(Object.entries(byArch).map(([k, v]) => [Number(k), v])) } : rest;
}

/**
 * Up to `n` pool addresses starting at position `cursor` (an index over all ranges in order),
 * wrapping around once; returns the position after the last one.
 */
export function poolCandidates(subnet: Subnet, cursor: number, n: number): { ips: string[]; next: number } {
  const ips: string[] = [];
  if (subnet.poolSize === 0) return { ips, next: 0 };
  let pos = cursor % subnet.poolSize;
  for (let k = 0; k < Math.min(n, subnet.poolSize); k++) {
    let off = pos;
    for (const [a, b] of subnet.ranges) {
      const size = b - a + 1;
      if (off < size) {
        ips.push(intToIp(a + off));
        break;
      }
      off -= size;
    }
    pos = (pos + 1) % subnet.poolSize;
  }
  return { ips, next: pos };
}
