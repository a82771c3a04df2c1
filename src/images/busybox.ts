/**
 * The busybox that muster's boot initramfs files carry: it must be statically linked, since it
 * runs before (or without) the image's own libraries. From `--busybox PATH`, a Debian
 * `busybox-static` .deb, or the master's /bin/busybox when that one is static (Debian's
 * busybox-static package installs it there; the plain busybox package's is dynamic).
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { MusterError } from '../errors.js';

const PT_INTERP = 3;

/** Whether `file` is a 64-bit little-endian ELF executable with no program interpreter (static). */
export async function isStaticElf(file: string): Promise<boolean> {
  const f = await open(file, 'r').catch(() => null);
  if (f === null) return false;
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await f.read(head, 0, 64, 0);
    if (bytesRead < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return false;
    const phoff = Number(head.readBigUInt64LE(0x20));
    const phentsize = head.readUInt16LE(0x36);
    const phnum = head.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    await f.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === PT_INTERP) return false;
    return true;
  } finally {
    await f.close();
  }
}

/** The busybox in an unpacked busybox-static .deb. */
export const busyboxInDeb = (unpacked: string): string => join(unpacked, 'bin', 'busybox');

/**
 * The static busybox to use: `explicit` (which must be static), else the host's /bin/busybox if
 * static. Throws naming what to install when there is none.
 */
export async function findBusybox(explicit?: string, host = '/bin/busybox'): Promise<string> {
  if (explicit !== undefined) {
    if (!(await isStaticElf(explicit))) throw new MusterError('IMAGE_BUSYBOX_NOT_FOUND', `--busybox ${explicit}: not a statically linked 64-bit busybox`);
    return explicit;
  }
  if (await isStaticElf(host)) return host;
  throw new MusterError(
    'IMAGE_BUSYBOX_NOT_FOUND',
    `no static busybox: ${host} is missing or dynamically linked (apt-get install busybox-static, or give --busybox PATH or a busybox-static .deb)`,
  );
}
