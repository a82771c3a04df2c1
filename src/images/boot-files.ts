/**
 * muster's own boot files in the statedir — the discovery kernel + initramfs and the VNFS overlay
 * — as the boot script and `muster info boot` see them. Read on each request: a build that just
 * finished counts.
 */
import { stat } from 'node:fs/promises';
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
