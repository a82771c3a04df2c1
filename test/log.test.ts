/**
 * Log lines carry each key once (issue 8 #20: `"mod":"tftp","mod":"tftp"`). pino appends a
 * child's bindings to its parent's, so a module that binds `mod` under a caller that already did
 * wrote the key twice in every line; JSON parsers keep one of them, log shippers may not.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../src/log.js';
import { spawnDaemon } from './helpers/daemon.js';

/** The top-level keys of one JSON object text, in order, duplicates included (JSON.parse hides them). */
export function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

const duplicated = (keys: string[]) => keys.filter((k, i) => keys.indexOf(k) !== i);

describe('log lines', () => {
  it('the key scanner sees duplicates JSON.parse would hide', () => {
    assert.deepEqual(topLevelKeys('{"a":1,"b":{"a":2,"c":[{"d":1}]},"e":"x\\",\\"a\\":1","a":3}'), ['a', 'b', 'e', 'a']);
  });

  it('a child of a child binding the same key writes it once, with the innermost value; a call repeating a binding too', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        lines.push(chunk.toString().trim());
        done();
      },
    });
    const root = createLogger('info', sink);
    root.child({ mod: 'tftp' }).child({ mod: 'tftp' }).child({ peer: '10.0.0.9:1234' }).info('one');
    root.child({ mod: 'api' }).child({ mod: 'events' }).info('two');
    root.child({ mod: 'queue', owner: 'vm:1' }).info({ owner: 'vm:1', running: 0 }, 'three');
    assert.equal(lines.length, 3);
    assert.deepEqual(duplicated(topLevelKeys(lines[2]!)), [], lines[2]);
    assert.equal(JSON.parse(lines[2]!).running, 0);
    assert.deepEqual(duplicated(topLevelKeys(lines[0]!)), [], lines[0]);
    assert.deepEqual(JSON.parse(lines[0]!).mod, 'tftp');
    assert.equal(JSON.parse(lines[0]!).peer, '10.0.0.9:1234');
    assert.deepEqual(duplicated(topLevelKeys(lines[1]!)), [], lines[1]);
    assert.equal(JSON.parse(lines[1]!).mod, 'events');
  });

  it('no line of a real daemon (start, TFTP, DHCP, API, stop) has a key twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muster-log-'));
    const conf = join(dir, 'muster.conf');
    await writeFile(conf, 'dhcp mode = proxy\ndhcp server address = 127.0.0.1\ndhcp proxy port = 0\n');
    const d = await spawnDaemon({ args: ['--config', conf], env: { MUSTER_LOG_LEVEL: 'info' } });
    await rm(dir, { recursive: true, force: true });
    await d.stop();
    const stderr = String((await d.proc).stderr);
    const lines = stderr.split('\n').filter((l) => l.startsWith('{'));
    assert.ok(
      lines.some((l) => l.includes('"tftp listening"')),
      stderr,
    );
    assert.ok(
      lines.some((l) => l.includes('"DHCP server listening"')),
      stderr,
    );
    for (const l of lines) assert.deepEqual(duplicated(topLevelKeys(l)), [], l);
  });
});
