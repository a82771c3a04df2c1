/**
 * What muster's root logger costs over plain pino: one-value-per-key bindings (a child rewritten
 * only when it rebinds a key) and dropping a call's repeat of a bound value. Prints ns per child
 * creation (fastify makes one per request) and per log line with an object, median of 5 rounds.
 *   node --import tsx bench/log.ts
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { createLogger } from '../src/log.js';

const N = 100_000;
const sink = () => new Writable({ write: (_chunk, _enc, done) => done() });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function measure(root: Logger): { child: number; line: number } {
  const api = root.child({ mod: 'api' });
  let t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) api.child({ reqId: `req-${i}` });
  const child = Number(process.hrtime.bigint() - t) / N;
  const queue = root.child({ mod: 'queue', owner: 'host:1:abcd' });
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) queue.info({ job: i, state: 'succeeded' }, 'job done');
  return { child, line: Number(process.hrtime.bigint() - t) / N };
}

const runs: Record<string, { child: number[]; line: number[] }> = { pino: { child: [], line: [] }, muster: { child: [], line: [] } };
for (let round = 0; round < 5; round++) {
  for (const [name, root] of [
    ['pino', pino({ base: { pid: process.pid } }, sink())],
    ['muster', createLogger('info', sink())],
  ] as const) {
    const m = measure(root);
    runs[name]!.child.push(m.child);
    runs[name]!.line.push(m.line);
  }
}
for (const [name, r] of Object.entries(runs)) {
  console.log(`${name.padEnd(6)} child ${median(r.child).toFixed(0)} ns, log line with an object ${median(r.line).toFixed(0)} ns`);
}
