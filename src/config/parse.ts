import { MusterError } from '../errors.js';

/**
 * One `key = value` setting and where it came from. `values` is the value split on commas;
 * an empty list means the key was written with an empty value, i.e. explicitly unset.
 */
export interface ConfigEntry {
  /** The key as written (trimmed), for messages. */
  key: string;
  /** The value as written after quote removal, before the comma split ('' = unset). */
  raw: string;
  values: string[];
  /** Where the setting came from, for messages: `muster.conf:12`, `environment MUSTER_HTTP_PORT`. */
  where: string;
  /** Directory relative paths in this setting are resolved against. */
  baseDir: string;
}

/** Keys are matched case-insensitively with whitespace runs folded, so `Node  Name` = `node name`. */
export function normalizeKey(key: string): string {
  return key.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Perceus's value rules: optional double quotes around the whole value are removed, then the
 * value is split on commas (and the spaces around them). An empty value yields an empty list.
 */
export function splitValue(value: string): { raw: string; values: string[] } {
  let raw = value.trim();
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) raw = raw.slice(1, -1).trim();
  return { raw, values: raw === '' ? [] : raw.split(/\s*,\s*/) };
}

/**
 * Parses Perceus-style `key = value` text (perceus.conf, defaults.conf, muster.conf). Blank lines
 * and lines whose first non-blank character is `#` are skipped. The key runs up to the first `=`.
 * A key given twice keeps its last occurrence, including an empty one (which unsets it).
 * Unlike Perceus, a line that is not `key = value` is an error rather than silently ignored,
 * so a typo cannot drop a setting unnoticed.
 *
 * @param file the name used in messages (`muster.conf:3: …`)
 * @param baseDir directory for relative paths in values
 * @returns entries by normalized key, in first-seen order
 */
export function parseConfigText(text: string, file: string, baseDir: string): Map<string, ConfigEntry> {
  const entries = new Map<string, ConfigEntry>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (/^\s*(#|$)/.test(line)) return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? '' : line.slice(0, eq).trim();
    if (key === '') {
      throw new MusterError('CONFIG_INVALID', `${where}: '${line.trim()}' is not a setting; write 'key = value' (or start the line with # for a comment)`);
    }
    const name = normalizeKey(key);
    entries.delete(name); // re-insert so iteration order follows the winning line
    entries.set(name, { key, ...splitValue(line.slice(eq + 1)), where, baseDir });
  });
  return entries;
}
