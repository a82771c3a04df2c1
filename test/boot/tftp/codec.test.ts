import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, encodeAck, encodeData, encodeError, encodeOack, encodeRequest } from '../../../src/boot/tftp/codec.js';
import { negotiate } from '../../../src/boot/tftp/options.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const str = (s: string) => Buffer.from(s, 'latin1');
const cat = (...parts: Buffer[]) => Buffer.concat(parts);

test('codec.encode produces RFC 1350/2347 bytes', () => {
  assert.deepEqual(encodeRequest('RRQ', 'ipxe.efi', 'octet', new Map([['tsize', '0']])), cat(hex('0001'), str('ipxe.efi\0octet\0tsize\x000\0')));
  assert.deepEqual(encodeData(1, str('abc')), cat(hex('0003 0001'), str('abc')));
  assert.deepEqual(encodeData(65536, str('')), hex('0003 0000'), 'block numbers wrap at 16 bits');
  assert.deepEqual(encodeAck(513), hex('0004 0201'));
  assert.deepEqual(encodeError(1, 'file not found'), cat(hex('0005 0001'), str('file not found\0')));
  assert.deepEqual(encodeError(0, 'a\0b'), cat(hex('0005 0000'), str('ab\0')), 'a NUL cannot cut the message');
  assert.deepEqual(
    encodeOack(
      new Map([
        ['blksize', '1468'],
        ['windowsize', '4'],
      ]),
    ),
    cat(hex('0006'), str('blksize\x001468\0windowsize\x004\0')),
  );
});

test('codec.decodePacket reads every packet type', () => {
  const cases: Array<[string, Buffer, unknown]> = [
    [
      'RRQ with options, case-insensitive mode and names',
      cat(hex('0001'), str('/ipxe.efi\0OCTET\0BlkSize\x001468\0tsize\x000\0')),
      {
        op: 'RRQ',
        filename: '/ipxe.efi',
        mode: 'octet',
        options: new Map([
          ['blksize', '1468'],
          ['tsize', '0'],
        ]),
      },
    ],
    ['WRQ', cat(hex('0002'), str('x\0netascii\0')), { op: 'WRQ', filename: 'x', mode: 'netascii', options: new Map() }],
    [
      'unknown option kept unchecked',
      cat(hex('0001'), str('x\0octet\0multicast\0\0')),
      { op: 'RRQ', filename: 'x', mode: 'octet', options: new Map([['multicast', '']]) },
    ],
    ['DATA', cat(hex('0003 ffff'), str('hi')), { op: 'DATA', block: 65535, data: str('hi') }],
    ['empty DATA', hex('0003 0007'), { op: 'DATA', block: 7, data: str('') }],
    ['ACK', hex('0004 0000'), { op: 'ACK', block: 0 }],
    ['ERROR', cat(hex('0005 0008'), str('tsize probe\0')), { op: 'ERROR', code: 8, message: 'tsize probe' }],
    ['OACK', cat(hex('0006'), str('windowsize\x008\0')), { op: 'OACK', options: new Map([['windowsize', '8']]) }],
    ['UTF-8 file name', cat(hex('0001'), Buffer.from('näme\0octet\0', 'utf8')), { op: 'RRQ', filename: 'näme', mode: 'octet', options: new Map() }],
  ];
  for (const [name, bytes, want] of cases) {
    const got = decodePacket(bytes);
    assert.ok(got.ok, `${name}: ${got.ok ? '' : got.error}`);
    assert.deepEqual(got.packet, want, name);
  }
});

