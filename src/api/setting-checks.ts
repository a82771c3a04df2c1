import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { unknownBootenv } from '../boot/ipxe/index.js';
import { MusterError } from '../errors.js';
import { parseSetValue, type SetKey } from '../nodes/index.js';

/**
 * `node set`/`group set` values checked against what this master holds (the registry checks only
 * their spelling), so that a typo fails now and not at the node's next boot. An unknown bootenv
 * is refused with the list of known ones; an unknown VNFS is only a warning until muster manages
 * VNFS images itself (an admin may copy the image in after setting it). Returns the warnings.
 */
export async function checkSetting(statedir: string, key: SetKey, value: string): Promise<string[]> {
  parseSetValue(key, value);
  if (key === 'bootenv') {
    const unknown = await unknownBootenv(statedir, value);
    if (unknown !== null) throw new MusterError('SET_VALUE_INVALID', unknown);
  }
  if (key === 'vnfs' && value !== '') {
    const known = await vnfsNames(statedir);
    if (!known.includes(value)) {
      const list = known.length > 0 ? `known: ${known.join(', ')}` : 'none exists yet';
      return [`VNFS '${value}' is not in ${join(statedir, 'vnfs')}/ (${list}); its nodes cannot boot it until it is there`];
    }
  }
  return [];
}

/** The VNFS images: the directories statedir/vnfs/<name>/ the boot files are served from. */
async function vnfsNames(statedir: string): Promise<string[]> {
  try {
    const entries = await readdir(join(statedir, 'vnfs'), { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
