/**
 * Issue 8, defects 9, 10 and 11 (module stderr): what a module leaves running can neither hang
 * its node's render, nor hold a render slot past the deadline, nor outlive the render.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { ScriptReply } from '../../src/nodescripts/service.js';
import { fixture, writeModule, type Fixture } from './fixture.js';
import { until } from '../helpers/until.js';

const mac = (i: number): string => `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`;

/** Fails instead of hanging when `p` takes longer than `ms` (the defects hung forever). */
async function bounded<T>(what: string, p: Promise<T>, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Processes whose command line is exactly `sleep <arg>` (each test uses its own number). */
function sleepers(arg: string): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'latin1') === `sleep\0${arg}\0` && !/\) Z/.test(readFileSync(`/proc/${d}/stat`, 'latin1'))) n++;
    } catch {
      // gone
    }
  }
  return n;
}

async function noSleepers(arg: string): Promise<void> {
  await until(
    `no 'sleep ${arg}' process left running`,
    () => sleepers(arg),
    (n) => n === 0,
    20_000,
  );
}

describe('module processes (issue 8: 9, 10, 11)', () => {
  let f: Fixture;
  const ask = (i: number, state: string): Promise<ScriptReply> => f.service.provide({ state, mac: mac(i), ip: '10.0.0.9', proto: 'http' });
  before(async () => {
    f = await fixture('pglite', { concurrency: 8 }, { limits: { timeoutMs: 1500, outputLimit: 1 << 20 } });
    await writeModule(f.statedir, 'init/all/10-hello', '#!/bin/sh\necho "echo hello $NODENAME"\n');
    await writeModule(f.statedir, 'helper/all/10-helper', '#!/bin/sh\nsetsid sleep 1101 &\nsleep 1102 &\necho "echo rendered"\n');
    await writeModule(f.statedir, 'hang/all/10-hang', '#!/bin/sh\nsetsid sleep 1103 &\nexec sleep 1104\n');
    await writeModule(
      f.statedir,
      'quiet/all/10-quiet',
      '#!/bin/sh\nsleep 1105 >/dev/null 2>&1 &\nsetsid sleep 1106 >/dev/null 2>&1 </dev/null &\necho "echo quiet"\n',
    );
    for (let i = 0; i < 10; i++) assert.equal((await ask(i, 'init')).ok, true);
  });
  after(() => f.cleanup());

  it('a module that leaves a child holding stdout renders at once, not MODULE_TIMEOUT (10)', async () => {
    const r = await bounded('helper render', ask(0, 'helper'));
    assert.equal(r.code, undefined, r.reason);
    assert.match(r.script.toString(), /^echo rendered$/m);
    await noSleepers('1101');
    await noSleepers('1102');
  });

  it('quiet background children, in the group or in a session of their own, die with the module (10)', async () => {
    const r = await bounded('quiet render', ask(1, 'quiet'));
    assert.equal(r.ok, true, r.reason);
    await noSleepers('1105');
    await noSleepers('1106');
  });

  it('8 nodes whose modules hang with a setsid helper time out and free their slots; another node is served (9)', async () => {
    const hung = Array.from({ length: 8 }, (_, i) => bounded(`hung render ${i}`, ask(i, 'hang')));
    const other = await bounded('render of the ninth node', ask(9, 'init'));
    assert.equal(other.ok, true);
    assert.match(other.script.toString(), /echo hello n0009/);
    for (const r of await Promise.all(hung)) {
      assert.equal(r.code, 'MODULE_TIMEOUT');
      assert.match(r.reason ?? '', /ran past its 1500 ms deadline/);
    }
    assert.equal(f.service.limiter.running, 0);
    assert.equal(f.service.limiter.queued, 0);
    await noSleepers('1103');
    await noSleepers('1104');
  });

  it('200 MB of module stderr costs a bounded log that says how much was dropped (11)', async () => {
    let logged = 0;
    const said: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _e, cb) => {
        logged += chunk.length;
        if (chunk.includes('dropped')) said.push(chunk.toString());
        cb();
      },
    });
    const g = await fixture('pglite', { log: pino({ level: 'warn' }, sink) }, { limits: { timeoutMs: 240_000, outputLimit: 1 << 20 } });
    try {
      await writeModule(
        g.statedir,
        'init/all/10-noisy',
        '#!/bin/sh\nyes "a line of module stderr that goes on and on" | head -c 200000000 >&2\necho "echo noisy"\n',
      );
      const r = await bounded('noisy render', g.service.provide({ state: 'init', mac: mac(20), ip: null, proto: 'http' }), 240_000);
      assert.equal(r.ok, true, r.reason);
      assert.match(r.script.toString(), /echo noisy/);
      assert.ok(logged < 1_000_000, `the log grew by ${logged} bytes`);
      assert.ok(logged > 64 * 1024, 'the first 64 KiB are logged');
      assert.equal(said.length, 1);
      assert.match(said[0]!, /10-noisy: 199934464 bytes of stderr dropped/);
    } finally {
      await g.cleanup();
    }
  });
});
