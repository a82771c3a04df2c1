/**
 * DHCP option values (RFC 2132 and the PXE/iPXE extensions): one table maps each option muster
 * understands to a field name and a value kind; the kind both checks and converts. Options not
 * in the table are kept as raw bytes in `other` so nothing a client sent is lost.
 */

/** A value kind: `decode` returns undefined when the bytes do not fit the kind. */
interface Kind<T> {
  decode(b: Buffer): T | undefined;
  encode(v: T): Buffer;
}

const u8: Kind<number> = {
  decode: (b) => (b.length === 1 ? b[0] : undefined),
  encode: (v) => Buffer.from([v & 255]),
};

const u16: Kind<number> = {
  decode: (b) => (b.length === 2 ? b.readUInt16BE(0) : undefined),
  encode: (v) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v & 0xffff);
    return b;
  },
};

const u32: Kind<number> = {
  decode: (b) => (b.length === 4 ? b.readUInt32BE(0) : undefined),
  encode: (v) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return b;
  },
};

export function ipFromBytes(b: Buffer, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

export function ipToBytes(ip: string): Buffer {
  const parts = ip.split('.').map(Number);
  return Buffer.from(parts.length === 4 && parts.every((p) => p >= 0 && p <= 255) ? parts : [0, 0, 0, 0]);
}

const ipList: Kind<string[]> = {
  decode: (b) => {
    if (b.length === 0 || b.length % 4 !== 0) return undefined;
    const out: string[] = [];
    for (let i = 0; i < b.length; i += 4) out.push(ipFromBytes(b, i));
    return out;
  },
  encode: (v) => Buffer.concat(v.map(ipToBytes)),
};

const ip: Kind<string> = {
  decode: (b) => (b.length === 4 ? ipFromBytes(b) : undefined),
  encode: ipToBytes,
};

/** Text: latin1 keeps every byte; trailing NULs are dropped (dnsmasq NUL-terminates option 67). */
const text: Kind<string> = {
  decode: (b) => b.toString('latin1').replace(/\0+$/, ''),
  encode: (v) => Buffer.from(v, 'latin1'),
};

const bytes: Kind<Buffer> = {
  decode: (b) => Buffer.from(b),
  encode: (v) => v,
};

const u8List: Kind<number[]> = {
  decode: (b) => [...b],
  encode: (v) => Buffer.from(v),
};

const u16List: Kind<number[]> = {
  decode: (b) => {
    if (b.length === 0 || b.length % 2 !== 0) return undefined;
    const out: number[] = [];
    for (let i = 0; i < b.length; i += 2) out.push(b.readUInt16BE(i));
    return out;
  },
  encode: (v) => Buffer.concat(v.map((x) => u16.encode(x))),
};

/**
 * Sub-options (code, length, data)* as in options 43, 82 and 175. Repeated codes are joined
 * (RFC 3396 applies to encapsulated options too). Pad 0 and end 255 are honoured.
 */
const encapsulated: Kind<Map<number, Buffer>> = {
  decode: (b) => {
    const out = new Map<number, Buffer>();
    let i = 0;
    while (i < b.length) {
      const code = b[i]!;
      if (code === 0) {
        i++;
        continue;
      }
      if (code === 255) break;
      if (i + 2 > b.length) return undefined;
      const len = b[i + 1]!;
      if (i + 2 + len > b.length) return undefined;
      const data = b.subarray(i + 2, i + 2 + len);
      const prev = out.get(code);
      out.set(code, prev ? Buffer.concat([prev, data]) : Buffer.from(data));
      i += 2 + len;
    }
    return out;
  },
  encode: (v) => Buffer.concat([...v].flatMap(([code, data]) => [Buffer.from([code, data.length]), data])),
};

/**
 * User class (77): RFC 3004 is a list of length-prefixed strings, but iPXE sends the bare string
 * `iPXE`. Bytes that do not parse exactly as RFC 3004 are read as one bare string.
 */
const userClass: Kind<string[]> = {
  decode: (b) => {
    const out: string[] = [];
    let i = 0;
    while (i < b.length) {
      const len = b[i]!;
      if (len === 0 || i + 1 + len > b.length) return [text.decode(b)!];
      out.push(b.toString('latin1', i + 1, i + 1 + len));
      i += 1 + len;
    }
    return out;
  },
  encode: (v) => Buffer.concat(v.map((s) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]))),
};

