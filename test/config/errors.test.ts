import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { confDir } from './confdir.js';

/** Asserts that loading muster.conf (+ optional defaults.conf) fails with `message` (`FILE` = the muster.conf path). */
async function rejects(files: Record<string, string>, message: string, opts: { env?: NodeJS.ProcessEnv; overrides?: Record<string, string> } = {}) {
  const dir = await confDir(files);
  const file = join(dir, 'muster.conf');
  await assert.rejects(loadConfig({ configFile: file, uid: 1000, env: opts.env ?? {}, ...opts }), {
    name: 'MusterError',
    code: 'CONFIG_INVALID',
    message: message.replaceAll('FILE', file).replaceAll('DIR', dir),
  });
}

describe('config errors', () => {
  it('names file, line and key for a bad value', async () => {
    await rejects({ 'muster.conf': '# ports\n\nhttp port = abc' }, "FILE:3: key 'http port': 'abc' is not a port (0-65535)");
    await rejects({ 'muster.conf': 'api port = 65536' }, "FILE:1: key 'api port': '65536' is not a port (0-65535)");
    await rejects({ 'muster.conf': 'api port = -1' }, "FILE:1: key 'api port': '-1' is not a port (0-65535)");
  });

  it('says what is allowed for each kind of value', async () => {
    const cases: Array<[string, string]> = [
      ['vnfs transfer method = xget', "'xget' is not one of: http, nfs"],
      ['dhcp mode = on', "'on' is not one of: off, full, proxy"],
      ['tftp enabled = maybe', "'maybe' is not yes or no (also accepted: true/false, on/off, 1/0)"],
      ['node timeout = 0', "'0' is not a whole number of seconds (1 to 604800)"],
      ['queue workers = 2.5', "'2.5' is not a whole number of workers (1 to 1000)"],
      ['first node = x', "'x' is not a whole number (0 to 999999999)"],
      ['module output limit = 16T', "'16T' is not a size (a byte count, or a number with K, M or G, e.g. 16M; at most 256M)"],
      ['listen address = 10.0.0.256', "'10.0.0.256' is not an IPv4 address (a.b.c.d)"],
      ['api address = localhost', "'localhost' is not an IP address"],
      ['dhcp subnet = 10.0.0.0/24, 10.0.1.5/24', "'10.0.1.5/24' is not a subnet (a.b.c.d/nn with the host bits zero, e.g. 10.0.0.0/24)"],
      ['dhcp range = 10.0.0.9-10.0.0.1', "'10.0.0.9-10.0.0.1' is not an address range (a.b.c.d-e.f.g.h, low to high)"],
      ['dhcp lease time = 30', "'30' is not a whole number of seconds (60 to 2147483647)"],
      ['group name = my group', "'my group' is not a name (letters, digits, '.', '_', '-')"],
      ['master network device = eth/0', "'eth/0' is not a network interface name (up to 15 characters, no spaces or '/')"],
      ['database url = mysql://x/y', "'mysql://x/y' is not a PostgreSQL URL (postgres://user@host:5432/db)"],
      ['log level = loud', "'loud' is not one of: fatal, error, warn, info, debug, trace, silent"],
      ['http port = 80, 81', "'80, 81' is a list, but this key takes one value"],
    ];
    for (const [line, problem] of cases) {
      const key = line.split(' = ')[0];
      await rejects({ 'muster.conf': line }, `FILE:1: key '${key}': ${problem}`);
    }
  });

  it('refuses numbers so large they would hang or exhaust the daemon, naming file, line and key', async () => {
    // queue concurrency = 100000000 made start-up insert 100 million job slots and hang.
    const cases: Array<[string, string]> = [
      ['queue concurrency = 100000000', "'100000000' is not a whole number of jobs (1 to 100000)"],
      ['queue workers = 5000', "'5000' is not a whole number of workers (1 to 1000)"],
      ['module concurrency = 100000', "'100000' is not a whole number of modules (1 to 4096)"],
      ['module timeout = 999999999', "'999999999' is not a whole number of seconds (1 to 86400)"],
      ['node timeout = 999999999', "'999999999' is not a whole number of seconds (1 to 604800)"],
      ['job lease = 3000000', "'3000000' is not a whole number of seconds (1 to 86400)"],
      ['event retention = 100000', "'100000' is not a whole number of days (1 to 3650)"],
      ['dhcp lease time = 9999999999', "'9999999999' is not a whole number of seconds (60 to 2147483647)"],
      ['tftp max transfers = 1000000', "'1000000' is not a whole number of transfers (1 to 10000)"],
      ['module output limit = 999G', "'999G' is not a size (a byte count, or a number with K, M or G, e.g. 16M; at most 256M)"],
      ['total nodes = 99999999999', "'99999999999' is not a whole number of nodes (1 to 1000000000)"],
      ['debug = 4294967296', "'4294967296' is not a whole number (0 to 255)"],
    ];
    for (const [line, problem] of cases) {
      const key = line.split(' = ')[0];
      const file = ['total nodes', 'debug'].includes(key!) ? 'defaults.conf' : 'muster.conf';
      await rejects(
        file === 'muster.conf' ? { 'muster.conf': `\n${line}` } : { 'muster.conf': '', 'defaults.conf': `\n${line}` },
        `${file === 'muster.conf' ? 'FILE' : 'DIR/defaults.conf'}:2: key '${key}': ${problem}`,
      );
    }
  });

  it('rejects a bad node name template instead of falling back like Perceus', async () => {
    const problem = "is not a node name template (a prefix, then one or more '#', then an optional suffix, e.g. n####)";
    await rejects({ 'muster.conf': 'Node Name = node' }, `FILE:1: key 'node name': 'node' ${problem}`);
    await rejects({ 'muster.conf': '', 'defaults.conf': '\nNode Name = n#a#' }, `DIR/defaults.conf:2: key 'node name': 'n#a#' ${problem}`);
    await rejects({ 'muster.conf': 'node name = ##' }, `FILE:1: key 'node name': '##' ${problem}`);
  });

  it('rejects an unknown key with a did-you-mean when one is close', async () => {
    await rejects(
      { 'muster.conf': 'http port = 1\nHTTP Prot = 80' },
      "FILE:2: unknown key 'HTTP Prot'; did you mean 'http port'? (docs/muster.conf.example lists every key)",
    );
    await rejects({ 'muster.conf': 'colour = blue' }, "FILE:1: unknown key 'colour' (docs/muster.conf.example lists every key)");
    await rejects({ 'muster.conf': '', 'defaults.conf': 'http port = 80' }, "DIR/defaults.conf:1: key 'http port' belongs in muster.conf, not defaults.conf");
    await rejects({ 'muster.conf': '' }, "command line: unknown key 'htp port'; did you mean 'http port'? (docs/muster.conf.example lists every key)", {
      overrides: { 'htp port': '80' },
    });
  });

  it('names the environment variable for a bad env value', async () => {
    await rejects({ 'muster.conf': 'http port = 80' }, "environment variable MUSTER_HTTP_PORT: key 'http port': 'eighty' is not a port (0-65535)", {
      env: { MUSTER_HTTP_PORT: 'eighty' },
    });
    await rejects(
      { 'muster.conf': '' },
      "environment variable DATABASE_URL: key 'database url': 'sqlite:x' is not a PostgreSQL URL (postgres://user@host:5432/db)",
      {
        env: { DATABASE_URL: 'sqlite:x' },
      },
    );
  });

  it('reports a missing --config or MUSTER_CONFIG file', async () => {
    const dir = await confDir({});
    await assert.rejects(loadConfig({ configFile: join(dir, 'nope.conf'), env: {} }), {
      code: 'CONFIG_UNREADABLE',
      message: `config file '${join(dir, 'nope.conf')}' does not exist (given by --config)`,
    });
    await assert.rejects(loadConfig({ env: { MUSTER_CONFIG: join(dir, 'gone.conf') } }), {
      code: 'CONFIG_UNREADABLE',
      message: `config file '${join(dir, 'gone.conf')}' does not exist (given by MUSTER_CONFIG)`,
    });
    await assert.rejects(loadConfig({ perceusDir: dir, env: {} }), {
      code: 'CONFIG_UNREADABLE',
      message: `config file '${join(dir, 'perceus.conf')}' does not exist (given by --perceus)`,
    });
  });

  it('reports a file that cannot be read', async () => {
    const dir = await confDir({ 'muster.conf': '' });
    await assert.rejects(loadConfig({ configFile: dir, env: {} }), {
      code: 'CONFIG_UNREADABLE',
      message: `config file '${dir}' cannot be read: EISDIR: illegal operation on a directory, read`,
    });
    // defaults.conf is optional, but one that exists must be readable
    const withDir = await confDir({ 'muster.conf': '' });
    await mkdir(join(withDir, 'defaults.conf'));
    await assert.rejects(loadConfig({ configFile: join(withDir, 'muster.conf'), env: {} }), {
      code: 'CONFIG_UNREADABLE',
      message: `config file '${join(withDir, 'defaults.conf')}' cannot be read: EISDIR: illegal operation on a directory, read`,
    });
  });

  it('refuses both a config file and a Perceus directory', async () => {
    await assert.rejects(loadConfig({ configFile: '/x/muster.conf', perceusDir: '/etc/perceus', env: {} }), {
      code: 'CONFIG_INVALID',
      message: 'give either a muster config file or a Perceus config directory, not both',
    });
  });
});
