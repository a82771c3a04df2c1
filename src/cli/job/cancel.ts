import type { Command } from 'commander';
import { verb } from '../select.js';
import { jobId, jobLine, type ApiJob } from './show.js';

/** `job cancel ID…`: queued jobs at once (with their chain), running ones by request. */
export function command(product: string): Command {
  return verb('cancel', 'Cancel jobs', product, async (cli, args) => {
    const client = await cli.client();
    for (const id of args.map(jobId)) {
      const { job } = await client.post<{ job: ApiJob }>(`/jobs/${id}/cancel`, {});
      if (cli.g.json) cli.json(job);
      else cli.info(job.state === 'running' ? `job ${id}: asked to stop` : jobLine(job));
    }
  }).argument('<ids...>');
}
