import type { Command } from 'commander';
import { MusterError } from '../../errors.js';
import { verb } from '../select.js';
import { fetchJob, jobId, jobLine } from './show.js';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** `job wait ID…`: until every job has finished; exit status 0 only if all succeeded. */
export function command(product: string): Command {
  return verb('wait', 'Wait for jobs to finish (exit status = outcome)', product, async (cli, args, cmd) => {
    const o = cmd.opts<{ poll: string; timeout?: string }>();
    const pollMs = Number(o.poll);
    const deadline = o.timeout === undefined ? Infinity : Date.now() + Number(o.timeout) * 1000;
    let ok = true;
    for (const id of args.map(jobId)) {
      let job = await fetchJob(cli, id);
      while (!FINISHED.has(job.state)) {
        if (Date.now() >= deadline) throw new MusterError('JOB_WAIT_TIMEOUT', `job ${id} is still ${job.state} after ${o.timeout} s`);
        await new Promise((r) => setTimeout(r, pollMs));
        job = await fetchJob(cli, id);
      }
      if (job.state !== 'succeeded') ok = false;
      cli.info(jobLine(job));
    }
    if (!ok) process.exitCode = 1;
  })
    .argument('<ids...>')
    .option('--poll <ms>', 'check interval', '500')
    .option('--timeout <seconds>', 'give up (exit 1) when a job has not finished by then');
}
