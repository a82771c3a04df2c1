import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeKey, parseConfigText, splitValue } from '../../src/config/parse.js';

/** Parses and returns `key → values` for compact assertions. */
function values(text: string): Record<string, string[]> {
  return Object.fromEntries([...parseConfigText(text, 'muster.conf', '/etc/muster')].map(([k, e]) => [k, e.values]));
}

describe('config parser', () => {
  it('reads key = value lines', () => {
    assert.deepEqual(values('http port = 8080\nlisten address=10.0.0.1\n'), {
      'http port': ['8080'],
      'listen address': ['10.0.0.1'],
    });
  });

  it('skips blank lines and comments, including indented ones', () => {
    assert.deepEqual(values('\n   \n# http port = 1\n    # api port = 2\n\tdhcp mode = full\n'), { 'dhcp mode': ['full'] });
  });

  it('keeps a # inside a value (only whole-line comments exist)', () => {
    assert.deepEqual(values('node name = n####'), { 'node name': ['n####'] });
  });

  it('splits the key at the first = and keeps later ones in the value', () => {
    assert.deepEqual(values('database url = postgres://h/db?a=b'), { 'database url': ['postgres://h/db?a=b'] });
  });

  it('removes double quotes around the value', () => {
    assert.deepEqual(values('vnfs transfer prefix = "/export/x"'), { 'vnfs transfer prefix': ['/export/x'] });
    assert.deepEqual(values('boot file bios = "a" b'), { 'boot file bios': ['"a" b'] });
  });

  it('splits values on commas and the spaces around them', () => {
    assert.deepEqual(values('dhcp dns = 10.0.0.1 ,10.0.0.2,   10.0.0.3'), { 'dhcp dns': ['10.0.0.1', '10.0.0.2', '10.0.0.3'] });
  });

  it('lets the last occurrence of a key win', () => {
    const entries = parseConfigText('http port = 1\nhttp port = 2\napi port = 3\nHTTP Port = 4\n', 'm.conf', '/');
    assert.deepEqual(entries.get('http port'), { key: 'HTTP Port', raw: '4', values: ['4'], where: 'm.conf:4', baseDir: '/' });
  });

  it('treats an empty value as unset, overriding an earlier value', () => {
    assert.deepEqual(values('vnfs transfer master = 10.0.0.1\nvnfs transfer master =\n'), { 'vnfs transfer master': [] });
    assert.deepEqual(values('vnfs transfer master = ""'), { 'vnfs transfer master': [] });
  });

  it('matches keys case-insensitively with whitespace runs folded', () => {
    assert.equal(normalizeKey('  Node \t  Name '), 'node name');
    assert.deepEqual(values('Node   Name = x##\n'), { 'node name': ['x##'] });
  });

  it('remembers the file and line of each entry', () => {
    const e = parseConfigText('# c\n\nfirst node = 5\r\n', 'defaults.conf', '/etc/perceus').get('first node');
    assert.equal(e?.where, 'defaults.conf:3');
    assert.equal(e?.baseDir, '/etc/perceus');
  });

  it('rejects a line that is not key = value', () => {
    assert.throws(() => parseConfigText('http port = 1\nhttp port 8080\n', 'muster.conf', '/'), {
      code: 'CONFIG_INVALID',
      message: "muster.conf:2: 'http port 8080' is not a setting; write 'key = value' (or start the line with # for a comment)",
    });
    assert.throws(() => parseConfigText(' = 5', 'muster.conf', '/'), { code: 'CONFIG_INVALID', message: /muster.conf:1: '= 5' is not a setting/ });
  });

  it('splits env and flag values the same way', () => {
    assert.deepEqual(splitValue(' "a, b" '), { raw: 'a, b', values: ['a', 'b'] });
    assert.deepEqual(splitValue(''), { raw: '', values: [] });
  });
});
