import { resolve } from 'node:path';
import { z } from 'zod';
import type { NodeDefaults } from '../nodes/index.js';
import * as k from './kinds.js';

/** Every muster.conf setting as a flat camelCase field (the node defaults sit in `defaults`). */
export const FlatConfigSchema = z.object({
  masterDevice: z.string().optional(),
  listen: z.string(),
  apiAddress: z.string(),
  apiPort: z.number(),
  httpPort: z.number(),
  httpImageTransfers: z.number(),
  provisiondPort: z.number(),
  provisiondConnections: z.number(),
  provisiondConnectionsPerPeer: z.number(),
  statedir: z.string(),
  databaseUrl: z.string().optional(),
  databasePoolSize: z.number(),
  vnfsMethod: z.enum(['http', 'nfs']),
  vnfsMaster: z.string().optional(),
  vnfsPrefix: z.string(),
  nodeTimeout: z.number(),
  moduleTimeout: z.number(),
  moduleOutputLimit: z.number(),
  moduleFailure: z.enum(['ignore', 'abort']),
  moduleConcurrency: z.number(),
  eventRetentionDays: z.number(),
  queueWorkers: z.number(),
  queueConcurrency: z.number(),
  jobLeaseSeconds: z.number(),
  hostId: z.string().optional(),
  dhcpMode: z.enum(['off', 'full', 'proxy']),
  dhcpPort: z.number(),
  dhcpProxyPort: z.number(),
  dhcpServerAddress: z.string().optional(),
  dhcpSubnets: z.array(z.string()),
  dhcpRanges: z.array(z.string()),
  dhcpGateway: z.string().optional(),
  dhcpDns: z.array(z.string()),
  dhcpDomain: z.string().optional(),
  dhcpLeaseTime: z.number(),
  bootFileBios: z.string(),
  bootFileUefi: z.string(),
  bootFileUefiHttp: z.string(),
  tftpPort: z.number(),
  tftpEnabled: z.boolean(),
  tftpRoot: z.string(),
  ipxeDir: z.string(),
  tftpMaxTransfers: z.number(),
  tftpMaxTransfersPerClient: z.number(),
  tftpMaxTimeout: z.number(),
  tftpMaxBlksize: z.number(),
  exportFiles: z.array(z.enum(['ethers', 'hosts', 'dnsmasq'])),
  /** Perceus's parser splits values on commas; kernel args keep theirs (joined back with ','). */
  bootKernelArgs: z.array(z.string()),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});
type FlatConfig = z.infer<typeof FlatConfigSchema>;
export type Config = FlatConfig & { defaults: NodeDefaults };

/** A Config field by name; node defaults are `defaults.<name>`. */
export type ConfigField = keyof FlatConfig | `defaults.${keyof NodeDefaults}`;
type FieldValue<F extends ConfigField> = F extends keyof FlatConfig
  ? FlatConfig[F]
  : F extends `defaults.${infer D extends keyof NodeDefaults}`
    ? NodeDefaults[D]
    : never;
type Element<T> = T extends readonly (infer E)[] ? E : T;

/** What built-in defaults depend on: running as root or not, the CPU count, the working dir. */
export interface DefaultsContext {
  root: boolean;
  cpus: number;
  cwd: string;
}

export interface KeySpec {
  /** The config-file name, lower-case with single spaces. */
  key: string;
  field: ConfigField;
  kind: k.Kind<unknown>;
  /** Comma-separated list; the kind applies to each element. */
  list: boolean;
  /** A file system path: relative values are resolved against the file's directory. */
  path: boolean;
  /** Allowed in defaults.conf (Perceus's node defaults). */
  nodeDefault: boolean;
  /** The built-in value; undefined = unset (vnfsMaster and tftpRoot are then derived in load.ts). */
  def(ctx: DefaultsContext): unknown;
}

function spec<F extends ConfigField>(
  key: string,
  field: F,
  kind: k.Kind<Element<Exclude<FieldValue<F>, undefined>>>,
  def: (ctx: DefaultsContext) => FieldValue<F> | undefined,
  opts: { path?: boolean; list?: boolean } = {},
): KeySpec {
  const { path = false, list = false } = opts;
  return { key, field, kind: kind as k.Kind<unknown>, list, path, nodeDefault: field.startsWith('defaults.'), def };
}

