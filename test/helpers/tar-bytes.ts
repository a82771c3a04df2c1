/**
 * Hand-made tar archives for the bad-input tests: system tar will not write `../x`, a member
 * beneath a symlink it just stored, or a broken checksum, so these are built byte by byte here
 * (ustar headers, octal fields, the checksum over the header with its own field as spaces).
 */
export interface RawMember {
  name: string;
  /** '0' file (default), '1' hard link, '2' symlink, '5' directory, … */
  type?: string;
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
}

function header(m: RawMember, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (at: number, len: number, value: string) => h.write(value.slice(0, len), at, len, 'utf8');
  const octal = (at: number, len: number, n: number) => put(at, len, `${n.toString(8).padStart(len - 1, '0')}\0`);
  put(0, 100, m.name);
  octal(100, 8, m.mode ?? (m.type === '5' ? 0o755 : 0o644));
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 1_600_000_000);
  h.write(m.type ?? '0', 156, 1, 'latin1');
  put(157, 100, m.linkname ?? '');
  h.write('ustar\x0000', 257, 8, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** The archive's bytes, with its two end-of-archive blocks. */
export function tarBytes(members: RawMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.data ?? '');
    parts.push(header(m, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
