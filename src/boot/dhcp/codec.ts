/**
 * DHCPv4 wire format (RFC 2131 §2, RFC 2132, RFC 3396 long options, option 52 overload).
 * Pure: bytes in, objects out. `decode` never throws on hostile input; it returns an error.
 */
import { ipFromBytes, ipToBytes, OPT_END, OPT_OVERLOAD, OPT_PAD, rawOptions, typeOptions, type DhcpOptions } from './options.js';

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;
export const DHCPINFORM = 8;

export const MESSAGE_NAMES: Record<number, string> = {
  1: 'DISCOVER',
  2: 'OFFER',
  3: 'REQUEST',
  4: 'DECLINE',
  5: 'ACK',
  6: 'NAK',
  7: 'RELEASE',
  8: 'INFORM',
};

/** Broadcast bit of `flags` (RFC 2131 §4.1). */
export const FLAG_BROADCAST = 0x8000;

const HEADER_BYTES = 236;
const MAGIC_COOKIE = 0x63825363;
export const MIN_PACKET_BYTES = HEADER_BYTES + 4;
/**
 * The largest UDP payload an Ethernet frame carries without IP fragmentation (1500 − 20 − 8).
 * No DHCP client sends more; anything larger is refused before parsing.
 */
export const MAX_PACKET_BYTES = 1472;
/** RFC 951 BOOTP replies are at least 300 bytes; some PXE ROMs drop shorter ones. */
const MIN_REPLY_BYTES = 300;

export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** The client hardware address: the first `hlen` bytes of the 16-byte chaddr field. */
  chaddr: Buffer;
  sname: string;
  file: string;
  options: DhcpOptions;
}

export type DecodeResult = { ok: true; packet: DhcpPacket } | { ok: false; error: string };

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul < 0 ? b.length : nul);
}

/**
 * Reads one option area into `into`, joining repeated codes (RFC 3396). Returns the overload
 * value when option 52 occurs, null when absent, or an error string.
 */
function readOptionArea(area: Buffer, where: string, into: Map<number, Buffer>): number | null | string {
  let overload: number | null = null;
  let i = 0;
  while (i < area.length) {
    const code = area[i]!;
    if (code === OPT_PAD) {
      i++;
      continue;
    }
    if (code === OPT_END) return overload;
    if (i + 1 >= area.length) return `option ${code} in the ${where} has no length byte`;
    const len = area[i + 1]!;
    if (i + 2 + len > area.length) return `option ${code} in the ${where} claims ${len} bytes but only ${area.length - i - 2} remain`;
    const data = area.subarray(i + 2, i + 2 + len);
    if (code === OPT_OVERLOAD) {
      if (where !== 'options field') return `option overload (52) repeated inside the ${where}: an overload loop`;
      if (overload !== null) return 'option overload (52) appears twice';
      if (len !== 1 || data[0]! < 1 || data[0]! > 3) return `option overload (52) must be one byte 1-3`;
      overload = data[0]!;
    } else {
      const prev = into.get(code);
      into.set(code, prev ? Buffer.concat([prev, data]) : Buffer.from(data));
    }
    i += 2 + len;
  }
  // A missing end option (255) is tolerated: some ROMs pad with zeros instead.
  return overload;
}

export function decode(buf: Buffer): DecodeResult {
  if (buf.length < MIN_PACKET_BYTES) {
    return { ok: false, error: `truncated: ${buf.length} bytes, a DHCP packet has at least ${MIN_PACKET_BYTES}` };
  }
  if (buf.length > MAX_PACKET_BYTES) {
    return { ok: false, error: `oversized: ${buf.length} bytes, more than the ${MAX_PACKET_BYTES} a DHCP packet may have` };
  }
  const op = buf[0]!;
  if (op !== BOOTREQUEST && op !== BOOTREPLY) return { ok: false, error: `op ${op} is neither BOOTREQUEST (1) nor BOOTREPLY (2)` };
  const hlen = buf[2]!;
  if (hlen === 0 || hlen > 16) return { ok: false, error: `hardware address length ${hlen} is outside 1-16` };
  if (buf.readUInt32BE(HEADER_BYTES) !== MAGIC_COOKIE) return { ok: false, error: 'no DHCP magic cookie (plain BOOTP is not served)' };

  const raw = new Map<number, Buffer>();
  const overload = readOptionArea(buf.subarray(MIN_PACKET_BYTES), 'options field', raw);
  if (typeof overload === 'string') return { ok: false, error: overload };
  const snameField = buf.subarray(44, 108);
  const fileField = buf.subarray(108, 236);
  // RFC 2131 §4.1: options field first, then file, then sname.
  if (overload === 1 || overload === 3) {
    const r = readOptionArea(fileField, 'file field', raw);
    if (typeof r === 'string') return { ok: false, error: r };
  }
  if (overload === 2 || overload === 3) {
    const r = readOptionArea(snameField, 'sname field', raw);
    if (typeof r === 'string') return { ok: false, error: r };
  }
  const typed = typeOptions(raw);
  if (!typed.ok) return typed;
  return {
    ok: true,
    packet: {
      op,
      htype: buf[1]!,
      hlen,
      hops: buf[3]!,
      xid: buf.readUInt32BE(4),
      secs: buf.readUInt16BE(8),
      flags: buf.readUInt16BE(10),
      ciaddr: ipFromBytes(buf, 12),
      yiaddr: ipFromBytes(buf, 16),
      siaddr: ipFromBytes(buf, 20),
      giaddr: ipFromBytes(buf, 24),
      chaddr: Buffer.from(buf.subarray(28, 28 + hlen)),
      sname: overload === 2 || overload === 3 ? '' : cString(snameField),
      file: overload === 1 || overload === 3 ? '' : cString(fileField),
      options: typed.options,
    },
  };
}

/** Writes the options with RFC 3396 splitting of values longer than 255 bytes. */
function encodeOptions(options: DhcpOptions): Buffer {
  const parts: Buffer[] = [];
  for (const [code, data] of rawOptions(options)) {
    let at = 0;
    do {
      const chunk = data.subarray(at, at + 255);
      parts.push(Buffer.from([code, chunk.length]), chunk);
      at += 255;
    } while (at < data.length);
  }
  parts.push(Buffer.from([OPT_END]));
  return Buffer.concat(parts);
}

export function encode(p: DhcpPacket): Buffer {
  const head = Buffer.alloc(MIN_PACKET_BYTES);
  head[0] = p.op;
  head[1] = p.htype;
  head[2] = p.hlen;
  head[3] = p.hops;
  head.writeUInt32BE(p.xid >>> 0, 4);
  head.writeUInt16BE(p.secs & 0xffff, 8);
  head.writeUInt16BE(p.flags & 0xffff, 10);
  ipToBytes(p.ciaddr).copy(head, 12);
  ipToBytes(p.yiaddr).copy(head, 16);
  ipToBytes(p.siaddr).copy(head, 20);
  ipToBytes(p.giaddr).copy(head, 24);
  p.chaddr.copy(head, 28, 0, 16);
  head.write(p.sname.slice(0, 63), 44, 'latin1');
  head.write(p.file.slice(0, 127), 108, 'latin1');
  head.writeUInt32BE(MAGIC_COOKIE, HEADER_BYTES);
  const out = Buffer.concat([head, encodeOptions(p.options)]);
  return out.length >= MIN_REPLY_BYTES ? out : Buffer.concat([out, Buffer.alloc(MIN_REPLY_BYTES - out.length)]);
}
