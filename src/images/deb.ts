/**
 * A Debian package's files, unpacked with `dpkg-deb -x` (the maintainer scripts are not run)
 * into a fresh temporary directory; the caller removes it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { MusterError } from '../errors.js';

export async function unpackDeb(deb: string, under = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(under, 'muster-deb-'));
  const r = await execa('dpkg-deb', ['-x', deb, dir], { reject: false, all: true });
  if (r.exitCode !== 0) {
    const why = r.failed && r.exitCode === undefined ? 'dpkg-deb is not installed (Debian package dpkg)' : (r.all ?? '').trim().split('\n').at(-1);
    throw new MusterError('IMAGE_INVALID', `${deb}: cannot unpack: ${why}`);
  }
  return dir;
}
