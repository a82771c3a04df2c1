import { networkInterfaces } from 'node:os';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, SYSTEM_CONFIG_FILE, type Config } from '../../src/config/index.js';
import { confDir } from './confdir.js';

const USER = 1000;

/** The default master address on this host (its first non-loopback IPv4), bare and with a port. */
function hostAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((x) => x?.family === 'IPv4' && !x.internal)?.address;
}
function hostMaster(port: number): string | undefined {
  const a = hostAddress();
  return a === undefined ? undefined : `${a}:${port}`;
}

const USER_DEFAULTS: Config = {
  masterDevice: undefined,
  listen: '0.0.0.0',
  apiAddress: '127.0.0.1',
  apiPort: 8988,
  httpPort: 8987,
  httpImageTransfers: 64,
  provisiondPort: 9987,
  provisiondConnections: 4096,
  provisiondConnectionsPerPeer: 32,
  statedir: resolve('var/muster'),
  databaseUrl: undefined,
  // queue workers + queue concurrency + module concurrency + 4
  databasePoolSize: 10 + 10 + 4 * availableParallelism() + 4,
  vnfsMethod: 'http',
  vnfsMaster: hostMaster(8987),
  vnfsPrefix: '',
  nodeTimeout: 600,
  moduleTimeout: 30,
  moduleOutputLimit: 16 * 1024 * 1024,
  moduleFailure: 'ignore',
  moduleConcurrency: 4 * availableParallelism(),
  eventRetentionDays: 30,
  queueWorkers: 10,
  queueConcurrency: 10,
  jobLeaseSeconds: 30,
  hostId: undefined,
  dhcpMode: 'off',
  dhcpPort: 6767,
  dhcpProxyPort: 14011,
  dhcpServerAddress: hostAddress(),
  dhcpSubnets: [],
  dhcpRanges: [],
  dhcpGateway: undefined,
  dhcpDns: [],
  dhcpDomain: undefined,
  dhcpLeaseTime: 3600,
  bootFileBios: 'undionly.kpxe',
  bootFileUefi: 'ipxe.efi',
  bootFileUefiHttp: 'ipxe.efi',
  tftpPort: 6969,
  tftpEnabled: true,
  tftpRoot: resolve('var/muster/tftp'),
  ipxeDir: '/usr/lib/ipxe',
  tftpMaxTransfers: 256,
  tftpMaxTransfersPerClient: 8,
  tftpMaxTimeout: 10,
  tftpMaxBlksize: 65_464,
  exportFiles: [],
  bootKernelArgs: ['console=tty0 console=ttyS0', '115200n8'],
  logLevel: 'info',
  defaults: { nameTemplate: 'n####', firstNode: 0, totalNodes: undefined, group: 'cluster', vnfs: '', enabled: true, debug: 0, bootenv: 'discovery' },
};

/** Loads from a muster.conf with the given text, as a non-root user with an empty environment. */
async function fromFile(text: string, opts: { env?: NodeJS.ProcessEnv; overrides?: Record<string, string> } = {}) {
  const dir = await confDir({ 'muster.conf': text });
  return loadConfig({ configFile: join(dir, 'muster.conf'), uid: USER, env: opts.env ?? {}, ...opts });
}

describe('loadConfig defaults', () => {
  it('gives every default to a non-root user', async (t) => {
    const systemFiles = [SYSTEM_CONFIG_FILE, join(dirname(SYSTEM_CONFIG_FILE), 'defaults.conf')].filter((f) => existsSync(f));
    if (systemFiles.length > 0) return t.skip(`${systemFiles.join(' and ')} exist on this machine`);
    const { config, warnings, sources } = await loadConfig({ uid: USER, env: {} });
    assert.deepEqual(config, USER_DEFAULTS);
    assert.deepEqual(warnings, []);
    assert.ok(Object.values(sources).every((s) => s === 'default'));
  });

  it('uses the privileged ports and /var/lib/muster as root', async () => {
    const { config } = await fromFile('');
    const root = (await loadConfig({ configFile: (await confDir({ 'm.conf': '' })) + '/m.conf', uid: 0, env: {} })).config;
    assert.deepEqual(root, {
      ...config,
      provisiondPort: 987,
      dhcpPort: 67,
      dhcpProxyPort: 4011,
      tftpPort: 69,
      statedir: '/var/lib/muster',
      tftpRoot: '/var/lib/muster/tftp',
    });
  });
});

