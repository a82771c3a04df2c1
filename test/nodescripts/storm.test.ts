import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FairLimiter } from '../../src/nodescripts/fair-limiter.js';
import { fixture, writeModule, type Fixture } from './fixture.js';

describe('fair limiter', () => {
  it('caps concurrency and serves keys round-robin, FIFO within a key', async () => {
    const lim = new FairLimiter(2);
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const task = (key: string, label: string) =>
      lim.run(key, async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(label);
        await new Promise((r) => setTimeout(r, 10));
        running--;
      });
    await Promise.all([task('a', 'a1'), task('a', 'a2'), task('a', 'a3'), task('a', 'a4'), task('b', 'b1'), task('c', 'c1'), task('b', 'b2')]);
    assert.equal(peak, 2);
    // a1, a2 start at once; then the ring is a, b, c: a3, b1, c1, a4, b2
    assert.deepEqual(order, ['a1', 'a2', 'a3', 'b1', 'c1', 'a4', 'b2']);
    assert.equal(lim.running, 0);
    assert.equal(lim.queued, 0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    assert.throws(() => new FairLimiter(0), /positive integer/);
  });
});

describe('boot storm: cap on module processes, coalescing', () => {
  let f: Fixture;
  before(async () => {
    f = await fixture('pglite', { concurrency: 2 });
    // Each run counts the runs alive at its start (one dir each) and how often it ran.
    await writeModule(
      f.statedir,
      'init/all/10-count',
      '#!/bin/sh\nmkdir "$STATEDIR/run.$$"\nls -d "$STATEDIR"/run.* | wc -l >> "$STATEDIR/peaks"\necho "$NODENAME" >> "$STATEDIR/runs"\nsleep 0.3\nrmdir "$STATEDIR/run.$$"\necho ok\n',
    );
  });
  after(() => f.cleanup());

  it('never runs more modules at once than the cap', async () => {
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => f.service.provide({ state: 'init', mac: `02:00:00:00:01:0${i}`, ip: '127.0.0.1', proto: 'http' })),
    );
    assert.ok(replies.every((r) => r.ok));
    const peaks = (await readFile(join(f.statedir, 'peaks'), 'utf8')).trim().split('\n').map(Number);
    assert.equal(peaks.length, 8);
    assert.ok(Math.max(...peaks) <= 2, `peaks ${peaks.join(',')}`);
  });

  it('coalesces identical concurrent requests from one node into one render', async () => {
    const before = (await readFile(join(f.statedir, 'runs'), 'utf8')).trim().split('\n').length;
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => f.service.provide({ state: 'init', mac: '02:00:00:00:01:00', ip: '127.0.0.1', proto: '987' })),
    );
    const after = (await readFile(join(f.statedir, 'runs'), 'utf8')).trim().split('\n').length;
    assert.equal(after - before, 1);
    assert.ok(replies.every((r) => r.ok && r.script.toString().includes('ok\n')));
  });
});
