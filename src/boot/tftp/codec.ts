/**
 * TFTP packet codec: RFC 1350 packets plus RFC 2347 option extension (OACK) and the options of
 * RFC 2348 (blksize), RFC 2349 (timeout, tsize) and RFC 7440 (windowsize).
 * Pure: bytes in, objects out. Decoding never throws; hostile bytes give `{ ok: false, error }`.
 */
import { printable } from '../../text.js';

export const OPCODE = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 error codes, plus 8 (option negotiation refused, RFC 2347). */
export const TFTP_ERROR = {
  UNDEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  OPTION_REFUSED: 8,
} as const;

export type TransferMode = 'netascii' | 'octet' | 'mail';

/** Option names are case-insensitive (RFC 2347) and kept lower-case; values stay as sent. */
export type RawOptions = ReadonlyMap<string, string>;

export type Packet =
  | { op: 'RRQ' | 'WRQ'; filename: string; mode: TransferMode; options: RawOptions }
  | { op: 'DATA'; block: number; data: Uint8Array }
  | { op: 'ACK'; block: number }
  | { op: 'ERROR'; code: number; message: string }
  | { op: 'OACK'; options: RawOptions };

export type DecodeResult = { ok: true; packet: Packet } | { ok: false; error: string };

/** Options whose values must be decimal numbers; anything else is carried along unchecked. */
const NUMERIC_OPTIONS = new Set(['blksize', 'tsize', 'timeout', 'windowsize']);
const MODES = new Set<string>(['netascii', 'octet', 'mail']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodePacket(buf: Uint8Array): DecodeResult {
  if (buf.length < 2) return fail(`packet of ${buf.length} bytes is shorter than an opcode`);
  const opcode = (buf[0]! << 8) | buf[1]!;
  switch (opcode) {
    case OPCODE.RRQ:
    case OPCODE.WRQ:
      return decodeRequest(opcode === OPCODE.RRQ ? 'RRQ' : 'WRQ', buf);
    case OPCODE.DATA:
      if (buf.length < 4) return fail('DATA packet shorter than 4 bytes');
      return ok({ op: 'DATA', block: u16(buf, 2), data: buf.subarray(4) });
    case OPCODE.ACK:
      if (buf.length !== 4) return fail(`ACK packet of ${buf.length} bytes (must be 4)`);
      return ok({ op: 'ACK', block: u16(buf, 2) });
    case OPCODE.ERROR: {
      if (buf.length < 5) return fail('ERROR packet shorter than 5 bytes');
      const msg = readStrings(buf, 4);
      if (!msg.ok) return msg;
      if (msg.strings.length !== 1) return fail('ERROR packet must hold exactly one message string');
      return ok({ op: 'ERROR', code: u16(buf, 2), message: msg.strings[0]! });
    }
    case OPCODE.OACK: {
      const strs = readStrings(buf, 2);
      if (!strs.ok) return strs;
      const options = parseOptions(strs.strings);
      return options.ok ? ok({ op: 'OACK', options: options.options }) : options;
    }
    default:
      return fail(`unknown opcode ${opcode}`);
  }
}

function decodeRequest(op: 'RRQ' | 'WRQ', buf: Uint8Array): DecodeResult {
  const strs = readStrings(buf, 2);
  if (!strs.ok) return strs;
  const [filename, mode, ...rest] = strs.strings;
  if (filename === undefined || mode === undefined) return fail(`${op} lacks a filename or mode`);
  if (filename === '') return fail(`${op} has an empty filename`);
  const lowerMode = mode.toLowerCase();
  // A NUL inside the name ends it early, so the rest shows up here as a bad mode.
  if (!MODES.has(lowerMode)) return fail(`${op} mode '${printable(mode)}' is not netascii, octet or mail`);
  const options = parseOptions(rest);
  if (!options.ok) return options;
  return ok({ op, filename, mode: lowerMode as TransferMode, options: options.options });
}

/** Splits NUL-terminated strings from `start` to the end; the last one must be terminated. */
function readStrings(buf: Uint8Array, start: number): { ok: true; strings: string[] } | { ok: false; error: string } {
  const strings: string[] = [];
  let at = start;
  while (at < buf.length) {
    const nul = buf.indexOf(0, at);
    if (nul < 0) return fail(`string at byte ${at} is not NUL-terminated`);
    try {
      strings.push(utf8.decode(buf.subarray(at, nul)));
    } catch {
      return fail(`string at byte ${at} is not valid UTF-8`);
    }
    at = nul + 1;
  }
  return { ok: true, strings };
}

function parseOptions(strs: string[]): { ok: true; options: Map<string, string> } | { ok: false; error: string } {
  if (strs.length % 2 !== 0) return fail(`option '${printable(strs[strs.length - 1]!)}' has no value`);
  const options = new Map<string, string>();
  for (let i = 0; i < strs.length; i += 2) {
    const name = strs[i]!.toLowerCase();
    const value = strs[i + 1]!;
    if (name === '') return fail('empty option name');
    if (options.has(name)) return fail(`option '${printable(name)}' given twice`);
    if (NUMERIC_OPTIONS.has(name) && !/^[0-9]{1,10}$/.test(value)) {
      return fail(`option ${name} value '${printable(value)}' is not a decimal number of at most 10 digits`);
    }
    options.set(name, value);
  }
  return { ok: true, options };
}

export function encodeRequest(op: 'RRQ' | 'WRQ', filename: string, mode: TransferMode, options: RawOptions = new Map()): Buffer {
  return Buffer.concat([opcodeBytes(OPCODE[op]), cstrings([filename, mode, ...flatten(options)])]);
}

export function encodeData(block: number, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + data.length);
  out.writeUInt16BE(OPCODE.DATA, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  out.set(data, 4);
  return out;
}

export function encodeAck(block: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt16BE(OPCODE.ACK, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  return out;
}

export function encodeError(code: number, message: string): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt16BE(OPCODE.ERROR, 0);
  head.writeUInt16BE(code, 2);
  // A NUL would end the message early on the wire.
  return Buffer.concat([head, cstrings([message.replace(/\0/g, '')])]);
}

export function encodeOack(options: RawOptions): Buffer {
  return Buffer.concat([opcodeBytes(OPCODE.OACK), cstrings(flatten(options))]);
}

function opcodeBytes(op: number): Buffer {
  return Buffer.from([op >> 8, op & 0xff]);
}

function cstrings(strs: string[]): Buffer {
  return Buffer.concat(strs.flatMap((s) => [Buffer.from(s, 'utf8'), Buffer.from([0])]));
}

function flatten(options: RawOptions): string[] {
  return [...options].flat();
}

function u16(buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!;
}

function ok(packet: Packet): DecodeResult {
  return { ok: true, packet };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

export { printable } from '../../text.js';