/**
 * Ceilings of the counts, each far above any real cluster's need and below what breaks:
 * timers (setTimeout wraps past 24.8 days), one row per job slot, one loop per worker, one
 * process per module, one socket per TFTP transfer, a JS string per module's output, the
 * DHCP lease field (RFC 2131 option 51, kept signed 32-bit like the DHCP settings).
 */
const MODULE_OUTPUT_MAX = 256 * 1024 ** 2;

const rootOr =
  <T>(asRoot: T, otherwise: T) =>
  (ctx: DefaultsContext) =>
    ctx.root ? asRoot : otherwise;
const fixed =
  <T>(value: T) =>
  () =>
    value;
const unset = () => undefined;

/** Every key muster reads, in the order `muster info config` and the example file show them. */
export const KEYS: readonly KeySpec[] = [
  spec('master network device', 'masterDevice', k.ifname, unset),
  spec('listen address', 'listen', k.ipv4, fixed('0.0.0.0')),
  spec('api address', 'apiAddress', k.ipAddress, fixed('127.0.0.1')),
  spec('api port', 'apiPort', k.port, fixed(8988)),
  spec('http port', 'httpPort', k.port, fixed(8987)),
  spec('http image transfers', 'httpImageTransfers', k.whole('transfers', 1, 10_000), fixed(64)),
  spec('provisiond port', 'provisiondPort', k.port, rootOr(987, 9987)),
  spec('provisiond connections', 'provisiondConnections', k.whole('connections', 1, 65_536), fixed(4096)),
  spec('provisiond connections per peer', 'provisiondConnectionsPerPeer', k.whole('connections', 1, 4096), fixed(32)),
  spec('statedir', 'statedir', k.plain, (ctx) => (ctx.root ? '/var/lib/muster' : resolve(ctx.cwd, 'var/muster')), { path: true }),
  spec('database url', 'databaseUrl', k.postgresUrl, unset),
  // Unset: derived in load.ts from the queue and module concurrency that share the pool.
  spec('database pool size', 'databasePoolSize', k.whole('connections', 1, 10_000), unset),
  spec('vnfs transfer method', 'vnfsMethod', k.oneOf('http', 'nfs'), fixed('http')),
  spec('vnfs transfer master', 'vnfsMaster', k.host, unset),
  spec('vnfs transfer prefix', 'vnfsPrefix', k.plain, fixed('')),
  spec('node timeout', 'nodeTimeout', k.whole('seconds', 1, 7 * 86_400), fixed(600)),
  spec('module timeout', 'moduleTimeout', k.whole('seconds', 1, 86_400), fixed(30)),
  spec('module output limit', 'moduleOutputLimit', k.size(MODULE_OUTPUT_MAX), fixed(16 * 1024 * 1024)),
  spec('module failure', 'moduleFailure', k.oneOf('ignore', 'abort'), fixed('ignore')),
  spec('module concurrency', 'moduleConcurrency', k.whole('modules', 1, 4096), (ctx) => 4 * ctx.cpus),
  spec('event retention', 'eventRetentionDays', k.whole('days', 1, 3650), fixed(30)),
  spec('queue workers', 'queueWorkers', k.whole('workers', 1, 1000), fixed(10)),
  spec('queue concurrency', 'queueConcurrency', k.whole('jobs', 1, 100_000), fixed(10)),
  spec('job lease', 'jobLeaseSeconds', k.whole('seconds', 1, 86_400), fixed(30)),
  // Unset: /etc/machine-id, else the host name (src/queue/host.ts).
  spec('host id', 'hostId', k.host, unset),
  spec('dhcp mode', 'dhcpMode', k.oneOf('off', 'full', 'proxy'), fixed('off')),
  spec('dhcp port', 'dhcpPort', k.port, rootOr(67, 6767)),
  spec('dhcp proxy port', 'dhcpProxyPort', k.port, rootOr(4011, 14011)),
  spec('dhcp server address', 'dhcpServerAddress', k.ipv4, unset),
  spec('dhcp subnet', 'dhcpSubnets', k.subnet, () => [], { list: true }),
  spec('dhcp range', 'dhcpRanges', k.addressRange, () => [], { list: true }),
  spec('dhcp gateway', 'dhcpGateway', k.ipv4, unset),
  spec('dhcp dns', 'dhcpDns', k.ipv4, () => [], { list: true }),
  spec('dhcp domain', 'dhcpDomain', k.host, unset),
  spec('dhcp lease time', 'dhcpLeaseTime', k.whole('seconds', 60, 0x7fffffff), fixed(3600)),
  spec('boot file bios', 'bootFileBios', k.plain, fixed('undionly.kpxe')),
  spec('boot file uefi', 'bootFileUefi', k.plain, fixed('ipxe.efi')),
  spec('boot file uefi http', 'bootFileUefiHttp', k.plain, fixed('ipxe.efi')),
  spec('tftp port', 'tftpPort', k.port, rootOr(69, 6969)),
  spec('tftp enabled', 'tftpEnabled', k.bool, fixed(true)),
  spec('tftp root', 'tftpRoot', k.plain, unset, { path: true }),
  spec('ipxe dir', 'ipxeDir', k.plain, fixed('/usr/lib/ipxe'), { path: true }),
  spec('tftp max transfers', 'tftpMaxTransfers', k.whole('transfers', 1, 10_000), fixed(256)),
  spec('tftp max transfers per client', 'tftpMaxTransfersPerClient', k.whole('transfers', 1, 10_000), fixed(8)),
  spec('tftp max timeout', 'tftpMaxTimeout', k.whole('seconds', 1, 255), fixed(10)),
  spec('tftp max blksize', 'tftpMaxBlksize', k.whole('bytes', 8, 65_464), fixed(65_464)),
  spec('export files', 'exportFiles', k.oneOf('ethers', 'hosts', 'dnsmasq'), () => [], { list: true }),
  spec('boot kernel args', 'bootKernelArgs', k.plain, () => ['console=tty0 console=ttyS0', '115200n8'], { list: true }),
  spec('default bootenv', 'defaults.bootenv', k.name, unset),
  spec('log level', 'logLevel', k.oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), fixed('info')),
  spec('node name', 'defaults.nameTemplate', k.nameTemplate, fixed('n####')),
  spec('first node', 'defaults.firstNode', k.whole('', 0, 999_999_999), fixed(0)),
  spec('total nodes', 'defaults.totalNodes', k.whole('nodes', 1, 1_000_000_000), unset),
  spec('group name', 'defaults.group', k.name, fixed('cluster')),
  spec('vnfs name', 'defaults.vnfs', k.name, fixed('')),
  spec('enabled', 'defaults.enabled', k.bool, fixed(true)),
  spec('debug', 'defaults.debug', k.whole('', 0, 255), fixed(0)),
];

