import { mkdir, mkdtemp, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MusterError } from '../errors.js';
import { decompress, moduleEntries } from './archive.js';
import { runHook } from './hooks.js';
import { checkModuleName, moduleDir, modulesDir } from './names.js';
import { readTar, type TarEntry } from './tar.js';

export interface Imported {
  name: string;
  /** what the module's install script printed */
  output: string;
}

/**
 * `module import NAME.pmod`: the archive is read and every entry checked before anything is
 * written; it is written into a scratch directory beside the modules and renamed into place in
 * one step, so a refused or failed import leaves no trace and never touches an installed module.
 * Then its `install` script runs, if it has one (Perceus: `install <name>`); if that fails the
 * module is removed again.
 */
export async function importModule(statedir: string, name: string, archive: Buffer): Promise<Imported> {
  const dest = moduleDir(statedir, checkModuleName(name));
  await mkdir(modulesDir(statedir), { recursive: true });
  if (
    await stat(dest).then(
      () => true,
      () => false,
    )
  ) {
    throw new MusterError('MODULE_INSTALLED', `Perceus Module '${name}' is already installed! (delete it first: muster module delete ${name})`);
  }
  const scratch = await mkdtemp(join(modulesDir(statedir), '.import-'));
  try {
    const entries = moduleEntries(readTar(await decompress(archive, scratch)));
    const staged = join(scratch, 'module');
    await mkdir(staged);
    await writeEntries(staged, entries);
    await rename(staged, dest);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  try {
    return { name, output: await runHook(statedir, name, 'install', [name], []) };
  } catch (err) {
    await rm(dest, { recursive: true, force: true });
    throw err;
  }
}

/** Writes checked entries under root: no entry's parent is a symlink, and files are created exclusively. */
async function writeEntries(root: string, entries: TarEntry[]): Promise<void> {
  for (const e of entries) {
    const at = join(root, e.path);
    try {
      if (e.type === 'dir') {
        await mkdir(at, { recursive: true });
        continue;
      }
      await mkdir(dirname(at), { recursive: true });
      if (e.type === 'file') await writeFile(at, e.data, { flag: 'wx', mode: e.executable ? 0o755 : 0o644 });
      else await symlink(e.target, at);
    } catch (err) {
      throw new MusterError('MODULE_ARCHIVE_INVALID', `cannot unpack '${e.path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        cause: err,
      });
    }
  }
}
