/**
 * muster's own boot files in the statedir — the discovery kernel + initramfs and the VNFS overlay
 * — as the boot script and `muster info boot` see them, and the revision a VNFS serves now (its
 * vnfs.img link into revisions/<n>/). Read on each request: a build that just finished counts.
 */
import { readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DISCOVERY_FILES, discoveryDir } from './discovery.js';
import { overlayPath } from './overlay.js';

export interface BootFiles {
  /** Why discovery cannot boot (the files it lacks), or null when both files are there. */
  discoveryMissing: string | null;
  overlay: boolean;
}

const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

export async function bootFiles(statedir: string): Promise<BootFiles> {
  const dir = discoveryDir(statedir);
  const lacking: string[] = [];
  for (const f of DISCOVERY_FILES) if (!(await isFile(join(dir, f)))) lacking.push(f);
  const discoveryMissing =
    lacking.length === 0
      ? null
      : `the master has no discovery ${lacking.join(' and ')} in ${dir} (on the master: muster discovery build; muster info boot says why)`;
  return { discoveryMissing, overlay: await isFile(overlayPath(statedir)) };
}

/** The revision statedir/vnfs/<name>/vnfs.img links to (revisions/<n>/vnfs.img), or null. */
export async function servedRevision(statedir: string, vnfs: string): Promise<number | null> {
  const target = await readlink(join(statedir, 'vnfs', vnfs, 'vnfs.img')).catch(() => null);
  const m = target === null ? null : /(?:^|\/)revisions\/(\d+)\/vnfs\.img$/.exec(target);
  return m ? Number(m[1]) : null;
}