describe('loadConfig values', () => {
  it('reads every kind of value from muster.conf', async () => {
    const { config, sources } = await fromFile(
      [
        'HTTP Port = 0',
        'module output limit = 512K',
        'tftp enabled = off',
        'dhcp mode = Proxy',
        'dhcp subnet = 10.0.0.0/24, 10.0.1.0/24',
        'dhcp range = 10.0.0.100 - 10.0.0.200',
        'dhcp dns = 10.0.0.1, 10.0.0.2',
        'database url = postgres://muster@127.0.0.1:5432/muster',
        'Total Nodes = 500',
        'enabled = no',
      ].join('\n'),
    );
    assert.equal(config.httpPort, 0);
    assert.equal(config.moduleOutputLimit, 512 * 1024);
    assert.equal(config.tftpEnabled, false);
    assert.equal(config.dhcpMode, 'proxy');
    assert.deepEqual(config.dhcpSubnets, ['10.0.0.0/24', '10.0.1.0/24']);
    assert.deepEqual(config.dhcpRanges, ['10.0.0.100-10.0.0.200']);
    assert.deepEqual(config.dhcpDns, ['10.0.0.1', '10.0.0.2']);
    assert.equal(config.databaseUrl, 'postgres://muster@127.0.0.1:5432/muster');
    assert.equal(config.defaults.totalNodes, 500);
    assert.equal(config.defaults.enabled, false);
    assert.equal(sources.httpPort, 'file');
    assert.equal(sources['defaults.totalNodes'], 'file');
    assert.equal(sources.apiPort, 'default');
  });

  it('accepts sizes as bytes or with K, M, G', async () => {
    for (const [text, bytes] of [
      ['1000', 1000],
      ['2M', 2 * 1024 ** 2],
      ['256 MiB', 256 * 1024 ** 2],
      ['3kb', 3072],
    ] as const) {
      assert.equal((await fromFile(`module output limit = ${text}`)).config.moduleOutputLimit, bytes, text);
    }
  });

  it('resolves relative paths against the config file directory', async () => {
    const dir = await confDir({ 'muster.conf': 'statedir = state\nipxe dir = ../ipxe' });
    const { config } = await loadConfig({ configFile: join(dir, 'muster.conf'), uid: USER, env: {} });
    assert.equal(config.statedir, join(dir, 'state'));
    assert.equal(config.tftpRoot, join(dir, 'state', 'tftp'));
    assert.equal(config.ipxeDir, resolve(dir, '..', 'ipxe'));
  });

  it('derives vnfs transfer master from the master device, else from listen, else the first host address', async () => {
    assert.equal((await fromFile('master network device = lo')).config.vnfsMaster, '127.0.0.1:8987');
    assert.equal((await fromFile('master network device = lo\nvnfs transfer method = nfs')).config.vnfsMaster, '127.0.0.1');
    assert.equal((await fromFile('master network device = lo\nhttp port = 80')).config.vnfsMaster, '127.0.0.1');
    assert.equal((await fromFile('listen address = 127.0.0.2')).config.vnfsMaster, '127.0.0.2:8987');
    assert.equal((await fromFile('http port = 8000')).config.vnfsMaster, hostMaster(8000));
    assert.equal((await fromFile('master network device = lo\nvnfs transfer master = boot.example')).config.vnfsMaster, 'boot.example');
    const missing = await fromFile('master network device = nosuch0\nlisten address = 127.0.0.3');
    assert.equal(missing.config.vnfsMaster, '127.0.0.3:8987');
    assert.deepEqual(missing.warnings, ["master network device 'nosuch0' has no IPv4 address here; 'vnfs transfer master' is derived without it"]);
  });

  it("derives 'default bootenv': vnfs when 'vnfs name' names an image (so a discovered node boots it), else discovery", async () => {
    assert.equal((await fromFile('')).config.defaults.bootenv, 'discovery');
    assert.equal((await fromFile('vnfs name = rocky9')).config.defaults.bootenv, 'vnfs');
    assert.equal((await fromFile('vnfs name = rocky9\ndefault bootenv = discovery')).config.defaults.bootenv, 'discovery', 'an explicit setting wins');
  });
});

