import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { Backlog } from '../../../src/boot/dhcp/backlog.js';

/** A backlog whose jobs record their start and finish when `release()` is called. */
function harness(limits: { running: number; waiting: number; maxWaitMs: number }) {
  const counted: string[] = [];
  const started: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const backlog = new Backlog(limits, (what) => void counted.push(what));
  const add = (n: number) =>
    backlog.add(async () => {
      started.push(n);
      await gate;
    });
  return { counted, started, add, release: () => release() };
}

it('runs a bounded number of packets at once, queues the next ones in order and drops beyond the bound', async () => {
  const h = harness({ running: 2, waiting: 3, maxWaitMs: 60_000 });
  for (let n = 1; n <= 6; n++) h.add(n);
  assert.deepEqual(h.started, [1, 2]);
  assert.deepEqual(h.counted, ['drop.overload']);
  h.release();
  await sleep(10);
  assert.deepEqual(h.started, [1, 2, 3, 4, 5]);
});

it('drops packets that waited longer than maxWaitMs instead of answering a client that gave up', async () => {
  const h = harness({ running: 1, waiting: 10, maxWaitMs: 20 });
  h.add(1);
  h.add(2);
  await sleep(40);
  h.add(3);
  h.release();
  await sleep(10);
  assert.deepEqual(h.started, [1, 3]);
  assert.deepEqual(h.counted, ['drop.stale']);
});