/** Keys a Perceus perceus.conf carries that muster has no use for: accepted with a warning. */
export const PERCEUS_ONLY: Record<string, string> = {
  'database type': "muster keeps nodes in PostgreSQL; set 'database url' or leave it unset for the embedded database",
  'database server': "set 'database url' instead",
  'database name': "set 'database url' instead",
  'database user': "set 'database url' instead",
  'database pass': "set 'database url' instead",
  'controlport bind address': "muster has no control port; the admin API listens on 'api address'",
  'controlport allow address': "muster has no control port; the admin API listens on 'api address'",
};

export const KEY_BY_NAME: ReadonlyMap<string, KeySpec> = new Map(KEYS.map((s) => [s.key, s]));

/** Reads a field (`httpPort`, `defaults.group`) of a Config. */
export function readField(config: Config, field: ConfigField): unknown {
  const [outer, inner] = field.split('.') as [string, string | undefined];
  const holder = (inner === undefined ? config : config.defaults) as unknown as Record<string, unknown>;
  return holder[inner ?? outer];
}

/** Writes a field; the caller has checked the value with the field's kind. */
export function writeField(config: Config, field: ConfigField, value: unknown): void {
  const [outer, inner] = field.split('.') as [string, string | undefined];
  const holder = (inner === undefined ? config : config.defaults) as unknown as Record<string, unknown>;
  holder[inner ?? outer] = value;
}
