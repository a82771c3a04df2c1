/**
 * A kernel module's `.modinfo` section: the `key=value` strings (NUL-separated) that modpost puts
 * in every module — `depends=` (the modules it needs, what depmod writes into modules.dep) and
 * `alias=` (the device patterns it drives, modules.alias). Read straight from the ELF file, so a
 * module tree unpacked from a .deb (whose postinst would have run depmod) needs no depmod.
 * Compressed modules (.ko.gz, .ko.xz, .ko.zst) are unpacked in memory first.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { MusterError } from '../errors.js';

export interface Modinfo {
  depends: string[];
  aliases: string[];
}

/** The file name's module suffix, or null when it is not a kernel module. */
export function moduleSuffix(name: string): string | null {
  return /\.ko(\.gz|\.xz|\.zst)?$/.exec(name)?.[0] ?? null;
}

/** Module names as the kernel compares them: `-` and `_` are the same. */
export const moduleName = (file: string): string => {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return base.slice(0, base.length - (moduleSuffix(base)?.length ?? 0)).replaceAll('-', '_');
};

async function moduleBytes(file: string): Promise<Buffer> {
  const suffix = moduleSuffix(file);
  if (suffix === '.ko.gz') return gunzipSync(await readFile(file));
  if (suffix === '.ko.xz' || suffix === '.ko.zst') {
    const tool = suffix === '.ko.xz' ? 'xz' : 'zstd';
    const r = await execa(tool, ['-dc', file], { encoding: 'buffer', reject: false });
    if (r.exitCode !== 0)
      throw new MusterError('IMAGE_INVALID', `${file}: cannot unpack with ${tool} (install Debian's ${tool === 'xz' ? 'xz-utils' : 'zstd'})`);
    return Buffer.from(r.stdout);
  }
  return readFile(file);
}

/** The .modinfo section of a 64-bit little-endian ELF object (x86_64, arm64: what muster boots). */
export function parseModinfo(elf: Buffer, what: string): Modinfo {
  const bad = (why: string) => new MusterError('IMAGE_INVALID', `${what}: not a kernel module (${why})`);
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) throw bad('no ELF header');
  if (elf[4] !== 2 || elf[5] !== 1) throw bad('not a 64-bit little-endian ELF file');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  if (shoff + shnum * shentsize > elf.length || shstrndx >= shnum) throw bad('section headers past the end');
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return { name: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20)) };
  };
  const names = section(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const nameAt = names.offset + s.name;
    if (elf.toString('latin1', nameAt, elf.indexOf(0, nameAt)) !== '.modinfo') continue;
    if (s.offset + s.size > elf.length) throw bad('.modinfo past the end');
    const info: Modinfo = { depends: [], aliases: [] };
    for (const entry of elf.toString('latin1', s.offset, s.offset + s.size).split('\0')) {
      if (entry.startsWith('depends='))
        info.depends.push(
          ...entry
            .slice(8)
            .split(',')
            .filter((d) => d !== ''),
        );
      else if (entry.startsWith('alias=')) info.aliases.push(entry.slice(6));
    }
    info.depends = info.depends.map((d) => d.replaceAll('-', '_'));
    return info;
  }
  throw bad('no .modinfo section');
}

export async function readModinfo(file: string): Promise<Modinfo> {
  return parseModinfo(await moduleBytes(file), file);
}
