export { loadConfig, envName, type LoadConfigOptions, type LoadedConfig, type ConfigSource } from './load.js';
export { describeConfig, configValue } from './describe.js';
export { didYouMean } from './suggest.js';
export { SYSTEM_CONFIG_FILE } from './files.js';
export type { Config, ConfigField } from './schema.js';
