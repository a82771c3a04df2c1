import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decode, encode, MAX_PACKET_BYTES, type DhcpPacket } from '../../../src/boot/dhcp/codec.js';
import { clientMac } from '../../../src/boot/dhcp/reply.js';

interface Capture {
  name: string;
  made: string;
  mac: string;
  hex: string;
}
const captures: Capture[] = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'captures.json'), 'utf8'));
const capture = (name: string) => Buffer.from(captures.find((c) => c.name === name)!.hex, 'hex');

function decoded(buf: Buffer): DhcpPacket {
  const r = decode(buf);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.packet;
}

function expectError(buf: Buffer, pattern: RegExp): void {
  const r = decode(buf);
  assert.equal(r.ok, false, 'decode should have refused this packet');
  if (!r.ok) assert.match(r.error, pattern);
}

/** Expectations written from the command lines in captures.json, not from the decoder. */
const EXPECT: Record<string, { type: number; vendorClass?: string; arch?: number[]; ndi?: [number, number]; userClass?: string[]; requested?: string }> = {
  'bios-discover': { type: 1, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', arch: [0], ndi: [2, 1] },
  'bios-request': { type: 3, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', arch: [0], requested: '10.77.9.100' },
  'uefi-discover': { type: 1, vendorClass: 'PXEClient:Arch:00007:UNDI:003000', arch: [7], ndi: [3, 0] },
  'uefi-request': { type: 3, vendorClass: 'PXEClient:Arch:00007:UNDI:003000', arch: [7], requested: '10.77.9.101' },
  'ipxe-discover': { type: 1, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', userClass: ['iPXE'] },
  'ipxe-request': { type: 3, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', userClass: ['iPXE'], requested: '10.77.9.102' },
  'dhclient-discover': { type: 1 },
  'dhclient-request': { type: 3, requested: '10.77.9.103' },
};

describe('dhcp codec: captures from real peers', () => {
  for (const [name, want] of Object.entries(EXPECT)) {
    it(`decodes ${name}`, () => {
      const c = captures.find((x) => x.name === name)!;
      const p = decoded(Buffer.from(c.hex, 'hex'));
      assert.equal(p.op, 1);
      assert.equal(clientMac(p), c.mac);
      assert.equal(p.options.messageType, want.type);
      assert.equal(p.options.vendorClass, want.vendorClass);
      if (want.arch) assert.deepEqual(p.options.clientArch, want.arch);
      if (want.ndi) assert.deepEqual(p.options.clientNdi, { type: 1, major: want.ndi[0], minor: want.ndi[1] });
      if (want.userClass) assert.deepEqual(p.options.userClass, want.userClass);
      if (want.requested) {
        assert.equal(p.options.requestedIp, want.requested);
        assert.equal(p.options.serverId, '10.77.9.1');
      }
      assert.ok(p.options.parameterRequestList?.includes(67), 'every client asked for the boot file name');
    });
  }

  it('reads iPXE option 175 as encapsulated sub-options', () => {
    assert.deepEqual([...decoded(capture('ipxe-discover')).options.ipxe!], [[19, Buffer.from([1])]]);
  });

  for (const client of ['bios', 'uefi', 'ipxe']) {
    it(`decodes dnsmasq's OFFER and ACK to ${client}: boot file in option 67, file field empty`, () => {
      for (const [name, type] of [
        [`${client}-offer`, 2],
        [`${client}-ack`, 5],
      ] as const) {
        const p = decoded(capture(name));
        assert.equal(p.op, 2);
        assert.equal(p.options.messageType, type);
        assert.equal(p.options.bootfileName, 'undionly.kpxe');
        assert.equal(p.file, '');
        assert.equal(p.siaddr, '10.77.9.1');
        assert.match(p.yiaddr, /^10\.77\.9\.1\d\d$/);
        assert.equal(p.options.leaseTime, 3600);
        assert.equal(p.options.subnetMask, '255.255.255.0');
      }
    });
  }

  it('re-encodes every capture to bytes that decode the same', () => {
    for (const c of captures) {
      const p = decoded(Buffer.from(c.hex, 'hex'));
      assert.deepEqual(decoded(encode(p)), p, c.name);
    }
  });
});

describe('dhcp codec: encoding', () => {
  const base = decoded(capture('bios-discover'));

  it('splits a value longer than 255 bytes and joins it back (RFC 3396)', () => {
    const long = 'x'.repeat(600);
    const bytes = encode({ ...base, options: { ...base.options, bootfileName: long } });
    assert.equal(decoded(bytes).options.bootfileName, long);
  });

  it('pads short packets to the 300-byte BOOTP minimum and ends options with 255', () => {
    const bytes = encode({ ...base, options: { messageType: 2 } });
    assert.equal(bytes.length, 300);
    assert.deepEqual([...bytes.subarray(240, 244)], [53, 1, 2, 255]);
  });

  it('writes RFC 3004 user classes and keeps unknown options', () => {
    const p = decoded(encode({ ...base, options: { messageType: 1, userClass: ['a', 'bc'], other: new Map([[250, Buffer.from('hi')]]) } }));
    assert.deepEqual(p.options.userClass, ['a', 'bc']);
    assert.deepEqual(p.options.other, new Map([[250, Buffer.from('hi')]]));
  });
});

/** A DISCOVER built by hand: header, cookie, then the given option bytes. */
function packet(optionBytes: number[], patch: (b: Buffer) => void = () => undefined): Buffer {
  const b = Buffer.concat([Buffer.alloc(240), Buffer.from(optionBytes)]);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  b.writeUInt32BE(0x63825363, 236);
  patch(b);
  return b;
}

describe('dhcp codec: bad input', () => {
  it('refuses a truncated packet', () => expectError(capture('bios-discover').subarray(0, 200), /truncated: 200 bytes/));
  it('refuses an empty packet', () => expectError(Buffer.alloc(0), /truncated: 0 bytes/));
  it('refuses an oversized packet', () => expectError(Buffer.alloc(MAX_PACKET_BYTES + 1), /oversized: 1473 bytes/));
  it('refuses hlen 0', () =>
    expectError(
      packet([53, 1, 1, 255], (b) => (b[2] = 0)),
      /hardware address length 0/,
    ));
  it('refuses hlen 17', () =>
    expectError(
      packet([53, 1, 1, 255], (b) => (b[2] = 17)),
      /hardware address length 17/,
    ));
  it('refuses an unknown op', () =>
    expectError(
      packet([255], (b) => (b[0] = 9)),
      /op 9/,
    ));
  it('refuses a packet without the magic cookie', () =>
    expectError(
      packet([255], (b) => b.writeUInt32BE(0, 236)),
      /magic cookie/,
    ));
  it('refuses an option whose length runs past the end', () =>
    expectError(packet([53, 1, 1, 60, 40, 65, 65]), /option 60 .* claims 40 bytes but only 2 remain/));
  it('refuses an option with no length byte', () => expectError(packet([53, 1, 1, 60]), /option 60 .* no length byte/));
  it('refuses a message type of the wrong length', () => expectError(packet([53, 2, 1, 1, 255]), /option 53 \(messageType\) has a bad value of 2 bytes/));
  it('refuses an address option of the wrong length', () => expectError(packet([53, 1, 3, 50, 3, 10, 0, 0, 255]), /option 50 \(requestedIp\)/));
  it('refuses a broken encapsulated option 82', () => expectError(packet([53, 1, 1, 82, 3, 1, 9, 0, 255]), /option 82 \(relayAgentInfo\)/));
  it('refuses option 52 repeated inside the file field (overload loop)', () =>
    expectError(
      packet([53, 1, 1, 52, 1, 1, 255], (b) => Buffer.from([52, 1, 1, 255]).copy(b, 108)),
      /overload loop/,
    ));
  it('refuses option 52 twice', () => expectError(packet([52, 1, 1, 52, 1, 2, 255]), /appears twice/));
  it('refuses an overload value outside 1-3', () => expectError(packet([52, 1, 4, 255]), /must be one byte 1-3/));
  it('refuses a bad option inside an overloaded sname field', () =>
    expectError(
      packet([52, 1, 2, 255], (b) => Buffer.from([60, 200, 1]).copy(b, 44)),
      /in the sname field claims 200 bytes/,
    ));

  it('reads options from overloaded file and sname fields, in RFC order', () => {
    const b = packet([53, 1, 1, 52, 1, 3, 60, 2, 65, 66, 255], (x) => {
      Buffer.from([60, 1, 67, 12, 3, 110, 48, 49, 255]).copy(x, 108);
      Buffer.from([60, 1, 68, 255]).copy(x, 44);
    });
    const p = decoded(b);
    assert.equal(p.options.vendorClass, 'ABCD');
    assert.equal(p.options.hostname, 'n01');
    assert.equal(p.file, '');
    assert.equal(p.sname, '');
  });

  it('reads the bare iPXE user class and an RFC 3004 one', () => {
    assert.deepEqual(decoded(packet([77, 4, ...Buffer.from('iPXE'), 255])).options.userClass, ['iPXE']);
    assert.deepEqual(decoded(packet([77, 5, 4, ...Buffer.from('iPXE'), 255])).options.userClass, ['iPXE']);
  });

  it('refuses garbage of every length without throwing', () => {
    for (let len = 0; len < 600; len += 7) {
      const r = decode(Buffer.alloc(len, 0xa5));
      assert.equal(r.ok, false);
    }
  });
});
