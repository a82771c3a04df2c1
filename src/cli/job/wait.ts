import { Command } from 'commander';
import { verb } from '../select.js';
import { fetchJob, jobId, jobLine } from './show.js';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** `job wait ID…`: until every job has finished; exit status 0 only if all succeeded. */
export function command(product: string): Command {
  return verb('wait', 'Wait for jobs to finish (exit status = outcome)', product, async (cli, args, cmd) => {
    const pollMs = Number(cmd.opts<{ poll: string }>().poll);
    let ok = true;
    for (const id of args.map(jobId)) {
      let job = await fetchJob(cli, id);
      while (!FINISHED.has(job.state)) {
        await new Promise((r) => setTimeout(r, pollMs));
        job = await fetchJob(cli, id);
      }
      if (job.state !== 'succeeded') ok = false;
      cli.info(jobLine(job));
    }
    if (!ok) process.exitCode = 1;
  })
    .argument('<ids...>')
    .option('--poll <ms>', 'check interval', '500');
}
