import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidLabel } from '../../nodes/index.js';
import { BUILTIN_BOOTENVS } from './script.js';

/**
 * The bootenvs a node can boot: the built-in ones, then each admin template
 * statedir/bootenvs/<name>.ipxe (template.ts), sorted. Read when asked: a template added a moment
 * ago counts.
 */
export async function knownBootenvs(statedir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(statedir, 'bootenvs'), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [...BUILTIN_BOOTENVS];
    throw err;
  }
  const templates = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.ipxe'))
    .map((e) => e.name.slice(0, -'.ipxe'.length))
    .filter((n) => isValidLabel(n) && !(BUILTIN_BOOTENVS as readonly string[]).includes(n))
    .sort();
  return [...BUILTIN_BOOTENVS, ...templates];
}

/** Why `name` cannot be a node's bootenv (it does not exist, with the known ones), or null. */
export async function unknownBootenv(statedir: string, name: string): Promise<string | null> {
  const known = await knownBootenvs(statedir);
  if (known.includes(name)) return null;
  return `bootenv '${name}' does not exist; known bootenvs: ${known.join(', ')} (an admin bootenv is ${join(statedir, 'bootenvs', '<name>.ipxe')})`;
}