export interface ClientNdi {
  type: number;
  major: number;
  minor: number;
}

/** Client network device interface (94, RFC 4578): type 1 = UNDI, with its version. */
const clientNdi: Kind<ClientNdi> = {
  decode: (b) => (b.length === 3 ? { type: b[0]!, major: b[1]!, minor: b[2]! } : undefined),
  encode: (v) => Buffer.from([v.type, v.major, v.minor]),
};

/** Option code → field name and kind. Encoding follows this order; 82 must stay last (RFC 3046). */
export const OPTION_TABLE = {
  messageType: { code: 53, kind: u8 },
  serverId: { code: 54, kind: ip },
  requestedIp: { code: 50, kind: ip },
  leaseTime: { code: 51, kind: u32 },
  renewalTime: { code: 58, kind: u32 },
  rebindingTime: { code: 59, kind: u32 },
  subnetMask: { code: 1, kind: ip },
  routers: { code: 3, kind: ipList },
  dnsServers: { code: 6, kind: ipList },
  hostname: { code: 12, kind: text },
  domainName: { code: 15, kind: text },
  broadcastAddress: { code: 28, kind: ip },
  vendorSpecific: { code: 43, kind: encapsulated },
  message: { code: 56, kind: text },
  parameterRequestList: { code: 55, kind: u8List },
  maxMessageSize: { code: 57, kind: u16 },
  vendorClass: { code: 60, kind: text },
  clientId: { code: 61, kind: bytes },
  tftpServerName: { code: 66, kind: text },
  bootfileName: { code: 67, kind: text },
  userClass: { code: 77, kind: userClass },
  clientArch: { code: 93, kind: u16List },
  clientNdi: { code: 94, kind: clientNdi },
  clientUuid: { code: 97, kind: bytes },
  ipxe: { code: 175, kind: encapsulated },
  relayAgentInfo: { code: 82, kind: encapsulated },
} as const;

type Table = typeof OPTION_TABLE;
type ValueOf<K> = K extends Kind<infer T> ? T : never;

export type DhcpOptions = { -readonly [F in keyof Table]?: ValueOf<Table[F]['kind']> } & {
  /** Options muster does not interpret, by code. */
  other?: Map<number, Buffer>;
};

export const OPT_PAD = 0;
export const OPT_OVERLOAD = 52;
export const OPT_END = 255;

const FIELD_BY_CODE = new Map<number, keyof Table>((Object.keys(OPTION_TABLE) as (keyof Table)[]).map((f) => [OPTION_TABLE[f].code, f]));

/** Converts raw (code → joined bytes) options into typed ones, or names the option that is malformed. */
export function typeOptions(raw: Map<number, Buffer>): { ok: true; options: DhcpOptions } | { ok: false; error: string } {
  const options: DhcpOptions = {};
  const rec = options as Record<string, unknown>;
  for (const [code, data] of raw) {
    const field = FIELD_BY_CODE.get(code);
    if (field === undefined) {
      (options.other ??= new Map()).set(code, data);
      continue;
    }
    const value = (OPTION_TABLE[field].kind as Kind<unknown>).decode(data);
    if (value === undefined) return { ok: false, error: `option ${code} (${field}) has a bad value of ${data.length} bytes` };
    rec[field] = value;
  }
  return { ok: true, options };
}

/** Typed options → (code, bytes) in table order, then the others by code. */
export function rawOptions(options: DhcpOptions): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  const rec = options as Record<string, unknown>;
  for (const field of Object.keys(OPTION_TABLE) as (keyof Table)[]) {
    if (field === 'relayAgentInfo') continue;
    const v = rec[field];
    if (v !== undefined) out.push([OPTION_TABLE[field].code, (OPTION_TABLE[field].kind as Kind<unknown>).encode(v)]);
  }
  for (const [code, data] of [...(options.other ?? [])].sort((a, b) => a[0] - b[0])) out.push([code, data]);
  if (options.relayAgentInfo) out.push([82, encapsulated.encode(options.relayAgentInfo)]);
  return out;
}
