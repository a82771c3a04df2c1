import { availableParallelism, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { MusterError } from '../errors.js';
import { readConfigFiles } from './files.js';
import { normalizeKey, splitValue, type ConfigEntry } from './parse.js';
import { KEYS, KEY_BY_NAME, PERCEUS_ONLY, writeField, type Config, type ConfigField, type KeySpec } from './schema.js';
import { didYouMean } from './suggest.js';

export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

export interface LoadConfigOptions {
  /** `--config FILE`: must exist. */
  configFile?: string;
  /** `--perceus DIR`: read DIR/perceus.conf and DIR/defaults.conf as Perceus wrote them. */
  perceusDir?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Daemon flags, keyed by config-file name (`'http port': '8080'`); they win over everything. */
  overrides?: Record<string, string>;
  /** Decides the root/non-root defaults (ports, statedir); defaults to the process's uid. */
  uid?: number;
}

export interface LoadedConfig {
  config: Config;
  warnings: string[];
  sources: Record<ConfigField, ConfigSource>;
}

type Layer = { source: ConfigSource; entries: Map<string, ConfigEntry> };

/** The environment variable for a key: `http port` → MUSTER_HTTP_PORT. */
export function envName(key: string): string {
  return 'MUSTER_' + key.toUpperCase().replace(/ /g, '_');
}

function envEntries(env: NodeJS.ProcessEnv): Map<string, ConfigEntry> {
  const entries = new Map<string, ConfigEntry>();
  for (const spec of KEYS) {
    const plain = spec.key === 'database url' && env.DATABASE_URL !== undefined ? 'DATABASE_URL' : undefined;
    const name = env[envName(spec.key)] !== undefined ? envName(spec.key) : plain;
    const value = name && env[name];
    if (name === undefined || value === undefined) continue;
    entries.set(spec.key, { key: spec.key, ...splitValue(value), where: `environment variable ${name}`, baseDir: process.cwd() });
  }
  return entries;
}

function overrideEntries(overrides: Record<string, string>): Map<string, ConfigEntry> {
  const entries = new Map<string, ConfigEntry>();
  for (const [key, value] of Object.entries(overrides)) {
    entries.set(normalizeKey(key), { key, ...splitValue(value), where: 'command line', baseDir: process.cwd() });
  }
  return entries;
}

/** Rejects keys muster does not know (with a did-you-mean); warns about Perceus-only keys. */
function checkKeys(layer: Layer, allowed: (spec: KeySpec) => boolean, fileKind: string, warnings: string[]): void {
  for (const [name, entry] of layer.entries) {
    const spec = KEY_BY_NAME.get(name);
    if (spec && allowed(spec)) continue;
    if (spec) {
      throw new MusterError('CONFIG_INVALID', `${entry.where}: key '${entry.key}' belongs in muster.conf, not ${fileKind}`);
    }
    const perceusOnly = PERCEUS_ONLY[name];
    if (perceusOnly !== undefined && layer.source === 'file') {
      warnings.push(`${entry.where}: key '${entry.key}' is a Perceus setting muster ignores (${perceusOnly})`);
      continue;
    }
    const known = KEYS.filter(allowed).map((s) => s.key);
    throw new MusterError('CONFIG_INVALID', `${entry.where}: unknown key '${entry.key}'${didYouMean(name, known)} (docs/muster.conf.example lists every key)`);
  }
}

/** Parses one entry's value with its key's kind; a list key takes each comma-separated element. */
function parseEntry(spec: KeySpec, entry: ConfigEntry): unknown {
  const fail = (value: string, problem: string): never => {
    throw new MusterError('CONFIG_INVALID', `${entry.where}: key '${spec.key}': '${spec.kind.quote?.(value) ?? value}' ${problem}`);
  };
  if (!spec.list && entry.values.length > 1) fail(entry.raw, 'is a list, but this key takes one value');
  const parsed = entry.values.map((v) => {
    const r = spec.kind.schema.safeParse(v);
    return r.success ? r.data : fail(v, r.error.issues[0]?.message ?? 'is not valid');
  });
  if (spec.path) return resolve(entry.baseDir, parsed[0] as string);
  return spec.list ? parsed : parsed[0];
}

/** The first IPv4 address of a network interface, if it has one. */
function interfaceAddress(device: string): string | undefined {
  return networkInterfaces()[device]?.find((a) => a.family === 'IPv4')?.address;
}

/** Fills the values whose default depends on other settings. */
function derive(config: Config, warnings: string[]): void {
  config.tftpRoot ??= join(config.statedir, 'tftp');
  // A new node with a default VNFS boots it once discovery has registered it.
  config.defaults.bootenv ??= config.defaults.vnfs !== '' ? 'vnfs' : 'discovery';
  // Every queue worker and running job, every rendering node request, plus a few for the admin API.
  config.databasePoolSize ??= config.queueWorkers + config.queueConcurrency + config.moduleConcurrency + 4;
  if (config.vnfsMaster !== undefined && config.dhcpServerAddress !== undefined) return;
  const device = config.masterDevice;
  const deviceAddress = device === undefined ? undefined : interfaceAddress(device);
  if (device !== undefined && deviceAddress === undefined) {
    warnings.push(`master network device '${device}' has no IPv4 address here; 'vnfs transfer master' is derived without it`);
  }
  // The boot LAN's view of this master.
  const address = deviceAddress ?? (config.listen !== '0.0.0.0' ? config.listen : firstHostAddress());
  config.dhcpServerAddress ??= address;
  // Over http, nodes fetch from muster's node-facing HTTP server (Perceus put host:port here too).
  config.vnfsMaster ??= address === undefined || config.vnfsMethod !== 'http' || config.httpPort === 80 ? address : `${address}:${config.httpPort}`;
}

/** The host's first non-loopback IPv4 address: the default master when nothing names one. */
function firstHostAddress(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return undefined;
}

/**
 * Loads muster's configuration. Precedence, lowest first: built-in defaults, defaults.conf,
 * muster.conf (or perceus.conf), MUSTER_* environment variables, `overrides` (daemon flags).
 * An empty value at any layer unsets the key, so the built-in default applies again.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const uid = opts.uid ?? process.getuid?.() ?? -1;
  const warnings: string[] = [];
  const files = await readConfigFiles({ configFile: opts.configFile, perceusDir: opts.perceusDir, env });
  const layers: Layer[] = [];
  if (files.defaults) layers.push({ source: 'file', entries: files.defaults });
  if (files.main) layers.push({ source: 'file', entries: files.main });
  layers.push({ source: 'env', entries: envEntries(env) });
  layers.push({ source: 'flag', entries: overrideEntries(opts.overrides ?? {}) });
  layers.forEach((layer) => {
    const onlyNodeDefaults = layer.entries === files.defaults;
    checkKeys(layer, (s) => !onlyNodeDefaults || s.nodeDefault, onlyNodeDefaults ? 'defaults.conf' : 'muster.conf', warnings);
  });

  const ctx = { root: uid === 0, cpus: availableParallelism(), cwd: process.cwd() };
  const config = { defaults: {} } as Config; // every field is written below, checked by its kind
  const sources = {} as Record<ConfigField, ConfigSource>;
  for (const spec of KEYS) {
    // Every layer's value is checked, not only the winner's: a bad line in a file is an error
    // even while a flag overrides it (it would bite the day the flag goes).
    const parsed = layers.map((l) => {
      const e = l.entries.get(spec.key);
      return e !== undefined && e.values.length > 0 ? parseEntry(spec, e) : undefined;
    });
    const layer = layers.findLast((l) => l.entries.has(spec.key));
    const entry = layer?.entries.get(spec.key);
    const set = entry !== undefined && entry.values.length > 0;
    writeField(config, spec.field, set ? parsed[layers.indexOf(layer!)] : spec.def(ctx));
    sources[spec.field] = set ? layer!.source : 'default';
  }
  derive(config, warnings);
  return { config, warnings, sources };
}
