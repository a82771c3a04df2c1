import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configValue, describeConfig, loadConfig } from '../../src/config/index.js';
import { parseConfigText } from '../../src/config/parse.js';
import { confDir } from './confdir.js';

const TEXT = ['master network device = lo', 'dhcp dns = 10.0.0.1,10.0.0.2', 'module output limit = 1048576', 'tftp enabled = 0', 'total nodes = 20'].join('\n');

async function load(text: string) {
  const dir = await confDir({ 'muster.conf': text });
  return (await loadConfig({ configFile: join(dir, 'muster.conf'), uid: 0, env: {} })).config;
}

describe('describeConfig / configValue', () => {
  it('lists every key in documented order, spelled as a config file would', async () => {
    const pairs = new Map(describeConfig(await load(TEXT)));
    assert.equal([...pairs.keys()][0], 'master network device');
    assert.equal(pairs.get('dhcp dns'), '10.0.0.1, 10.0.0.2');
    assert.equal(pairs.get('module output limit'), '1M');
    assert.equal(pairs.get('tftp enabled'), 'no');
    assert.equal(pairs.get('vnfs transfer master'), '127.0.0.1:8987', 'over http, with the node-facing HTTP port');
    assert.equal(pairs.get('dhcp gateway'), '');
    assert.equal(pairs.get('total nodes'), '20');
    assert.equal(pairs.get('statedir'), '/var/lib/muster');
  });

  it('round-trips: its output loads back to the same config', async () => {
    const config = await load(TEXT + '\nmodule output limit = 1000\ndhcp range = 10.0.0.5-10.0.0.9');
    const again = await load(
      describeConfig(config)
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n'),
    );
    assert.deepEqual(again, config);
  });

  it('never shows the database password, in the listing, one key, or an error', async () => {
    const config = await load('database url = postgres://muster:s3cret-pw@db.example:5432/muster');
    assert.equal(new Map(describeConfig(config)).get('database url'), 'postgres://muster:***@db.example:5432/muster');
    assert.equal(configValue(config, 'database url'), 'postgres://muster:***@db.example:5432/muster');
    assert.equal(configValue(config, 'database url').includes('s3cret'), false);
    const env = await loadConfig({ uid: 0, env: { DATABASE_URL: 'postgresql://u:envpw@h/d' } });
    assert.equal(configValue(env.config, 'database url'), 'postgresql://u:***@h/d');
    const dir = await confDir({ 'muster.conf': 'database url = mysql://u:s3cret-pw@h/d' });
    await assert.rejects(loadConfig({ configFile: join(dir, 'muster.conf'), uid: 0, env: {} }), (err: Error) => {
      assert.match(err.message, /key 'database url': 'mysql:\/\/u:\*\*\*@h\/d' is not a PostgreSQL URL/);
      return !err.message.includes('s3cret');
    });
  });

  it('answers one key, matched like the parser matches keys', async () => {
    const config = await load(TEXT);
    assert.equal(configValue(config, 'vnfs transfer method'), 'http');
    assert.equal(configValue(config, 'Vnfs  Transfer Master'), '127.0.0.1:8987');
    assert.equal(configValue(config, 'statedir'), '/var/lib/muster');
    assert.equal(configValue(config, 'database url'), '');
    assert.throws(() => configValue(config, 'vnfs transfer mastr'), {
      code: 'CONFIG_INVALID',
      message: "unknown config key 'vnfs transfer mastr'; did you mean 'vnfs transfer master'?",
    });
    assert.throws(() => configValue(config, 'prefix'), { code: 'CONFIG_INVALID', message: "unknown config key 'prefix'" });
  });

  it('is documented key by key in docs/muster.conf.example', async () => {
    const example = await readFile(join(import.meta.dirname, '..', '..', 'docs', 'muster.conf.example'), 'utf8');
    const commented = example
      .split('\n')
      .map((l) => l.replace(/^#\s?(?=[a-z][a-z ]*=)/i, ''))
      .join('\n');
    const documented = [...parseConfigText(commented, 'muster.conf.example', '/').keys()];
    assert.deepEqual(
      documented,
      describeConfig(await load('')).map(([k]) => k),
    );
  });
});
