import { MusterError } from '../errors.js';
import { normalizeKey } from './parse.js';
import { KEYS, KEY_BY_NAME, readField, type Config, type KeySpec } from './schema.js';
import { didYouMean } from './suggest.js';

/** A value written back the way a config file would spell it; unset is ''. */
function formatValue(spec: KeySpec, config: Config): string {
  const value = readField(config, spec.field);
  if (value === undefined) return '';
  return spec.list ? (value as unknown[]).map((v) => spec.kind.format(v)).join(', ') : spec.kind.format(value);
}

/** Every setting as `[config-file key, value]`, in the documented order (`muster info config`). */
export function describeConfig(config: Config): Array<[string, string]> {
  return KEYS.map((spec) => [spec.key, formatValue(spec, config)]);
}

/**
 * One setting by its config-file name, matched like the parser matches keys (Perceus
 * `info config <key>`); '' when unset. An unknown key is CONFIG_INVALID.
 */
export function configValue(config: Config, key: string): string {
  const name = normalizeKey(key);
  const spec = KEY_BY_NAME.get(name);
  if (!spec) {
    throw new MusterError('CONFIG_INVALID', `unknown config key '${key}'${didYouMean(name, KEY_BY_NAME.keys())}`);
  }
  return formatValue(spec, config);
}