test('codec.decodePacket refuses hostile packets with a reason, never throws', () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty', hex(''), /shorter than an opcode/],
    ['one byte', hex('00'), /shorter than an opcode/],
    ['unknown opcode 0', hex('0000'), /unknown opcode 0/],
    ['unknown opcode 7', cat(hex('0007'), str('x\0')), /unknown opcode 7/],
    ['unknown opcode 0x0100', hex('0100'), /unknown opcode 256/],
    ['RRQ without NUL', cat(hex('0001'), str('ipxe.efi')), /not NUL-terminated/],
    ['RRQ mode without NUL', cat(hex('0001'), str('ipxe.efi\0octet')), /not NUL-terminated/],
    ['RRQ without mode', cat(hex('0001'), str('ipxe.efi\0')), /lacks a filename or mode/],
    ['RRQ empty', hex('0001'), /lacks a filename or mode/],
    ['RRQ empty filename', cat(hex('0001'), str('\0octet\0')), /empty filename/],
    ['RRQ bad mode', cat(hex('0001'), str('x\0binary\0')), /mode 'binary'/],
    ['NUL inside the name', cat(hex('0001'), str('ipxe.efi\0../../etc/passwd\0octet\0')), /mode '..\/..\/etc\/passwd'/],
    ['option without value', cat(hex('0001'), str('x\0octet\0blksize\0')), /'blksize' has no value/],
    ['option value without NUL', cat(hex('0001'), str('x\0octet\0blksize\x00512')), /not NUL-terminated/],
    ['non-numeric blksize', cat(hex('0001'), str('x\0octet\0blksize\x00abc\0')), /blksize value 'abc'/],
    ['negative tsize', cat(hex('0001'), str('x\0octet\0tsize\0-1\0')), /tsize value '-1'/],
    ['blksize with spaces', cat(hex('0001'), str('x\0octet\0blksize\0 512\0')), /not a decimal/],
    ['huge windowsize', cat(hex('0001'), str('x\0octet\0windowsize\x0099999999999\0')), /not a decimal/],
    ['duplicate option', cat(hex('0001'), str('x\0octet\0tsize\x000\0TSIZE\x000\0')), /given twice/],
    ['empty option name', cat(hex('0001'), str('x\0octet\0\x001\0')), /empty option name/],
    ['invalid UTF-8 name', cat(hex('0001 ff fe 00'), str('octet\0')), /not valid UTF-8/],
    ['short DATA', hex('0003 00'), /DATA packet shorter/],
    ['short ACK', hex('0004 00'), /ACK packet of 3 bytes/],
    ['long ACK', hex('0004 0001 00'), /ACK packet of 5 bytes/],
    ['ERROR without message', hex('0005 0001'), /ERROR packet shorter/],
    ['ERROR with two strings', cat(hex('0005 0001'), str('a\0b\0')), /exactly one message/],
    ['OACK odd strings', cat(hex('0006'), str('tsize\0')), /has no value/],
  ];
  for (const [name, bytes, want] of cases) {
    const got = decodePacket(bytes);
    assert.equal(got.ok, false, name);
    assert.match(got.ok ? '' : got.error, want, name);
  }
});

test('options.negotiate grants, clamps or ignores each option', () => {
  const limits = { maxBlksize: 65464, maxWindowsize: 16, maxTimeout: 10 };
  const cases: Array<[string, Record<string, string>, number | null, { blksize: number; windowsize: number; timeoutMs: number }, Record<string, string>]> = [
    ['no options: RFC 1350 defaults, no OACK', {}, 100, { blksize: 512, windowsize: 1, timeoutMs: 1000 }, {}],
    [
      'EDK2 probe',
      { blksize: '1468', tsize: '0', windowsize: '4' },
      850528,
      { blksize: 1468, windowsize: 4, timeoutMs: 1000 },
      { blksize: '1468', tsize: '850528', windowsize: '4' },
    ],
    ['blksize above the RFC maximum is clamped', { blksize: '70000' }, 1, { blksize: 65464, windowsize: 1, timeoutMs: 1000 }, { blksize: '65464' }],
    ['blksize below 8 is ignored', { blksize: '7' }, 1, { blksize: 512, windowsize: 1, timeoutMs: 1000 }, {}],
    ['blksize 8 is the minimum', { blksize: '8' }, 1, { blksize: 8, windowsize: 1, timeoutMs: 1000 }, { blksize: '8' }],
    ['windowsize capped by the server limit', { windowsize: '64' }, 1, { blksize: 512, windowsize: 16, timeoutMs: 1000 }, { windowsize: '16' }],
    ['windowsize 0 ignored', { windowsize: '0' }, 1, { blksize: 512, windowsize: 1, timeoutMs: 1000 }, {}],
    ['timeout in seconds', { timeout: '3' }, 1, { blksize: 512, windowsize: 1, timeoutMs: 3000 }, { timeout: '3' }],
    ['timeout 0 and 256 ignored', { timeout: '256' }, 1, { blksize: 512, windowsize: 1, timeoutMs: 1000 }, {}],
    ['timeout above the server cap ignored', { timeout: '255' }, 1, { blksize: 512, windowsize: 1, timeoutMs: 1000 }, {}],
    ['timeout at the server cap granted', { timeout: '10' }, 1, { blksize: 512, windowsize: 1, timeoutMs: 10000 }, { timeout: '10' }],
    ['tsize without a known size (netascii) ignored', { tsize: '0' }, null, { blksize: 512, windowsize: 1, timeoutMs: 1000 }, {}],
    ['unknown option ignored', { multicast: '' }, 1, { blksize: 512, windowsize: 1, timeoutMs: 1000 }, {}],
  ];
  for (const [name, asked, size, params, oack] of cases) {
    const got = negotiate(new Map(Object.entries(asked)), size, limits, 1000);
    assert.deepEqual(got.params, params, name);
    assert.deepEqual(Object.fromEntries(got.oack), oack, name);
  }
  const smallLimit = negotiate(new Map([['blksize', '9000']]), 1, { maxBlksize: 1468, maxWindowsize: 1, maxTimeout: 10 }, 1000);
  assert.equal(smallLimit.params.blksize, 1468, 'the configured blksize limit wins');
});
