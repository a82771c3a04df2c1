import { appendFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { getJig, jigNames, registerJig, type Jig } from '../../src/queue/index.js';

/**
 * Test jig for the multi-process tests: appends `start <job> <node> <seq> <pid> <ms> <attempt>` to
 * `file`, sleeps `ms`, appends `end …` (`abort …` when its signal cut the sleep short). A run
 * killed midway leaves a start without an end.
 */
export const appendJig: Jig<{ file: string; seq: string; ms: string }> = {
  name: 'append',
  summary: 'test: log start and end lines to a file',
  args: z.object({ file: z.string(), seq: z.string(), ms: z.string() }),
  defaultTimeoutSeconds: 60,
  async run({ job, args, signal }) {
    const line = (what: string) => `${what} ${job.id} ${job.node} ${args.seq} ${process.pid} ${Date.now()} ${job.attempts}\n`;
    await appendFile(args.file, line('start'));
    try {
      await sleep(Number(args.ms), undefined, { signal });
    } catch (err) {
      await appendFile(args.file, line('abort'));
      throw err;
    }
    await appendFile(args.file, line('end'));
    return { kind: 'succeeded' };
  },
};

export function registerAppendJig(): void {
  if (!jigNames().includes('append')) registerJig(appendJig);
  getJig('append');
}

export interface RunLine {
  what: 'start' | 'end' | 'abort';
  job: number;
  node: string;
  seq: number;
  pid: number;
  at: number;
  attempt: number;
}

export function parseRunLines(text: string): RunLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [what, job, node, seq, pid, at, attempt] = l.split(' ');
      return { what: what as RunLine['what'], job: Number(job), node: node!, seq: Number(seq), pid: Number(pid), at: Number(at), attempt: Number(attempt) };
    });
}
