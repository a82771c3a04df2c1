import type { Dirent } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MusterError } from '../errors.js';
import { globToRegExp } from '../hostlist/index.js';
import { isValidComponent } from '../nodescripts/index.js';
import { checkRole, moduleDir, modulesDir } from './names.js';

/**
 * What is on disk for modules, in Perceus's layout (reference perceus.md §6.1):
 * statedir/modules/<m>/{nodescripts/, defaultroles, activate, install, .installed}.
 */
export interface ModuleInfo {
  name: string;
  /** the roles it is active in (its .installed file), sorted */
  roles: string[];
}

/** Perl's default sort: byte order. */
export function byteSort(list: string[]): string[] {
  return [...list].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function lines(path: string): Promise<string[] | null> {
  try {
    return (await readFile(path, 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The installed modules whose names match any of the globs (all without globs), sorted. */
export async function listModules(statedir: string, globs: string[] = []): Promise<ModuleInfo[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(modulesDir(statedir), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const res = globs.map(globToRegExp);
  const names = entries
    .filter((e) => e.isDirectory() && isValidComponent(e.name))
    .map((e) => e.name)
    .filter((n) => res.length === 0 || res.some((re) => re.test(n)));
  return Promise.all(byteSort(names).map((name) => moduleInfo(statedir, name)));
}

/** The module's directory; MODULE_NOT_INSTALLED when there is none. */
export async function requireModule(statedir: string, name: string): Promise<string> {
  const dir = moduleDir(statedir, name);
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new MusterError('MODULE_NOT_INSTALLED', `Perceus Module '${name}' is not installed! (see: muster module list)`);
  return dir;
}

/** One module as listModules gives it. */
export async function moduleInfo(statedir: string, name: string): Promise<ModuleInfo> {
  return { name, roles: await activeRoles(statedir, name) };
}

export async function activeRoles(statedir: string, name: string): Promise<string[]> {
  return byteSort([...new Set((await lines(join(moduleDir(statedir, name), '.installed'))) ?? [])]);
}

/** Rewrites .installed in one step (a crash leaves the old or the new list, never half); none: no file. */
export async function writeActiveRoles(statedir: string, name: string, roles: string[]): Promise<void> {
  const path = join(moduleDir(statedir, name), '.installed');
  if (roles.length === 0) return rm(path, { force: true });
  await writeFile(
    `${path}.new`,
    byteSort(roles)
      .map((r) => r + '\n')
      .join(''),
  );
  await rename(`${path}.new`, path);
}

/** The roles of its defaultroles file, each checked (a bad line names the file). */
export async function defaultRoles(statedir: string, name: string): Promise<string[]> {
  const path = join(moduleDir(statedir, name), 'defaultroles');
  const roles = ((await lines(path)) ?? []).filter((l) => !l.startsWith('#'));
  for (const role of roles) {
    try {
      checkRole(role);
    } catch (err) {
      throw new MusterError('MODULE_ROLE_INVALID', `${path}: ${(err as Error).message}`);
    }
  }
  return roles;
}

/** The names in the module's nodescripts/ that activation links: everything but directories and dotfiles. */
export async function scriptNames(statedir: string, name: string): Promise<string[]> {
  const dir = join(moduleDir(statedir, name), 'nodescripts');
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return byteSort(entries.filter((e) => !e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name));
}
