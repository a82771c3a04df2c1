/** Client messages for tests, built on the BIOS PXE DISCOVER captured from udhcpc. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, type DhcpPacket } from '../../../src/boot/dhcp/codec.js';
import type { DhcpOptions } from '../../../src/boot/dhcp/options.js';

const captured = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'captures.json'), 'utf8')) as { name: string; hex: string }[];

export function capturedPacket(name: string): DhcpPacket {
  const r = decode(Buffer.from(captured.find((c) => c.name === name)!.hex, 'hex'));
  if (!r.ok) throw new Error(r.error);
  return r.packet;
}

export const CAPTURED_BYTES: Buffer[] = captured.map((c) => Buffer.from(c.hex, 'hex'));

const template = capturedPacket('bios-discover');

export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

/** A client message of `type` from `mac`, with PXE BIOS options unless overridden. */
export function clientMessage(type: number, mac: string, options: DhcpOptions = {}, header: Partial<DhcpPacket> = {}): DhcpPacket {
  return {
    ...template,
    xid: Math.floor(Math.random() * 0xffffffff),
    chaddr: macBytes(mac),
    ...header,
    options: { ...template.options, messageType: type, ...options },
  };
}
