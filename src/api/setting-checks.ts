import { unknownBootenv } from '../boot/ipxe/index.js';
import { didYouMean } from '../config/index.js';
import { MusterError } from '../errors.js';
import { listImages } from '../images/index.js';
import { parseSetValue, type SetKey } from '../nodes/index.js';
import type { ApiDeps } from './deps.js';

/**
 * `node set`/`group set` values checked against what this master holds (the registry checks only
 * their spelling), so that a typo fails now and not at the node's next boot: an unknown bootenv
 * is refused with the known ones, an unknown VNFS with the images in the library (and the
 * nearest name). Returns warnings: a VNFS that exists but has no bootable revision yet.
 */
export async function checkSetting(deps: Pick<ApiDeps, 'db' | 'config'>, key: SetKey, value: string): Promise<string[]> {
  parseSetValue(key, value);
  if (key === 'bootenv') {
    const unknown = await unknownBootenv(deps.config.statedir, value);
    if (unknown !== null) throw new MusterError('SET_VALUE_INVALID', unknown);
  }
  if (key === 'vnfs' && value !== '') {
    const images = await listImages(deps.db);
    const image = images.find((i) => i.name === value);
    if (image === undefined) {
      const names = images.map((i) => i.name);
      const known = names.length > 0 ? `images: ${names.join(', ')}` : 'the library is empty';
      throw new MusterError('IMAGE_NOT_FOUND', `VNFS '${value}' does not exist${didYouMean(value, names)} (${known}; muster vnfs import SRC ${value} adds it)`);
    }
    if (image.current === null) return [`VNFS '${value}' has no bootable revision yet; its nodes cannot boot it until an import finishes`];
  }
  return [];
}
