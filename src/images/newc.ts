/**
 * The "newc" cpio format (magic 070701) that the Linux kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst) and GNU cpio reads with -H newc:
 * a 110-byte ASCII header of thirteen 8-digit hex fields, the NUL-terminated name, padding to 4
 * bytes, the data, padding to 4 bytes; a last entry named TRAILER!!! ends the archive.
 * Pure: it encodes what it is given.
 */

export interface NewcHeader {
  ino: number;
  /** st_mode: file type bits and permissions (setuid, setgid and sticky included). */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Bytes of data that follow (0 for all but one member of a hard-link group). */
  size: number;
  /** A character or block device's number. */
  rdevMajor: number;
  rdevMinor: number;
}

const MAGIC = '070701';
export const TRAILER = 'TRAILER!!!';
const MAX_FIELD = 0xffffffff;

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function field(name: string, value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > MAX_FIELD) {
    throw new RangeError(`cpio newc: ${name} ${value} does not fit the format's 32-bit field`);
  }
  return value.toString(16).padStart(8, '0');
}

/** Header, name and the padding before the data. */
export function encodeHeader(name: string, h: NewcHeader): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.includes(0)) throw new RangeError(`cpio newc: a name holds a NUL byte: ${JSON.stringify(name)}`);
  const namesize = nameBytes.length + 1;
  const text = [
    MAGIC,
    field('ino', h.ino),
    field('mode', h.mode),
    field('uid', h.uid),
    field('gid', h.gid),
    field('nlink', h.nlink),
    field('mtime', h.mtime),
    field('size', h.size),
    field('devmajor', 0),
    field('devminor', 0),
    field('rdevmajor', h.rdevMajor),
    field('rdevminor', h.rdevMinor),
    field('namesize', namesize),
    field('check', 0),
  ].join('');
  const head = Buffer.alloc(110 + namesize + pad4(110 + namesize));
  head.write(text, 0, 'ascii');
  nameBytes.copy(head, 110);
  return head;
}

/** The zero bytes after `size` bytes of data. */
export function dataPadding(size: number): Buffer {
  return Buffer.alloc(pad4(size));
}

/** The archive's last entry. */
export function encodeTrailer(): Buffer {
  return encodeHeader(TRAILER, { ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0, rdevMajor: 0, rdevMinor: 0 });
}

/** Linux's split of a dev_t into major and minor (glibc's gnu_dev_major/minor). */
export function splitDev(dev: number): { major: number; minor: number } {
  const d = BigInt(dev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  return { major, minor };
}
