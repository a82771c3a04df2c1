/**
 * The decoder against 1,000,000 random and mutated packets: it must never throw, every answer is
 * either a packet or an error string, a decoded packet never claims more bytes than it got, and
 * memory stays bounded. Seeded, so a failure is reproducible (the seed and index are printed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, encodeAck, encodeData, encodeError, encodeOack, encodeRequest } from '../../../src/boot/tftp/codec.js';

const PACKETS = Number(process.env.TFTP_FUZZ_PACKETS ?? 1_000_000);
const SEED = Number(process.env.TFTP_FUZZ_SEED ?? 0x5eed);

/** xorshift32: deterministic and fast. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const SEEDS = [
  encodeRequest(
    'RRQ',
    'ipxe.efi',
    'octet',
    new Map([
      ['blksize', '1468'],
      ['tsize', '0'],
      ['windowsize', '4'],
      ['timeout', '5'],
    ]),
  ),
  encodeRequest('WRQ', 'a/b/c', 'netascii'),
  encodeRequest('RRQ', '../../etc/passwd', 'octet'),
  encodeData(7, Buffer.from('payload')),
  encodeAck(65535),
  encodeError(8, 'tsize probe'),
  encodeOack(new Map([['blksize', '512']])),
];

function mutate(base: Buffer, r: () => number): Buffer {
  const b = Buffer.from(base);
  const edits = 1 + Math.floor(r() * 4);
  let out = b;
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (out.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0: // flip a bit
        if (out.length > 0) out[at % out.length]! ^= 1 << Math.floor(r() * 8);
        break;
      case 1: // truncate
        out = out.subarray(0, at);
        break;
      case 2: // insert a NUL or a random byte
        out = Buffer.concat([out.subarray(0, at), Buffer.from([r() < 0.5 ? 0 : Math.floor(r() * 256)]), out.subarray(at)]);
        break;
      case 3: // delete a byte
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
        break;
      default: // set the opcode to anything
        if (out.length >= 2) out.writeUInt16BE(Math.floor(r() * 9), 0);
    }
  }
  return out;
}

function randomPacket(r: () => number): Buffer {
  const b = Buffer.allocUnsafe(Math.floor(r() * 600));
  for (let i = 0; i < b.length; i++) b[i] = r() < 0.2 ? 0 : Math.floor(r() * 256);
  if (b.length >= 2 && r() < 0.7) b.writeUInt16BE(Math.floor(r() * 8), 0);
  return b;
}

test(`codec.decodePacket survives ${PACKETS} random and mutated packets`, () => {
  const r = rng(SEED);
  const heapBefore = process.memoryUsage().heapUsed;
  let decoded = 0;
  for (let i = 0; i < PACKETS; i++) {
    const input = r() < 0.5 ? randomPacket(r) : mutate(SEEDS[i % SEEDS.length]!, r);
    let result: ReturnType<typeof decodePacket>;
    try {
      result = decodePacket(input);
    } catch (err) {
      assert.fail(`packet ${i} (seed ${SEED}) threw: ${String(err)}; bytes ${input.toString('hex')}`);
    }
    if (!result.ok) {
      assert.ok(result.error.length > 0, `packet ${i}: empty error`);
      continue;
    }
    decoded++;
    const p = result.packet;
    const claimed =
      p.op === 'DATA'
        ? p.data.length
        : p.op === 'ERROR'
          ? Buffer.byteLength(p.message)
          : p.op === 'ACK'
            ? 0
            : [...p.options].flat().join('').length + ('filename' in p ? p.filename.length : 0);
    assert.ok(claimed <= input.length, `packet ${i}: decoded more bytes than given`);
  }
  assert.ok(decoded > PACKETS / 100, `some packets should decode (got ${decoded})`);
  const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  assert.ok(grownMb < 100, `heap grew by ${grownMb.toFixed(0)} MB`);
});
