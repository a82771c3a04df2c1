/**
 * A Perceus `.vnfs` capsule: a bzip2 tarball of a VNFS directory (`config`, `rootfs/`,
 * `nodescripts/<state>/*` or the older top-level `init/`, hooks such as mount/umount/configure,
 * hybridize …), laid out into staging as Perceus lays it into statedir/vnfs/<name>/. Links under
 * rootfs/ must stay inside rootfs/. Built artifacts (vnfs.img*, vmlinuz) are not taken: muster
 * builds its own, into revisions/, which a capsule cannot bring either.
 */
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { unpackArchive } from './archive.js';
import { type CapsuleConfig, parseCapsuleConfig } from './config.js';
import { invalid } from './errors.js';
import { Extractor } from './extract.js';
import { lstatOrNull } from './guard.js';

export interface UnpackedCapsule extends CapsuleConfig {
  /** states that have capsule nodescripts, sorted */
  nodescriptStates: string[];
}

const NOT_TAKEN = /^(vnfs\.img[^/]*|vmlinuz|revisions|\.staging)(\/|$)/;

export async function unpackCapsule(file: string, staging: string, opts: { signal?: AbortSignal; onRaw?: (c: Buffer) => void }): Promise<UnpackedCapsule> {
  const into = new Extractor(staging, {
    signal: opts.signal,
    topOf: (p) => (p === 'rootfs' || p.startsWith('rootfs/') ? 'rootfs' : ''),
    skip: (p) => p === '' || NOT_TAKEN.test(p),
  });
  await unpackArchive(file, into, opts);
  await into.finish();
  if (!lstatOrNull(join(staging, 'rootfs'))?.isDirectory()) throw invalid(`capsule ${file} has no rootfs/ directory`);
  const nodescriptStates = await states(staging, file);
  const config = lstatOrNull(join(staging, 'config'))?.isFile() ? parseCapsuleConfig(await readFile(join(staging, 'config'), 'utf8')) : {};
  return { ...config, nodescriptStates };
}

/**
 * The states of nodescripts/<state>/; a legacy capsule's init/ is moved to nodescripts/init/ so
 * the library links every capsule from one place. Neither layout: refused, as Perceus does.
 */
async function states(staging: string, file: string): Promise<string[]> {
  const dir = join(staging, 'nodescripts');
  const isDir = (p: string) => lstatOrNull(p)?.isDirectory() === true;
  if (!isDir(dir) && isDir(join(staging, 'init'))) {
    await mkdir(dir);
    await rename(join(staging, 'init'), join(dir, 'init'));
  }
  const found: string[] = [];
  if (isDir(dir)) for (const name of (await readdir(dir)).sort()) if (isDir(join(dir, name))) found.push(name);
  if (found.length === 0) throw invalid(`capsule ${file} has neither nodescripts/<state>/ nor init/ (Perceus refuses it too)`);
  return found;
}