describe('loadConfig precedence', () => {
  it('ranks defaults < defaults.conf < muster.conf < env < flags', async () => {
    const dir = await confDir({
      'defaults.conf': 'Group Name = dconf\nVnfs Name = img\nFirst Node = 5\nDebug = 2',
      'muster.conf': 'group name = mconf\nvnfs name = img2\nfirst node = 7\nhttp port = 1000\napi port = 2000',
    });
    const env = { MUSTER_FIRST_NODE: '9', MUSTER_HTTP_PORT: '3000', MUSTER_API_PORT: '3001' };
    const { config, sources } = await loadConfig({ configFile: join(dir, 'muster.conf'), uid: USER, env, overrides: { 'HTTP port': '4000' } });
    assert.equal(config.defaults.debug, 2);
    assert.equal(config.defaults.group, 'mconf');
    assert.equal(config.defaults.firstNode, 9);
    assert.equal(config.apiPort, 3001);
    assert.equal(config.httpPort, 4000);
    assert.deepEqual(
      [sources['defaults.debug'], sources['defaults.group'], sources['defaults.firstNode'], sources.apiPort, sources.httpPort, sources.queueWorkers],
      ['file', 'file', 'env', 'env', 'flag', 'default'],
    );
  });

  it('lets an empty value at a higher layer unset a key back to its default', async () => {
    const { config, sources } = await fromFile('http port = 1000\ndhcp dns = 10.0.0.1', {
      env: { MUSTER_HTTP_PORT: '' },
      overrides: { 'dhcp dns': '' },
    });
    assert.equal(config.httpPort, 8987);
    assert.deepEqual(config.dhcpDns, []);
    assert.equal(sources.httpPort, 'default');
  });

  it('reads DATABASE_URL, but MUSTER_DATABASE_URL wins', async () => {
    const plain = await fromFile('', { env: { DATABASE_URL: 'postgres://a/b' } });
    assert.equal(plain.config.databaseUrl, 'postgres://a/b');
    assert.equal(plain.sources.databaseUrl, 'env');
    const both = await fromFile('', { env: { DATABASE_URL: 'postgres://a/b', MUSTER_DATABASE_URL: 'postgres://c/d' } });
    assert.equal(both.config.databaseUrl, 'postgres://c/d');
  });

  it('finds the file through MUSTER_CONFIG and reads the defaults.conf beside it', async () => {
    const dir = await confDir({ 'muster.conf': 'api port = 1234', 'defaults.conf': 'node name = c###' });
    const { config } = await loadConfig({ uid: USER, env: { MUSTER_CONFIG: join(dir, 'muster.conf'), MUSTER_NODE_NAME: 'x##' } });
    assert.equal(config.apiPort, 1234);
    assert.equal(config.defaults.nameTemplate, 'x##');
    const fromDefaultsConf = await loadConfig({ uid: USER, env: { MUSTER_CONFIG: join(dir, 'muster.conf') } });
    assert.equal(fromDefaultsConf.config.defaults.nameTemplate, 'c###');
  });
});

describe('loadConfig with a Perceus directory', () => {
  it('reads perceus.conf and defaults.conf as Perceus wrote them', async () => {
    const dir = join(import.meta.dirname, 'fixtures', 'perceus');
    const { config, warnings, sources } = await loadConfig({ perceusDir: dir, uid: 0, env: {} });
    assert.equal(config.masterDevice, 'eth0');
    assert.equal(config.vnfsMethod, 'nfs');
    assert.equal(config.vnfsPrefix, '');
    assert.equal(config.nodeTimeout, 600);
    assert.deepEqual(config.defaults, {
      nameTemplate: 'n####',
      firstNode: 1,
      totalNodes: undefined,
      group: 'cluster',
      vnfs: '',
      enabled: true,
      debug: 0,
      bootenv: 'discovery',
    });
    assert.equal(sources.vnfsMaster, 'default');
    const ignored = warnings.filter((w) => w.includes('is a Perceus setting muster ignores')).map((w) => w.split(': ')[0]);
    assert.deepEqual(
      ignored,
      [16, 19, 20, 21, 22, 28, 29].map((line) => `${join(dir, 'perceus.conf')}:${line}`),
    );
    assert.equal(
      warnings[0],
      `${join(dir, 'perceus.conf')}:16: key 'database type' is a Perceus setting muster ignores (muster keeps nodes in PostgreSQL; set 'database url' or leave it unset for the embedded database)`,
    );
  });
});
