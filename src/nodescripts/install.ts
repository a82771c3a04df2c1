import { cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_NODESCRIPTS_DIR } from '../paths.js';

/**
 * Installs the shipped default module tree into a new statedir. A statedir that already has a
 * nodescripts/ folder is the admin's and is left alone. Returns whether it installed.
 */
export async function installDefaultTree(statedir: string, source: string = DEFAULT_NODESCRIPTS_DIR): Promise<boolean> {
  const target = join(statedir, 'nodescripts');
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists) return false;
  // copyFile keeps the mode bits, so executable modules stay executable.
  await cp(source, target, { recursive: true, errorOnExist: true, force: false });
  return true;
}
