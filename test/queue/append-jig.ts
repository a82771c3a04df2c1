import { appendFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { getJig, jigNames, registerJig, type Jig } from '../../src/queue/index.js';

/**
 * Test jig for the multi-process tests: appends `start <job> <node> <seq> <pid> <ms>` to `file`,
 * sleeps `ms`, appends `end …`. A run killed midway leaves a start without an end.
 */
export const appendJig: Jig<{ file: string; seq: string; ms: string }> = {
  name: 'append',
  summary: 'test: log start and end lines to a file',
  args: z.object({ file: z.string(), seq: z.string(), ms: z.string() }),
  defaultTimeoutSeconds: 60,
  async run({ job, args, signal }) {
    const line = (what: string) => `${what} ${job.id} ${job.node} ${args.seq} ${process.pid} ${Date.now()}\n`;
    await appendFile(args.file, line('start'));
    await sleep(Number(args.ms), undefined, { signal });
    await appendFile(args.file, line('end'));
    return { kind: 'succeeded' };
  },
};

export function registerAppendJig(): void {
  if (!jigNames().includes('append')) registerJig(appendJig);
  getJig('append');
}

export interface RunLine {
  what: 'start' | 'end';
  job: number;
  node: string;
  seq: number;
  pid: number;
  at: number;
}

export function parseRunLines(text: string): RunLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [what, job, node, seq, pid, at] = l.split(' ');
      return { what: what as 'start' | 'end', job: Number(job), node: node!, seq: Number(seq), pid: Number(pid), at: Number(at) };
    });
}
