import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MusterError } from '../errors.js';
import { parseConfigText, type ConfigEntry } from './parse.js';

export const SYSTEM_CONFIG_FILE = '/etc/muster/muster.conf';

/** The config files one load reads: the main file (muster.conf or perceus.conf) and defaults.conf. */
export interface ConfigFiles {
  main?: Map<string, ConfigEntry>;
  defaults?: Map<string, ConfigEntry>;
}

/**
 * Reads and parses a config file. A required file that is missing is an error naming where its
 * path came from; an optional one that is missing yields undefined. Anything else that stops the
 * read (permissions, a directory) is CONFIG_UNREADABLE.
 */
async function readEntries(file: string, requiredBy?: string): Promise<Map<string, ConfigEntry> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && requiredBy === undefined) return undefined;
    const why = code === 'ENOENT' ? `does not exist (given by ${requiredBy})` : `cannot be read: ${(err as Error).message}`;
    throw new MusterError('CONFIG_UNREADABLE', `config file '${file}' ${why}`, { cause: err });
  }
  return parseConfigText(text, file, dirname(resolve(file)));
}

/**
 * Finds and reads the config files: `--perceus DIR` reads DIR/perceus.conf (required) and
 * DIR/defaults.conf; otherwise the main file is `--config`, else $MUSTER_CONFIG (both required),
 * else /etc/muster/muster.conf if it exists, with the defaults.conf beside it if that exists.
 */
export async function readConfigFiles(opts: {
  configFile?: string | undefined;
  perceusDir?: string | undefined;
  env: NodeJS.ProcessEnv;
}): Promise<ConfigFiles> {
  if (opts.configFile !== undefined && opts.perceusDir !== undefined) {
    throw new MusterError('CONFIG_INVALID', 'give either a muster config file or a Perceus config directory, not both');
  }
  let main: Map<string, ConfigEntry> | undefined;
  let dir: string;
  if (opts.perceusDir !== undefined) {
    main = await readEntries(join(opts.perceusDir, 'perceus.conf'), '--perceus');
    dir = opts.perceusDir;
  } else {
    const given = opts.configFile !== undefined ? { file: opts.configFile, by: '--config' } : undefined;
    const fromEnv = opts.env.MUSTER_CONFIG ? { file: opts.env.MUSTER_CONFIG, by: 'MUSTER_CONFIG' } : undefined;
    const pick = given ?? fromEnv;
    const file = pick?.file ?? SYSTEM_CONFIG_FILE;
    main = await readEntries(file, pick?.by);
    dir = dirname(file);
  }
  const defaults = await readEntries(join(dir, 'defaults.conf'));
  return { ...(main && { main }), ...(defaults && { defaults }) };
}
