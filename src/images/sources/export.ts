/**
 * `exportCapsule`: a VNFS directory as a Perceus capsule — a bzip2 tarball of `config`, `rootfs/`,
 * `nodescripts/`, the hooks and whatever else the directory holds, without what is built from
 * them (vnfs.img*, the vmlinuz link) or muster's own revisions/. Written as Perceus does, to
 * `<file>.part` and renamed, so a failed export leaves no partial capsule under the real name.
 * GNU tar writes it (numeric owners: the image's own /etc/passwd names them; sorted, so the same
 * directory gives the same member order).
 */
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { MusterError } from '../../errors.js';
import { lstatOrNull } from './guard.js';
import { runTool } from './tool.js';

const NOT_EXPORTED = /^(vnfs\.img.*|vmlinuz|revisions)$/;
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const failed = (message: string) => new MusterError('IMAGE_EXPORT_FAILED', message);

export async function exportCapsule(vnfsDir: string, file: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
  if (!lstatOrNull(`${vnfsDir}/rootfs`)?.isDirectory()) throw failed(`${vnfsDir} has no rootfs/ directory to export`);
  const names = (await readdir(vnfsDir)).filter((n) => !NOT_EXPORTED.test(n)).sort(byBytes);
  const part = `${file}.part`;
  try {
    await runTool(
      'tar',
      ['--sort=name', '--numeric-owner', '--xattrs', '--format=posix', '-cjf', part, '-C', vnfsDir, '--', ...names.map((n) => `./${n}`)],
      (why) => failed(`exporting ${basename(vnfsDir)} to ${file} failed (${why})`),
      { signal: opts.signal },
    );
    const fh = await open(part, 'r');
    await fh.sync().finally(() => fh.close());
    await rename(part, file);
    const dir = await open(dirname(file), 'r');
    await dir.sync().finally(() => dir.close());
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
}
